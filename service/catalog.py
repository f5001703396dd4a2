"""Publishing blueprint files to the catalog (the command line's ``catalog publish``), and the
starter catalog the service ships (published on the embedded store's first start, or by
``catalog publish --starter``)."""

from __future__ import annotations

import getpass
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from uuid import uuid4

from commands.catalog import CATALOG_ACCOUNT
from commands.context import CommandContext
from commands.handlers.catalog import (
    BlueprintPublication,
    PublishPackageBlueprint,
    PublishPackageBlueprints,
)
from service.bootstrap import Container
from service.catalog_files import BlueprintFile, load_blueprints
from service.wire.common import now_to_the_millisecond

STARTER_ACTOR = "service:starter-catalog"


def catalog_context(actor: str | None = None) -> CommandContext:
    """The catalog's commands: its account, and the operator (or the service) as actor."""
    return CommandContext(
        account_id=CATALOG_ACCOUNT,
        actor=actor or f"cli:{getpass.getuser()}",
        correlation_id=f"cli-{uuid4()}",
        requested_at=now_to_the_millisecond(),
    )


def starter_paths() -> list[Path]:
    """The starter catalog's blueprint files, as installed with the package."""
    folder = resources.files("service.starter_catalog")
    return sorted(
        Path(str(item)) for item in folder.iterdir() if item.name.endswith((".toml", ".json"))
    )


def publish_files(
    container: Container,
    files: Sequence[BlueprintFile],
    context: CommandContext,
    *,
    only_if_newer: bool = False,
    starter: Sequence[BlueprintFile] = (),
) -> tuple[BlueprintPublication, ...]:
    """Publish every file's blueprint in one command: all of them, or none (``starter``
    files too, only where new or newer)."""
    command = PublishPackageBlueprints(
        tuple(
            PublishPackageBlueprint(file.blueprint_id, file.content, only_if_newer)
            for file in files
        )
        + tuple(PublishPackageBlueprint(f.blueprint_id, f.content, True) for f in starter)
    )
    return container.commands.run(command, context).value


def publish_starter_catalog(container: Container) -> tuple[BlueprintPublication, ...]:
    """Publish the starter blueprints that are new or newer than those published (never one
    retired by the operator): idempotent, and safe when processes start together."""
    files = load_blueprints(starter_paths(), container.settings.max_code_bytes)
    return publish_files(container, files, catalog_context(STARTER_ACTOR), only_if_newer=True)
