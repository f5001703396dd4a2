"""Scheduled events decided in memory, with no store: when they may lie, overlaps, edits and
deletions, and what carrying one out records (and never records twice)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from commands.context import Limits
from commands.errors import (
    DeploymentNotFoundError,
    KeysetNotPermittedError,
    ScheduleActiveError,
    ScheduleIdTakenError,
    ScheduleLimitReachedError,
    ScheduleNotEditableError,
    ScheduleNotFoundError,
    ScheduleOverlapError,
    ScheduleTimeInvalidError,
    VersionMismatchError,
)
from commands.handlers.deployments import (
    CreateDeployment,
    DeleteDeployment,
    StartDeployment,
    StopDeployment,
)
from commands.handlers.packages import CreatePackage
from commands.handlers.revisions import DeleteRevision
from commands.handlers.schedules import (
    CreateSchedule,
    DeleteSchedule,
    RunSchedule,
    ScheduleChange,
    UpdateSchedule,
)
from commands.memory import InMemoryUnitOfWork
from commands.package import FunctionSpec
from tests.support.handlers import REQUEST_TIME, decide, memory, topics

HOUR = timedelta(hours=1)
BEGIN = REQUEST_TIME + HOUR
END = BEGIN + HOUR


def deployment(uow: InMemoryUnitOfWork, keyset: int = 1) -> UUID:
    spec = FunctionSpec("fn", "ON_REQUEST", "export default () => 1;", 0, {"path": "p"})
    package = decide(uow, CreatePackage(f"p-{uuid4().hex[:6]}", (spec,)))
    (revision_id,) = package.revisions
    change = decide(uow, CreateDeployment(UUID(revision_id), keyset))
    return UUID(change.deployment_ids[0])


def scheduled(
    uow: InMemoryUnitOfWork, deployment_id: UUID, begin: datetime = BEGIN, end: datetime = END
) -> ScheduleChange:
    return decide(uow, CreateSchedule(deployment_id, begin, end, "nightly"))


def at(uow: InMemoryUnitOfWork, moment: datetime, actor: str = "scheduler") -> None:
    """Later requests of the same account (the scheduler's, by default)."""
    uow.context = replace(uow.context, requested_at=moment, actor=actor)


def run(uow: InMemoryUnitOfWork, change: ScheduleChange, limits: Limits | None = None) -> Any:
    start = len(uow.events)
    ran = decide(uow, RunSchedule(UUID(change.schedule_id)), limits)
    return ran.done, topics(uow.events[start:])


def test_a_schedule_is_recorded_in_its_package_with_a_locator() -> None:
    uow = memory()
    deployment_id = deployment(uow)
    start = len(uow.events)

    change = scheduled(uow, deployment_id)

    assert topics(uow.events[start:]) == ["ScheduleCreated", "EntityLocated"]
    created = uow.events[start]
    assert (created.dttm_begin, created.dttm_end) == (
        "2026-01-15T11:30:00.000Z",
        "2026-01-15T12:30:00.000Z",
    )
    assert (created.deployment_id, created.keyset_id) == (str(deployment_id), 1)
    assert change.schedule.state == "SCHEDULED"
    assert change.schedule.version == created.originator_version


@pytest.mark.parametrize(
    ("begin", "end", "field"),
    [
        (REQUEST_TIME, END, "dttm_begin"),
        (REQUEST_TIME - HOUR, END, "dttm_begin"),
        (
            REQUEST_TIME + timedelta(days=366, milliseconds=1),
            END + timedelta(days=400),
            "dttm_begin",
        ),
        (BEGIN, BEGIN, "dttm_end"),
        (BEGIN, BEGIN - HOUR, "dttm_end"),
        (BEGIN, BEGIN + timedelta(days=366, milliseconds=1), "dttm_end"),
    ],
)
def test_a_time_out_of_its_bounds_is_refused_naming_it(
    begin: datetime, end: datetime, field: str
) -> None:
    uow = memory()
    deployment_id = deployment(uow)

    with pytest.raises(ScheduleTimeInvalidError) as refused:
        scheduled(uow, deployment_id, begin, end)

    assert refused.value.field == field


def test_a_year_ahead_and_a_year_long_are_the_limits() -> None:
    uow = memory()
    begin = REQUEST_TIME + timedelta(days=366)

    change = scheduled(uow, deployment(uow), begin, begin + timedelta(days=366))

    assert change.schedule.dttm_begin == "2027-01-16T10:30:00.000Z"


def test_two_schedules_of_one_deployment_may_touch_but_never_overlap() -> None:
    uow = memory()
    deployment_id = deployment(uow)
    scheduled(uow, deployment_id)
    scheduled(uow, deployment_id, END, END + HOUR)
    scheduled(uow, deployment(uow))  # another deployment: no conflict

    with pytest.raises(ScheduleOverlapError):
        scheduled(uow, deployment_id, BEGIN + timedelta(minutes=30), END + timedelta(minutes=30))
    with pytest.raises(ScheduleOverlapError):
        scheduled(uow, deployment_id, BEGIN - timedelta(minutes=30), END + 2 * HOUR)


def test_a_failed_schedule_no_longer_blocks_its_window() -> None:
    uow = memory()
    deployment_id = deployment(uow)
    change = scheduled(uow, deployment_id)
    at(uow, BEGIN)
    assert run(uow, change, Limits(running_deployments_per_account=0))[0] == ("failed",)
    at(uow, REQUEST_TIME + timedelta(minutes=1), actor="key-1")

    again = scheduled(uow, deployment_id, BEGIN + timedelta(minutes=5), END)

    assert again.schedule.state == "SCHEDULED"


def test_another_accounts_deployment_is_not_found_and_a_foreign_keyset_not_permitted() -> None:
    uow = memory()
    deployment_id = deployment(uow, keyset=5)

    with pytest.raises(KeysetNotPermittedError):
        decide(uow, CreateSchedule(deployment_id, BEGIN, END, keysets=frozenset({6})))
    uow.context = replace(uow.context, account_id=8)
    with pytest.raises(DeploymentNotFoundError):
        scheduled(uow, deployment_id)


def test_a_chosen_id_that_any_stream_has_is_taken() -> None:
    uow = memory()
    deployment_id = deployment(uow)

    with pytest.raises(ScheduleIdTakenError):
        decide(uow, CreateSchedule(deployment_id, BEGIN, END, schedule_id=deployment_id))


def test_a_deployment_holds_at_most_the_limit_of_schedules() -> None:
    uow = memory()
    deployment_id = deployment(uow)
    limits = Limits(schedules_per_deployment=2)
    for hour in range(2):
        begin = BEGIN + hour * HOUR
        decide(uow, CreateSchedule(deployment_id, begin, begin + HOUR), limits)

    with pytest.raises(ScheduleLimitReachedError):
        decide(uow, CreateSchedule(deployment_id, END + HOUR, END + 2 * HOUR), limits)


def test_an_update_replaces_what_it_names_while_scheduled() -> None:
    uow = memory()
    change = scheduled(uow, deployment(uow))
    schedule_id = UUID(change.schedule_id)

    later = decide(uow, UpdateSchedule(schedule_id, end=END + HOUR))
    described = decide(uow, UpdateSchedule(schedule_id, description="weekly"))

    assert (later.schedule.dttm_begin, later.schedule.dttm_end) == (
        "2026-01-15T11:30:00.000Z",
        "2026-01-15T13:30:00.000Z",
    )
    assert (described.schedule.dttm_end, described.schedule.description) == (
        "2026-01-15T13:30:00.000Z",
        "weekly",
    )
    with pytest.raises(ScheduleTimeInvalidError):
        decide(uow, UpdateSchedule(schedule_id, end=BEGIN))
    with pytest.raises(VersionMismatchError):
        decide(uow, UpdateSchedule(schedule_id, description="x", expected_version=1))


def test_an_active_schedule_is_neither_edited_nor_deleted() -> None:
    uow = memory()
    change = scheduled(uow, deployment(uow))
    schedule_id = UUID(change.schedule_id)
    at(uow, BEGIN)
    run(uow, change)

    with pytest.raises(ScheduleNotEditableError):
        decide(uow, UpdateSchedule(schedule_id, description="x"))
    with pytest.raises(ScheduleActiveError):
        decide(uow, DeleteSchedule(schedule_id))
    at(uow, END)
    run(uow, change)
    decide(uow, DeleteSchedule(schedule_id))
    with pytest.raises(ScheduleNotFoundError):
        decide(uow, DeleteSchedule(schedule_id))


def test_a_run_starts_at_the_begin_and_stops_at_the_end_each_once() -> None:
    uow = memory()
    change = scheduled(uow, deployment(uow))

    at(uow, BEGIN - timedelta(milliseconds=1))
    assert run(uow, change) == ((), [])
    at(uow, BEGIN)
    assert run(uow, change) == (
        ("began",),
        ["DeploymentStarted", "ScheduleActivated", "AccountUsageChanged"],
    )
    assert run(uow, change) == ((), [])
    at(uow, END)
    assert run(uow, change) == (
        ("ended",),
        ["DeploymentStopped", "ScheduleCompleted", "AccountUsageChanged"],
    )
    assert run(uow, change) == ((), [])
    started = next(e for e in uow.events if type(e).__name__ == "DeploymentStarted")
    assert (started.actor, started.timestamp) == ("scheduler", BEGIN)


def test_an_overdue_schedule_begins_and_ends_in_one_run() -> None:
    uow = memory()
    change = scheduled(uow, deployment(uow))
    at(uow, END + HOUR)

    done, recorded = run(uow, change)

    assert done == ("began", "ended")
    assert recorded.count("DeploymentStarted") == recorded.count("DeploymentStopped") == 1
    usage = [e for e in uow.events if type(e).__name__ == "AccountUsageChanged"]
    assert usage[-1].running == 0


def test_a_deployment_running_at_the_begin_is_left_running_at_the_end() -> None:
    uow = memory()
    deployment_id = deployment(uow)
    change = scheduled(uow, deployment_id)
    decide(uow, StartDeployment(deployment_id))
    at(uow, BEGIN)

    assert run(uow, change) == (("began",), ["ScheduleActivated"])
    at(uow, END)
    assert run(uow, change) == (("ended",), ["ScheduleCompleted"])
    assert uow.events[-1].deployment_stopped is False
    assert uow.aggregates[change.package.id].deployments[str(deployment_id)].running


@pytest.mark.parametrize("by_hand", ["stopped", "restarted"])
def test_a_deployment_changed_by_hand_since_the_begin_is_left_as_it_is(by_hand: str) -> None:
    uow = memory()
    deployment_id = deployment(uow)
    change = scheduled(uow, deployment_id)
    at(uow, BEGIN)
    run(uow, change)
    at(uow, BEGIN + timedelta(minutes=5), actor="key-1")
    if by_hand == "stopped":
        decide(uow, StopDeployment(deployment_id))
    else:
        decide(uow, StartDeployment(deployment_id))
    at(uow, END)

    assert run(uow, change) == (("ended",), ["ScheduleCompleted"])
    running = uow.aggregates[change.package.id].deployments[str(deployment_id)].running
    assert running is (by_hand == "restarted")


def test_a_start_refused_by_the_running_limit_fails_the_schedule_and_nothing_else() -> None:
    uow = memory()
    deployment_id = deployment(uow)
    change = scheduled(uow, deployment_id)
    at(uow, END + HOUR)

    done, recorded = run(uow, change, Limits(running_deployments_per_account=0))

    assert (done, recorded) == (("failed",), ["ScheduleFailed"])
    assert "running deployments" in uow.events[-1].reason
    schedule = uow.aggregates[change.package.id].deployments[str(deployment_id)]
    assert not schedule.running
    assert run(uow, change) == ((), [])


def test_deleting_the_deployment_or_its_revision_deletes_its_schedules() -> None:
    uow = memory()
    deployment_id = deployment(uow)
    first = scheduled(uow, deployment_id)
    decide(uow, DeleteDeployment(deployment_id))
    with pytest.raises(ScheduleNotFoundError):
        decide(uow, RunSchedule(UUID(first.schedule_id)))

    other = deployment(uow)
    second = scheduled(uow, other)
    (revision_id,) = second.package.revisions
    decide(uow, DeleteRevision(UUID(revision_id)))
    with pytest.raises(ScheduleNotFoundError):
        decide(uow, UpdateSchedule(UUID(second.schedule_id), description="x"))
