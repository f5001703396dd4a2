"""Scheduled events in the read model, on both stores: every version kept, read now or as it
stood, the scheduler's next times, and a rebuild that makes exactly what the projection made."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from uuid import UUID

from commands.context import CommandContext
from commands.handlers.deployments import CreateDeployment, DeleteDeployment
from commands.handlers.packages import DeletePackage
from commands.handlers.schedules import (
    CreateSchedule,
    DeleteSchedule,
    RunSchedule,
    ScheduleChange,
    UpdateSchedule,
)
from commands.schedules import instant
from projections.queries import ListQuery
from projections.rebuild import rebuild, verify
from projections.schedules import ScheduleReads
from service.bootstrap import Container
from tests.support.commands import context, create_package

EVERYTHING = ListQuery(page=0, size=100, sort=(("dttm_begin", False),))
HOUR = timedelta(hours=1)


def deployment(container: Container, caller: CommandContext, keyset: int = 1) -> UUID:
    package = container.commands.run(create_package(functions=1), caller).value
    (revision,) = package.revisions
    made = container.commands.run(CreateDeployment(UUID(revision), keyset), caller).value
    return UUID(made.deployment_ids[0])


def schedule(
    container: Container, caller: CommandContext, deployment_id: UUID, hours: int = 1
) -> ScheduleChange:
    begin = caller.requested_at + hours * HOUR
    command = CreateSchedule(deployment_id, begin, begin + HOUR, "nightly")
    return container.commands.run(command, caller).value


def later(caller: CommandContext, hours: float) -> CommandContext:
    return replace(caller, requested_at=caller.requested_at + hours * HOUR, actor="scheduler")


def test_each_change_is_a_version_and_the_current_one_is_read(container: Container) -> None:
    caller = context()
    made = schedule(container, caller, deployment(container, caller))
    schedule_id = UUID(made.schedule_id)
    container.commands.run(UpdateSchedule(schedule_id, description="weekly"), caller)
    container.commands.run(RunSchedule(schedule_id), later(caller, 1))
    container.projector.catch_up()
    reads = ScheduleReads(container.database)

    now = reads.schedule(caller.account_id, schedule_id)
    created = reads.schedule(caller.account_id, schedule_id, as_of=instant(caller.requested_at))

    assert now is not None
    assert created is not None
    assert (now.state, now.description, now.due_dttm) == ("ACTIVE", "weekly", now.dttm_end)
    assert (created.state, created.description, created.due_dttm) == ("SCHEDULED", "weekly", None)
    assert reads.schedule(caller.account_id + 1, schedule_id) is None
    before = instant(caller.requested_at - timedelta(milliseconds=1))
    assert reads.schedule(caller.account_id, schedule_id, as_of=before) is None
    assert verify(container.projector) == []


def test_lists_are_by_account_and_keyset_and_keep_what_was_deleted_for_as_of(
    container: Container,
) -> None:
    caller = context()
    first = schedule(container, caller, deployment(container, caller, keyset=1))
    second = schedule(container, caller, deployment(container, caller, keyset=2), hours=2)
    stranger = context()
    schedule(container, stranger, deployment(container, stranger))  # another account's
    container.commands.run(DeleteSchedule(UUID(first.schedule_id)), later(caller, 0.001))
    container.projector.catch_up()
    reads = ScheduleReads(container.database)

    now = reads.schedules(caller.account_id, None, EVERYTHING)
    then = reads.schedules(caller.account_id, None, EVERYTHING, instant(caller.requested_at))
    moment = instant(caller.requested_at)
    on_one = reads.schedules(caller.account_id, frozenset({1}), EVERYTHING, moment)

    assert [row.id for row in now.items] == [second.schedule_id]
    assert [row.id for row in then.items] == [first.schedule_id, second.schedule_id]
    assert [row.id for row in on_one.items] == [first.schedule_id]
    assert reads.schedules(caller.account_id, frozenset(), EVERYTHING).total == 0


def test_deleting_a_deployment_or_package_closes_its_schedules(container: Container) -> None:
    caller = context()
    deployed = deployment(container, caller)
    gone_with_deployment = schedule(container, caller, deployed)
    other = deployment(container, caller)
    gone_with_package = schedule(container, caller, other)
    container.commands.run(DeleteDeployment(deployed), later(caller, 0.001))
    container.commands.run(DeletePackage(gone_with_package.package.id), later(caller, 0.001))
    container.projector.catch_up()
    reads = ScheduleReads(container.database)

    assert reads.schedules(caller.account_id, None, EVERYTHING).total == 0
    for made in (gone_with_deployment, gone_with_package):
        moment = instant(caller.requested_at)
        assert reads.schedule(caller.account_id, UUID(made.schedule_id), moment) is not None
    assert verify(container.projector) == []


def test_the_scheduler_sees_ends_before_begins_and_nothing_once_done(container: Container) -> None:
    caller = context()
    deployed = deployment(container, caller)
    first = schedule(container, caller, deployed, hours=1)
    second = schedule(container, caller, deployed, hours=2)  # begins when the first ends
    container.commands.run(RunSchedule(UUID(first.schedule_id)), later(caller, 1))
    container.projector.catch_up()
    reads = ScheduleReads(container.database)

    mine = [due for due in reads.upcoming(10_000) if due.account_id == caller.account_id]

    assert [(due.id, due.due_dttm) for due in mine] == [
        (first.schedule_id, first.schedule.dttm_end),
        (second.schedule_id, second.schedule.dttm_begin),
    ]
    container.commands.run(RunSchedule(UUID(first.schedule_id)), later(caller, 2))
    container.commands.run(RunSchedule(UUID(second.schedule_id)), later(caller, 3))
    container.projector.catch_up()
    assert [due for due in reads.upcoming(10_000) if due.account_id == caller.account_id] == []


def test_a_rebuild_makes_the_same_versions(container: Container) -> None:
    caller = context()
    deployed = deployment(container, caller)
    made = schedule(container, caller, deployed)
    longer = UpdateSchedule(UUID(made.schedule_id), end=caller.requested_at + 3 * HOUR)
    container.commands.run(longer, caller)
    container.commands.run(RunSchedule(UUID(made.schedule_id)), later(caller, 5))
    container.projector.catch_up()
    reads = ScheduleReads(container.database)
    moments = [None, instant(later(caller, 1.5).requested_at)]
    before = [reads.schedules(caller.account_id, None, EVERYTHING, at) for at in moments]

    rebuild(container.projector)

    assert [reads.schedules(caller.account_id, None, EVERYTHING, at) for at in moments] == before
    assert [page.items[0].state for page in before] == ["COMPLETED", "SCHEDULED"]
    assert verify(container.projector) == []
