from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest

from commands.commands import CommandContext, CreatePackage, FunctionSpec
from commands.errors import FunctionLimitExceededError
from commands.events import FunctionsRegistered, PackageCreated, PackageNameClaimed, RevisionAdded
from commands.package import Package, PackageName

REQUEST_TIME = datetime(2026, 1, 15, 10, 30, tzinfo=UTC)
CONTEXT = CommandContext(
    account_id=7, actor="key-1", correlation_id="req-42", requested_at=REQUEST_TIME
)


def spec(name: str = "fn", sort_order: int = 0, function_id: UUID | None = None) -> FunctionSpec:
    return FunctionSpec(
        name=name,
        type="ON_REQUEST",
        code="export default () => 1;",
        sort_order=sort_order,
        config={"path": "p"},
        function_id=function_id,
    )


def command(*functions: FunctionSpec, **overrides: object) -> CreatePackage:
    values: dict[str, object] = {"name": "orders", "functions": functions or (spec(),)}
    values.update(overrides)
    return CreatePackage(**values)  # type: ignore[arg-type]


def test_create_records_package_created_revision_added_functions_registered_in_order() -> None:
    package = Package.create(command(), CONTEXT, max_functions=50)

    events = package.collect_events()

    assert [type(event) for event in events] == [
        PackageCreated,
        RevisionAdded,
        FunctionsRegistered,
    ]
    assert [event.originator_version for event in events] == [1, 2, 3]


def test_every_event_carries_account_actor_correlation_id_and_request_time() -> None:
    package = Package.create(command(), CONTEXT, max_functions=50)

    for event in package.collect_events():
        assert isinstance(event, PackageCreated | RevisionAdded | FunctionsRegistered)
        assert (event.account_id, event.actor, event.correlation_id) == (7, "key-1", "req-42")
        assert event.timestamp == REQUEST_TIME


def test_the_new_package_has_one_revision_named_v1_by_default() -> None:
    package = Package.create(command(), CONTEXT, max_functions=50)

    (revision,) = package.revisions.values()
    assert revision.name == "v1"
    assert package.created_on == REQUEST_TIME


def test_client_chosen_package_id_is_the_stream_id() -> None:
    chosen = uuid4()

    package = Package.create(command(package_id=chosen), CONTEXT, max_functions=50)

    assert package.id == chosen


def test_functions_are_kept_in_sort_order() -> None:
    package = Package.create(
        command(spec("c", 2), spec("a", 0), spec("b", 1)), CONTEXT, max_functions=50
    )

    (revision,) = package.revisions.values()
    assert [function.name for function in revision.functions] == ["a", "b", "c"]


def test_a_given_function_id_is_kept_and_a_missing_one_is_made() -> None:
    kept = uuid4()

    package = Package.create(command(spec("a", 0, kept), spec("b", 1)), CONTEXT, max_functions=50)

    (revision,) = package.revisions.values()
    assert revision.functions[0].function_id == str(kept)
    assert UUID(revision.functions[1].function_id) != kept
    assert len({function.function_revision_id for function in revision.functions}) == 2


def test_more_functions_than_the_limit_is_refused() -> None:
    with pytest.raises(FunctionLimitExceededError) as refused:
        Package.create(command(spec("a"), spec("b", 1), spec("c", 2)), CONTEXT, max_functions=2)

    assert (refused.value.limit, refused.value.requested) == (2, 3)


def test_package_name_claims_ignore_case_and_surrounding_spaces() -> None:
    assert PackageName.id_for(7, "  Orders ") == PackageName.id_for(7, "orders")
    assert PackageName.id_for(7, "orders") != PackageName.id_for(8, "orders")
    assert PackageName.id_for(7, "orders") != PackageName.id_for(7, "orders-2")


def test_a_name_claim_records_which_package_holds_the_name() -> None:
    package_id = uuid4()

    claim = PackageName.claim("Orders", package_id, CONTEXT)

    (event,) = claim.collect_events()
    assert isinstance(event, PackageNameClaimed)
    assert (event.name_key, event.package_id, event.account_id) == ("orders", str(package_id), 7)


def test_event_topics_are_stable_names_independent_of_modules() -> None:
    classes: list[Any] = [PackageCreated, RevisionAdded, FunctionsRegistered]
    topics = [cls.TOPIC for cls in classes]

    assert topics == ["faas.PackageCreated", "faas.RevisionAdded", "faas.FunctionsRegistered"]
