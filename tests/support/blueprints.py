"""Catalog blueprints for tests of imports: one published into a test's store, as the
catalog's command line publishes one."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from commands.catalog import (
    CATALOG_ACCOUNT,
    BlueprintContent,
    BlueprintParam,
    BlueprintTestInput,
    FunctionBlueprint,
    function_blueprint_id_for,
    param_id_for,
)
from commands.context import CommandContext
from commands.handlers.catalog import PublishPackageBlueprint, RetirePackageBlueprint
from service.bootstrap import Container
from service.wire.common import now_to_the_millisecond
from tests.support.builders import unique_name
from tests.support.http import BASE


def imports_path(blueprint_id: UUID | str) -> str:
    return f"{BASE}/package-blueprints/{blueprint_id}/packages"


def webhook(
    blueprint_id: UUID, name: str | None = None, version: str = "1.0.0", *, required: bool = True
) -> Any:
    """Two functions, three test inputs, a required vault parameter (unless not
    ``required``), one with a default and an optional one without."""

    def function(fn: str, order: int, kind: str, config: dict[str, Any], *params: Any) -> Any:
        function_id = function_blueprint_id_for(blueprint_id, fn)
        return FunctionBlueprint(
            function_id,
            fn,
            kind,
            "JAVASCRIPT",
            f"export default (request) => request.ok({order});",
            config,
            order,
            (BlueprintTestInput(f"{fn} example", {"n": order}),)
            + ((BlueprintTestInput("plain", "hi", "text/plain"),) if order == 0 else ()),
            tuple(
                BlueprintParam(param_id_for(function_id, source), source.title(), source, **f)
                for source, f in params
            ),
        )

    return BlueprintContent(
        name=name or unique_name("Webhook"),
        version=version,
        description="forwards orders to a webhook",
        tags=("integrations",),
        functions=(
            function(
                "forward",
                0,
                "AFTER_PUBLISH",
                {"inputChannel": "orders.*"},
                ("WEBHOOK_URL", {"required": required}),
                ("TIMEOUT", {"default_value": "5"}),
            ),
            function("report", 1, "ON_REQUEST", {"path": "report"}, ("LABEL", {})),
        ),
    )


def publish(container: Container, content: Any = None, blueprint_id: UUID | None = None) -> UUID:
    """Publish a blueprint (``webhook`` by default) into the container's store."""
    blueprint_id = blueprint_id or uuid4()
    command = PublishPackageBlueprint(blueprint_id, content or webhook(blueprint_id))
    container.commands.run(command, _operator())
    return blueprint_id


def retire(container: Container, blueprint_id: UUID) -> None:
    container.commands.run(RetirePackageBlueprint(blueprint_id), _operator())


def _operator() -> CommandContext:
    """The catalog's commands run as its account (0), which ``context()`` cannot name."""
    return CommandContext(CATALOG_ACCOUNT, "cli:test", "catalog-test", now_to_the_millisecond())
