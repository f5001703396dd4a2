"""Test inputs' handlers, decided in memory with no store: what they record, what they
refuse (a refused command records nothing), and the package they leave as it was."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest

from commands.context import Limits
from commands.errors import (
    FunctionRevisionNotFoundError,
    PackageNotFoundError,
    TestInputIdTakenError,
    TestInputLimitReachedError,
    TestInputNotFoundError,
    VersionMismatchError,
)
from commands.handlers.packages import CreatePackage, DeletePackage
from commands.handlers.revisions import AddRevision, DeleteRevision
from commands.handlers.test_inputs import AddTestInput, DeleteTestInput, UpdateTestInput
from commands.memory import InMemoryUnitOfWork
from commands.package import FunctionSpec, Package
from tests.support.handlers import decide, memory, topics


def spec(name: str = "fn") -> FunctionSpec:
    return FunctionSpec(name, "ON_REQUEST", "export default () => 1;", 0, {"path": "p"})


def package_with_function(uow: InMemoryUnitOfWork) -> tuple[Package, str, UUID]:
    """A new package, its revision's id and its function revision's id."""
    package = decide(uow, CreatePackage(f"p-{uuid4().hex[:6]}", (spec(),)))
    ((revision_id, revision),) = package.revisions.items()
    return package, revision_id, UUID(revision.functions[0].function_revision_id)


def current(uow: InMemoryUnitOfWork, package: Package) -> Package:
    found = uow.get(Package, package.id)
    assert found is not None
    return found


def test_an_input_is_recorded_in_the_package_with_its_locator_leaving_the_package_as_it_was() -> (
    None
):
    uow = memory()
    package, revision_id, function_revision = package_with_function(uow)
    before = (package.package_version, package.package_updated_on)
    uow.events.clear()

    change = decide(uow, AddTestInput(package.id, function_revision, '{"a":1}', "n"))

    assert topics(uow.events) == ["TestInputAdded", "EntityLocated"]
    assert change.added is not None
    assert (change.added.payload, change.added.name, change.added.mime_type) == (
        '{"a":1}',
        "n",
        "application/json",
    )
    after = current(uow, package)
    assert after.revisions[revision_id].test_inputs == {
        str(function_revision): {change.test_input_id: change.version}
    }
    assert (after.package_version, after.package_updated_on) == before
    assert after.version == before[0] + 1


def test_changes_and_deletes_leave_the_package_as_it_was_and_move_the_inputs_version() -> None:
    uow = memory()
    package, revision_id, function_revision = package_with_function(uow)
    added = decide(uow, AddTestInput(package.id, function_revision, "1"))
    input_id = UUID(added.test_input_id)

    changed = decide(
        uow, UpdateTestInput(function_revision, input_id, name="m", expected_version=4)
    )
    with pytest.raises(VersionMismatchError):
        decide(uow, DeleteTestInput(function_revision, input_id, expected_version=4))
    decide(uow, DeleteTestInput(function_revision, input_id, expected_version=changed.version))

    after = current(uow, package)
    assert changed.version == added.version + 1
    assert after.revisions[revision_id].test_inputs == {}
    assert after.package_version == package.package_version
    updated = uow.events[-2]
    assert (updated.name, updated.payload, updated.description) == ("m", None, None)


def test_a_change_to_the_package_after_inputs_moves_its_version_again() -> None:
    uow = memory()
    package, _, function_revision = package_with_function(uow)
    decide(uow, AddTestInput(package.id, function_revision, "1"))

    decide(uow, AddRevision(package.id, (spec(),)))

    after = current(uow, package)
    assert after.package_version == after.version
    assert after.package_updated_on == after.modified_on


def test_a_function_revision_holds_at_most_its_limit() -> None:
    uow = memory()
    package, _, function_revision = package_with_function(uow)
    limits = Limits(test_inputs_per_function_revision=2)
    for _ in range(2):
        decide(uow, AddTestInput(package.id, function_revision, "1"), limits)
    count = len(uow.events)

    with pytest.raises(TestInputLimitReachedError):
        decide(uow, AddTestInput(package.id, function_revision, "1"), limits)
    assert len(uow.events) == count


def test_inputs_are_refused_for_what_is_not_the_accounts() -> None:
    uow = memory()
    package, _, function_revision = package_with_function(uow)
    added = decide(uow, AddTestInput(package.id, function_revision, "1"))
    stranger = InMemoryUnitOfWork(memory(account_id=8).context, *uow.aggregates.values())

    with pytest.raises(PackageNotFoundError):
        decide(stranger, AddTestInput(package.id, function_revision, "1"))
    with pytest.raises(TestInputNotFoundError):
        decide(stranger, UpdateTestInput(function_revision, UUID(added.test_input_id), name="x"))
    with pytest.raises(FunctionRevisionNotFoundError):
        decide(uow, AddTestInput(package.id, uuid4(), "1"))
    with pytest.raises(TestInputNotFoundError):
        decide(uow, DeleteTestInput(uuid4(), UUID(added.test_input_id)))
    with pytest.raises(TestInputIdTakenError):
        decide(uow, AddTestInput(package.id, function_revision, "1", test_input_id=package.id))


def test_inputs_go_with_their_revision_and_package() -> None:
    uow = memory()
    package, revision_id, function_revision = package_with_function(uow)
    decide(uow, AddRevision(package.id, (spec(),)))
    added = decide(uow, AddTestInput(package.id, function_revision, "1"))

    decide(uow, DeleteRevision(UUID(revision_id)))

    with pytest.raises(TestInputNotFoundError):
        decide(uow, DeleteTestInput(function_revision, UUID(added.test_input_id)))
    with pytest.raises(FunctionRevisionNotFoundError):
        decide(uow, AddTestInput(package.id, function_revision, "1"))
    decide(uow, DeletePackage(package.id))
    with pytest.raises(PackageNotFoundError):
        decide(uow, AddTestInput(package.id, function_revision, "1"))
