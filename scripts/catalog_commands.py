"""``faas-packages catalog``: publish package blueprints from files, list them, retire one."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any
from uuid import UUID

from commands.errors import (
    BlueprintIdTakenError,
    BlueprintVersionNotNewerError,
    PackageBlueprintNotFoundError,
)
from commands.handlers.catalog import BlueprintPublication, RetirePackageBlueprint
from projections.catalog import CatalogLog
from service.bootstrap import bootstrap
from service.catalog import catalog_context, publish_files, starter_paths
from service.catalog_files import BlueprintFileError, load_blueprints
from service.settings import Settings

EXIT_INVALID = 2


def add_commands(commands: Any) -> None:
    """``catalog publish``, ``catalog list`` and ``catalog retire``."""
    catalog = commands.add_parser("catalog", help="publish, list and retire package blueprints")
    actions = catalog.add_subparsers(dest="catalog_command", required=True, metavar="command")
    publish = actions.add_parser(
        "publish",
        help="publish blueprint files (JSON or TOML, one blueprint each): all of them or none",
    )
    publish.add_argument("files", nargs="*", type=Path, metavar="FILE", help="a blueprint file")
    publish.add_argument(
        "--starter",
        action="store_true",
        help="also the starter catalog's blueprints that are new or newer than those published",
    )
    publish.set_defaults(handler=catalog_publish)
    listing = actions.add_parser("list", help="list blueprints (retired ones too)")
    listing.set_defaults(handler=catalog_list)
    retire = actions.add_parser("retire", help="take a blueprint out of the catalog")
    retire.add_argument("blueprint_id", type=_blueprint_id, help="the blueprint's id")
    retire.set_defaults(handler=catalog_retire)


def _blueprint_id(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a UUID") from None


def catalog_publish(args: argparse.Namespace, settings: Settings) -> int:
    """Validate every file first; then publish them all in one command (the starter ones,
    with ``--starter``, only where new or newer)."""
    if not args.files and not args.starter:
        print("faas-packages: name blueprint files, or --starter", file=sys.stderr)
        return EXIT_INVALID
    try:
        files = load_blueprints(args.files, settings.max_code_bytes)
        starter = load_blueprints(starter_paths(), settings.max_code_bytes) if args.starter else []
    except BlueprintFileError as error:
        for problem in error.problems:
            print(f"faas-packages: {problem}", file=sys.stderr)
        print("faas-packages: nothing was published", file=sys.stderr)
        return EXIT_INVALID
    container = bootstrap(settings)
    try:
        published = publish_files(container, files, catalog_context(), starter=starter)
    except (BlueprintVersionNotNewerError, BlueprintIdTakenError) as error:
        named = {str(file.blueprint_id): str(file.path) for file in files}
        where = named.get(str(getattr(error, "blueprint_id", "")), "")
        print(f"faas-packages: {where + ': ' if where else ''}{error}", file=sys.stderr)
        print("faas-packages: nothing was published", file=sys.stderr)
        return 1
    finally:
        container.close()
    for publication in published:
        print(_published(publication))
    return 0


def _published(publication: BlueprintPublication) -> str:
    blueprint = publication.blueprint
    what = f"{blueprint.content.name} {blueprint.content.version} ({blueprint.id})"
    if publication.skipped:
        state = "retired" if blueprint.retired else "published"
        return f"unchanged {what}: {state} already"
    if publication.previous_version is None:
        return f"published {what}"
    return f"published {what}, replacing {publication.previous_version}"


def catalog_list(args: argparse.Namespace, settings: Settings) -> int:
    container = bootstrap(settings)
    try:
        entries = CatalogLog(container.projector.log).entries()
    finally:
        container.close()
    rows: list[tuple[str, ...]] = [("ID", "NAME", "VERSION", "STATE")]
    rows += [
        (entry.id, entry.name, entry.version, "RETIRED" if entry.retired else "LISTED")
        for entry in entries
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    return 0


def catalog_retire(args: argparse.Namespace, settings: Settings) -> int:
    container = bootstrap(settings)
    try:
        command = RetirePackageBlueprint(args.blueprint_id)
        blueprint = container.commands.run(command, catalog_context()).value
    except PackageBlueprintNotFoundError:
        print(f"faas-packages: no blueprint {args.blueprint_id} was published", file=sys.stderr)
        return EXIT_INVALID
    finally:
        container.close()
    print(f"retired {blueprint.content.name} {blueprint.content.version} ({blueprint.id})")
    return 0
