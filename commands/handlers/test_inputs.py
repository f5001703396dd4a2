"""Test inputs: saved example events for a function of a revision; add, change, delete.

Their events are the package's (so they are in its audit trail and go with its revisions),
but they leave the package itself as it was: its version and ``updatedDttm`` do not move.
The package holds only each input's id and version; the payloads stay in the events.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from commands.claims import TEST_INPUT, Locator
from commands.command import Command
from commands.context import CommandContext, Limits, event_metadata
from commands.errors import (
    FunctionRevisionNotFoundError,
    TestInputIdTakenError,
    TestInputLimitReachedError,
    TestInputNotFoundError,
)
from commands.events import TestInputAdded, TestInputDeleted, TestInputUpdated
from commands.handlers.lookups import owned_package
from commands.ids import new_id
from commands.package import Package, check_version
from commands.package_state import Revision
from commands.unit_of_work import UnitOfWork

DEFAULT_MIME_TYPE = "application/json"


@dataclass(frozen=True, slots=True)
class TestInputChange:
    """A test input as a command left it: its id and version, and for a new one the event
    that recorded it (the package holds none of its fields)."""

    __test__ = False  # not a test class, whatever its name says

    test_input_id: str
    version: int
    added: TestInputAdded | None = None


@dataclass(frozen=True, slots=True)
class AddTestInput(Command[TestInputChange]):
    """A new test input for a function revision of ``package_id`` (the package the read model
    names for it; the package itself confirms). ``payload`` is the value's JSON text."""

    package_id: UUID
    function_revision_id: UUID
    payload: str
    name: str = ""
    mime_type: str = DEFAULT_MIME_TYPE
    description: str = ""
    test_input_id: UUID | None = None


def add_test_input_reads(command: AddTestInput, context: CommandContext) -> tuple[UUID, ...]:
    # Not the package: read with its owner checked first, from its snapshot (a batch's read
    # of a stream takes all of its events, code included).
    return () if command.test_input_id is None else (command.test_input_id,)


def add_test_input(command: AddTestInput, uow: UnitOfWork, limits: Limits) -> TestInputChange:
    test_input_id = command.test_input_id or new_id()
    if command.test_input_id is not None and uow.exists(test_input_id):
        raise TestInputIdTakenError(test_input_id)
    package = owned_package(uow, command.package_id)
    function_revision_id = str(command.function_revision_id)
    revision = _revision_with_function(package, function_revision_id)
    limit = limits.test_inputs_per_function_revision
    if len(revision.test_inputs.get(function_revision_id, {})) >= limit:
        raise TestInputLimitReachedError(limit)
    added, locator = record_test_input(
        package,
        revision.revision_id,
        function_revision_id,
        test_input_id,
        TestInputFields(command.payload, command.name, command.mime_type, command.description),
        uow.context,
    )
    uow.stage(package, locator)
    return TestInputChange(str(test_input_id), package.version, added)


@dataclass(frozen=True, slots=True)
class TestInputFields:
    """What a new test input holds: ``payload`` is the value's compact JSON text."""

    __test__ = False

    payload: str
    name: str = ""
    mime_type: str = DEFAULT_MIME_TYPE
    description: str = ""


def record_test_input(
    package: Package,
    revision_id: str,
    function_revision_id: str,
    test_input_id: UUID,
    fields: TestInputFields,
    context: CommandContext,
) -> tuple[TestInputAdded, Locator]:
    """Record a new test input of a function revision of ``package`` (its limit checked by
    the caller), and the locator to stage with it."""
    package.trigger_event(
        TestInputAdded,
        revision_id=revision_id,
        function_revision_id=function_revision_id,
        test_input_id=str(test_input_id),
        name=fields.name,
        payload=fields.payload,
        mime_type=fields.mime_type,
        description=fields.description,
        **event_metadata(context),
    )
    added = _last_event(package)  # before staging, which takes the pending events
    return added, Locator.locate(test_input_id, TEST_INPUT, package.id, context)


@dataclass(frozen=True, slots=True)
class UpdateTestInput(Command[TestInputChange]):
    """Replace the fields given (``None``: keep), at ``expected_version`` if one is given."""

    function_revision_id: UUID
    test_input_id: UUID
    name: str | None = None
    payload: str | None = None
    mime_type: str | None = None
    description: str | None = None
    expected_version: int | None = None


def update_test_input(command: UpdateTestInput, uow: UnitOfWork) -> TestInputChange:
    package, revision, version = _owned_test_input(
        uow, command.function_revision_id, command.test_input_id
    )
    check_version(command.expected_version, version)
    package.trigger_event(
        TestInputUpdated,
        revision_id=revision.revision_id,
        function_revision_id=str(command.function_revision_id),
        test_input_id=str(command.test_input_id),
        name=command.name,
        payload=command.payload,
        mime_type=command.mime_type,
        description=command.description,
        **event_metadata(uow.context),
    )
    uow.stage(package)
    return TestInputChange(str(command.test_input_id), package.version)


@dataclass(frozen=True, slots=True)
class DeleteTestInput(Command[None]):
    function_revision_id: UUID
    test_input_id: UUID
    expected_version: int | None = None


def delete_test_input(command: DeleteTestInput, uow: UnitOfWork) -> None:
    package, revision, version = _owned_test_input(
        uow, command.function_revision_id, command.test_input_id
    )
    check_version(command.expected_version, version)
    package.trigger_event(
        TestInputDeleted,
        revision_id=revision.revision_id,
        function_revision_id=str(command.function_revision_id),
        test_input_id=str(command.test_input_id),
        **event_metadata(uow.context),
    )
    uow.stage(package)


def input_locator_reads(
    command: UpdateTestInput | DeleteTestInput, context: CommandContext
) -> tuple[UUID, ...]:
    return (command.test_input_id,)


def _revision_with_function(package: Package, function_revision_id: str) -> Revision:
    for revision in package.revisions.values():
        if any(f.function_revision_id == function_revision_id for f in revision.functions):
            return revision
    raise FunctionRevisionNotFoundError


def _owned_test_input(
    uow: UnitOfWork, function_revision_id: UUID, test_input_id: UUID
) -> tuple[Package, Revision, int]:
    """The account's test input of that function revision (another function revision's,
    another account's, deleted and unknown alike are not found), its revision and version;
    another account's is refused before its package is read."""
    account_id = uow.context.account_id
    locator = uow.get(Locator, test_input_id)
    if locator is None or not locator.locates(TEST_INPUT, account_id):
        raise TestInputNotFoundError
    package = owned_package(uow, UUID(locator.package_id))
    for revision in package.revisions.values():
        inputs = revision.test_inputs.get(str(function_revision_id), {})
        if str(test_input_id) in inputs:
            return package, revision, inputs[str(test_input_id)]
    raise TestInputNotFoundError


def _last_event(package: Package) -> TestInputAdded:
    event = package.pending_events[-1]
    assert isinstance(event, TestInputAdded)
    return event
