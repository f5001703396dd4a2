"""The projection's handlers, in memory: events in, rows out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from commands.handlers.packages import CreatePackage
from commands.package import FunctionSpec
from projections.parts.packages import HANDLERS, PackageRows
from tests.support.handlers import decide, memory

T0 = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


def project(*created: list[Any]) -> PackageRows:
    batch = PackageRows()
    for events in created:
        for event in events:
            if type(event) in HANDLERS:
                HANDLERS[type(event)](batch, str(event.originator_id), event)
    return batch


def new_package(name: str, *sort_orders: int, at: datetime = T0) -> list[Any]:
    """The events of a package's create."""
    command = CreatePackage(
        name=name,
        tags=("a", "b"),
        functions=tuple(
            FunctionSpec(f"fn{index}", "ON_REQUEST", "code", order, {"path": "p"})
            for index, order in enumerate(sort_orders or (0,))
        ),
    )
    uow = memory(account_id=3, at=at)
    decide(uow, command)
    return uow.events


def test_a_create_makes_one_package_one_revision_and_its_functions() -> None:
    batch = project(new_package("Orders", 0, 1))

    (package,) = batch.packages.values()
    (revision,) = batch.revisions.values()
    assert (package.name, package.name_folded, package.account_id) == ("Orders", "orders", 3)
    assert (package.revisions_total, package.revisions_running) == (1, 0)
    assert (package.deployments_total, package.deployments_running) == (0, 0)
    assert revision.package_id == package.id
    assert [f.name for f in batch.functions] == ["fn0", "fn1"]
    assert batch.tags == {package.id: ["a", "b"]}
    assert package.version == 3


def test_times_are_stored_in_the_api_format_to_the_millisecond() -> None:
    batch = project(new_package("x"))

    (package,) = batch.packages.values()
    assert package.created_dttm == "2026-03-01T12:00:00.123Z"
    assert package.updated_dttm == package.created_dttm


def test_functions_keep_their_request_position_for_equal_sort_orders() -> None:
    batch = project(new_package("x", 5, 5, 1))

    assert [(f.name, f.sort_order, f.position) for f in batch.functions] == [
        ("fn0", 5, 0),
        ("fn1", 5, 1),
        ("fn2", 1, 2),
    ]


def test_each_package_of_a_batch_is_projected_on_its_own() -> None:
    later = T0 + timedelta(seconds=1)

    batch = project(new_package("one"), new_package("two", at=later))

    assert sorted(p.name for p in batch.packages.values()) == ["one", "two"]
    assert len(batch.revisions) == 2
    assert all(p.revisions_total == 1 for p in batch.packages.values())
