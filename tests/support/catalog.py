"""Catalog blueprints for tests: content with unique ids and names, published through the
application as ``catalog publish`` does, and waited for in the read model."""

from __future__ import annotations

from uuid import UUID

from commands.catalog import (
    BlueprintContent,
    BlueprintParam,
    BlueprintTestInput,
    FunctionBlueprint,
    function_blueprint_id_for,
    param_id_for,
)
from commands.handlers.catalog import (
    BlueprintPublication,
    PublishPackageBlueprint,
    RetirePackageBlueprint,
)
from service.bootstrap import Container
from service.catalog import catalog_context
from tests.support.builders import unique_name
from tests.support.waiting import wait_until


def function(blueprint_id: UUID, name: str, sort_order: int, *params: str) -> FunctionBlueprint:
    """A function blueprint with a test input and a VAULT parameter per source name (the
    first required)."""
    function_id = function_blueprint_id_for(blueprint_id, name)
    return FunctionBlueprint(
        function_id,
        name,
        "BEFORE_PUBLISH",
        "JAVASCRIPT",
        f"export default (request) => request.ok(); // {name}",
        {"inputChannel": "chat.*"},
        sort_order,
        (BlueprintTestInput(f"{name} input", {"text": name}),),
        tuple(
            BlueprintParam(
                param_id_for(function_id, source),
                f"{source.title()} param",
                source,
                description=f"the {source}",
                default_value=None if index == 0 else "x",
                required=index == 0,
            )
            for index, source in enumerate(params)
        ),
    )


def content(
    blueprint_id: UUID, name: str | None = None, version: str = "1.0.0", tags: tuple[str, ...] = ()
) -> BlueprintContent:
    """Two functions, listed out of sort order: ``second`` (sortOrder 1, params API_KEY and
    URL) and ``first`` (sortOrder 0, no params)."""
    return BlueprintContent(
        name=name or unique_name("blueprint"),
        version=version,
        description="a test blueprint",
        tags=tags,
        functions=(
            function(blueprint_id, "second", 1, "API_KEY", "URL"),
            function(blueprint_id, "first", 0),
        ),
    )


def publish(
    container: Container, blueprint_id: UUID, blueprint: BlueprintContent
) -> BlueprintPublication:
    """Publish and wait until the read model has it."""
    committed = container.commands.run(
        PublishPackageBlueprint(blueprint_id, blueprint), catalog_context("test-operator")
    )
    assert wait_until(lambda: container.projector.position() >= committed.position)
    return committed.value


def retire(container: Container, blueprint_id: UUID) -> None:
    committed = container.commands.run(
        RetirePackageBlueprint(blueprint_id), catalog_context("test-operator")
    )
    assert wait_until(lambda: container.projector.position() >= committed.position)
