"""Racing test inputs, on three service instances sharing a store (both stores): however
many are added at once, a function revision never holds more than its limit."""

from __future__ import annotations

from uuid import UUID

from commands.errors import TestInputLimitReachedError
from commands.handlers.test_inputs import AddTestInput
from service.bootstrap import Container
from tests.support.commands import context, create_package
from tests.support.concurrency import on_each, race


def test_racing_test_inputs_never_pass_the_limit(instances: list[Container]) -> None:
    caller = context()
    package = instances[0].commands.run(create_package(functions=1), caller).value
    (revision,) = package.revisions.values()
    function_revision = UUID(revision.functions[0].function_revision_id)
    instance = on_each(instances)

    results, errors = race(
        30,
        lambda: instance().commands.run(
            AddTestInput(package.id, function_revision, "{}"), context(caller.account_id)
        ),
    )

    assert len(results) == 20
    assert len(errors) == 10
    assert all(isinstance(error, TestInputLimitReachedError) for error in errors)
    instances[0].projector.catch_up()
    rows = instances[0].database.query(
        "SELECT COUNT(*) FROM rm_test_inputs WHERE function_revision_id = ?",
        (str(function_revision),),
    )
    assert rows[0][0] == 20
