"""A package with test inputs is snapshotted like any other (every 50 events), and another
process that loads it from the snapshot decides as this one would; a snapshot made before
test inputs existed still loads. On both stores."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import pytest

from commands.errors import VersionMismatchError
from commands.handlers.packages import UpdatePackage
from commands.handlers.test_inputs import AddTestInput, DeleteTestInput, UpdateTestInput
from commands.package import Package
from commands.package_state import RevisionAsDict
from service.bootstrap import bootstrap
from service.settings import Settings
from tests.support.commands import context, create_package


def test_a_snapshotted_package_keeps_its_test_inputs_and_its_version(settings: Settings) -> None:
    first = bootstrap(settings)
    try:
        caller = context()
        package = first.commands.run(create_package(functions=1), caller).value
        (revision,) = package.revisions.values()
        function_revision = UUID(revision.functions[0].function_revision_id)
        inputs = [
            first.commands.run(AddTestInput(package.id, function_revision, "1"), caller).value
            for _ in range(20)
        ]
        for name in ("x", "y"):  # past 50 events: a snapshot is taken
            for added in inputs:
                command = UpdateTestInput(function_revision, UUID(added.test_input_id), name=name)
                first.commands.run(command, caller)
        snapshots = list(first.store.snapshots.get(package.id)) if first.store.snapshots else []
    finally:
        first.close()
    assert snapshots

    second = bootstrap(settings)
    try:
        loaded = second.store.repository.get(package.id)
        assert isinstance(loaded, Package)
        assert loaded.package_version == 3
        assert loaded.revisions[revision.revision_id].test_inputs[str(function_revision)] == {
            added.test_input_id: added.version + 40 for added in inputs
        }
        updated = UpdatePackage(package.id, description="d", expected_version=3)
        assert second.commands.run(updated, caller).value.package_version == loaded.version + 1
        stale = DeleteTestInput(function_revision, UUID(inputs[0].test_input_id), inputs[0].version)
        with pytest.raises(VersionMismatchError):
            second.commands.run(stale, caller)
    finally:
        second.close()


def test_a_revision_snapshotted_before_test_inputs_existed_loads_with_none() -> None:
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    stored = {
        "revision_id": "r",
        "name": "v1",
        "description": "",
        "created_on": moment,
        "version": 2,
        "updated_on": moment,
        "functions": [],
    }

    revision = RevisionAsDict().decode(stored)

    assert revision.test_inputs == {}
