"""The catalog decided in memory: publishing blueprints and their versions, retiring them, and
the uniqueness of their function blueprints' and parameters' ids."""

from __future__ import annotations

import dataclasses
from uuid import UUID, uuid4

import pytest

from commands.catalog import (
    CATALOG_ACCOUNT,
    BlueprintContent,
    BlueprintParam,
    BlueprintTestInput,
    FunctionBlueprint,
    PackageBlueprint,
    function_blueprint_id_for,
    param_id_for,
    version_key,
)
from commands.errors import (
    BlueprintIdTakenError,
    BlueprintVersionNotNewerError,
    PackageBlueprintNotFoundError,
)
from commands.handlers.catalog import PublishPackageBlueprint, RetirePackageBlueprint
from commands.handlers.packages import CreatePackage
from commands.package import FunctionSpec
from tests.support.handlers import decide, memory, topics


def content(blueprint_id: UUID, version: str = "1.0.0", function: str = "hook") -> BlueprintContent:
    function_id = function_blueprint_id_for(blueprint_id, function)
    return BlueprintContent(
        name="Webhook",
        version=version,
        description="forwards messages",
        tags=("integrations",),
        functions=(
            FunctionBlueprint(
                function_id,
                function,
                "AFTER_PUBLISH",
                "JAVASCRIPT",
                "export default (request) => request.ok();",
                {"inputChannel": "chat.*"},
                0,
                (BlueprintTestInput("a message", {"text": "hi"}),),
                (BlueprintParam(param_id_for(function_id, "URL"), "URL", "URL", required=True),),
            ),
        ),
    )


def test_publishing_a_new_blueprint_records_it_and_locates_its_ids() -> None:
    uow, blueprint_id = memory(CATALOG_ACCOUNT), uuid4()
    published = decide(uow, PublishPackageBlueprint(blueprint_id, content(blueprint_id)))
    assert topics(uow.events) == ["PackageBlueprintPublished", "EntityLocated", "EntityLocated"]
    assert published.previous_version is None
    stored = uow.get(PackageBlueprint, blueprint_id)
    assert stored is not None
    assert stored.content == content(blueprint_id)
    assert not stored.retired


def test_a_higher_version_replaces_the_published_one_keeping_derived_ids() -> None:
    uow, blueprint_id = memory(CATALOG_ACCOUNT), uuid4()
    decide(uow, PublishPackageBlueprint(blueprint_id, content(blueprint_id)))
    published = decide(uow, PublishPackageBlueprint(blueprint_id, content(blueprint_id, "1.10.0")))
    assert topics(uow.events)[-1:] == ["PackageBlueprintRepublished"]
    assert published.previous_version == "1.0.0"
    assert published.blueprint.content.version == "1.10.0"


@pytest.mark.parametrize("version", ["1.0.0", "0.9.9"])
def test_an_equal_or_older_version_is_refused_and_changes_nothing(version: str) -> None:
    uow, blueprint_id = memory(CATALOG_ACCOUNT), uuid4()
    decide(uow, PublishPackageBlueprint(blueprint_id, content(blueprint_id)))
    before = len(uow.events)
    with pytest.raises(BlueprintVersionNotNewerError, match=r"higher version than 1\.0\.0"):
        decide(uow, PublishPackageBlueprint(blueprint_id, content(blueprint_id, version)))
    assert len(uow.events) == before


def test_only_if_newer_skips_an_equal_version_and_a_retired_blueprint() -> None:
    uow, blueprint_id = memory(CATALOG_ACCOUNT), uuid4()
    decide(uow, PublishPackageBlueprint(blueprint_id, content(blueprint_id)))
    again = PublishPackageBlueprint(blueprint_id, content(blueprint_id), only_if_newer=True)
    assert decide(uow, again).skipped
    decide(uow, RetirePackageBlueprint(blueprint_id))
    newer = PublishPackageBlueprint(
        blueprint_id, content(blueprint_id, "2.0.0"), only_if_newer=True
    )
    assert decide(uow, newer).skipped
    assert topics(uow.events)[-1] == "PackageBlueprintRetired"


def test_retiring_hides_and_a_higher_version_lists_it_again() -> None:
    uow, blueprint_id = memory(CATALOG_ACCOUNT), uuid4()
    decide(uow, PublishPackageBlueprint(blueprint_id, content(blueprint_id)))
    assert decide(uow, RetirePackageBlueprint(blueprint_id)).retired
    decide(uow, RetirePackageBlueprint(blueprint_id))
    assert topics(uow.events).count("PackageBlueprintRetired") == 1
    revived = decide(uow, PublishPackageBlueprint(blueprint_id, content(blueprint_id, "1.0.1")))
    assert not revived.blueprint.retired


def test_retiring_an_unknown_blueprint_is_not_found() -> None:
    with pytest.raises(PackageBlueprintNotFoundError):
        decide(memory(CATALOG_ACCOUNT), RetirePackageBlueprint(uuid4()))


def test_a_function_blueprint_id_of_another_blueprint_is_refused() -> None:
    uow, first, second = memory(CATALOG_ACCOUNT), uuid4(), uuid4()
    decide(uow, PublishPackageBlueprint(first, content(first)))
    stolen = dataclasses.replace(content(second), functions=content(first).functions)
    with pytest.raises(BlueprintIdTakenError, match="function blueprint id"):
        decide(uow, PublishPackageBlueprint(second, stolen))


def test_a_blueprint_id_held_by_a_package_is_refused() -> None:
    uow = memory()
    package = decide(
        uow, CreatePackage("p", (FunctionSpec("f", "ON_REQUEST", "x", 0, {"path": "p"}),))
    )
    with pytest.raises(BlueprintIdTakenError, match="package blueprint id"):
        decide(uow, PublishPackageBlueprint(package.id, content(package.id)))


def test_versions_compare_as_numbers_and_bad_ones_are_refused() -> None:
    assert version_key("1.10.0") > version_key("1.9.9")
    for bad in ("1.0", "01.0.0", "1.0.0-rc1", "a.b.c", "1.0.0\n"):
        with pytest.raises(ValueError, match=r"MAJOR\.MINOR\.PATCH"):
            version_key(bad)


def test_content_survives_the_events_payload() -> None:
    blueprint_id = uuid4()
    assert BlueprintContent.from_payload(content(blueprint_id).payload()) == content(blueprint_id)
