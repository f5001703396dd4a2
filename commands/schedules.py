"""Scheduled events as a deployment's package decides them: when they may lie, that two of
one deployment never overlap, and what carrying out their begin and end records.

Times are kept as ISO-8601 UTC text to the millisecond, which sorts as the times do.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from commands.context import CommandContext, Limits, event_metadata
from commands.errors import (
    ScheduleActiveError,
    ScheduleLimitReachedError,
    ScheduleNotEditableError,
    ScheduleOverlapError,
    ScheduleTimeInvalidError,
)
from commands.events import (
    ACTIVE,
    SCHEDULED,
    ScheduleActivated,
    ScheduleCompleted,
    ScheduleCreated,
    ScheduleDeleted,
    ScheduleFailed,
    ScheduleUpdated,
)
from commands.package import Package
from commands.package_state import Deployment, Schedule

# How far ahead a begin may lie, and how long a schedule may last: a year, leap day included.
LONGEST_AHEAD = timedelta(days=366)
BEGIN, END = "dttm_begin", "dttm_end"


def instant(moment: datetime) -> str:
    """``2026-01-15T10:30:00.123Z``: UTC, to the millisecond (cut, not rounded)."""
    utc = moment.astimezone(UTC).replace(tzinfo=None)
    return utc.isoformat(timespec="milliseconds") + "Z"


def moment_of(text: str) -> datetime:
    return datetime.fromisoformat(text.removesuffix("Z") + "+00:00")


def to_the_millisecond(moment: datetime) -> datetime:
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def check_window(begin: datetime, end: datetime, now: datetime, *, new_begin: bool) -> None:
    """A begin that is sent lies in the future, at most a year ahead; the schedule ends
    after it begins, at most a year later (all compared to the millisecond)."""
    begin, end, now = (to_the_millisecond(moment) for moment in (begin, end, now))
    if new_begin and begin <= now:
        raise ScheduleTimeInvalidError(
            BEGIN, f"must be in the future (the request was received at {instant(now)})"
        )
    if new_begin and begin > now + LONGEST_AHEAD:
        raise ScheduleTimeInvalidError(BEGIN, "must be at most 366 days ahead")
    if end <= begin:
        raise ScheduleTimeInvalidError(END, f"must be after the begin, {instant(begin)}")
    if end > begin + LONGEST_AHEAD:
        raise ScheduleTimeInvalidError(END, "must be at most 366 days after the begin")


def _check_no_overlap(deployment: Deployment, begin: str, end: str, changed: str = "") -> None:
    """Two schedules of one deployment that are still to be carried out (``SCHEDULED`` or
    ``ACTIVE``) never share a moment; one may begin when another ends."""
    for other in deployment.schedules.values():
        if other.schedule_id == changed or other.state not in (SCHEDULED, ACTIVE):
            continue
        if other.dttm_begin < end and begin < other.dttm_end:
            raise ScheduleOverlapError(other.schedule_id, other.dttm_begin, other.dttm_end)


def add(
    package: Package,
    deployment: Deployment,
    schedule_id: str,
    window: tuple[datetime, datetime],
    description: str,
    limits: Limits,
    context: CommandContext,
) -> None:
    """A new schedule of the deployment (its window already checked against the time)."""
    if len(deployment.schedules) >= limits.schedules_per_deployment:
        raise ScheduleLimitReachedError(limits.schedules_per_deployment)
    begin, end = instant(window[0]), instant(window[1])
    _check_no_overlap(deployment, begin, end)
    package.trigger_event(
        ScheduleCreated,
        schedule_id=schedule_id,
        deployment_id=deployment.deployment_id,
        revision_id=deployment.revision_id,
        keyset_id=deployment.keyset_id,
        dttm_begin=begin,
        dttm_end=end,
        description=description,
        **event_metadata(context),
    )


def change(
    package: Package,
    deployment: Deployment,
    schedule: Schedule,
    changes: tuple[datetime | None, datetime | None, str | None],
    context: CommandContext,
) -> None:
    """Replace the begin, end and description given (``None``: keep), while ``SCHEDULED``."""
    if schedule.state != SCHEDULED:
        raise ScheduleNotEditableError(schedule.state)
    new_begin, new_end, description = changes
    begin = moment_of(schedule.dttm_begin) if new_begin is None else new_begin
    end = moment_of(schedule.dttm_end) if new_end is None else new_end
    if new_begin is not None or new_end is not None:
        check_window(begin, end, context.requested_at, new_begin=new_begin is not None)
        _check_no_overlap(deployment, instant(begin), instant(end), schedule.schedule_id)
    package.trigger_event(
        ScheduleUpdated,
        schedule_id=schedule.schedule_id,
        deployment_id=deployment.deployment_id,
        dttm_begin=instant(begin),
        dttm_end=instant(end),
        description=schedule.description if description is None else description,
        **event_metadata(context),
    )


def remove(
    package: Package, deployment: Deployment, schedule: Schedule, context: CommandContext
) -> None:
    if schedule.state == ACTIVE:
        raise ScheduleActiveError
    _record(package, ScheduleDeleted, deployment, schedule, context)


def activated(
    package: Package,
    deployment: Deployment,
    schedule: Schedule,
    context: CommandContext,
    *,
    started: bool,
) -> None:
    _record(package, ScheduleActivated, deployment, schedule, context, deployment_started=started)


def failed(
    package: Package,
    deployment: Deployment,
    schedule: Schedule,
    context: CommandContext,
    reason: str,
) -> None:
    _record(package, ScheduleFailed, deployment, schedule, context, reason=reason)


def completed(
    package: Package,
    deployment: Deployment,
    schedule: Schedule,
    context: CommandContext,
    *,
    stopped: bool,
) -> None:
    _record(package, ScheduleCompleted, deployment, schedule, context, deployment_stopped=stopped)


def started_it(deployment: Deployment, schedule: Schedule) -> bool:
    """Whether the deployment runs because this schedule started it, untouched since (by
    hand or by another schedule): only then does its end stop it."""
    return deployment.running and schedule.started_version == deployment.version


def _record(
    package: Package,
    event: type,
    deployment: Deployment,
    schedule: Schedule,
    context: CommandContext,
    **payload: object,
) -> None:
    package.trigger_event(
        event,
        schedule_id=schedule.schedule_id,
        deployment_id=deployment.deployment_id,
        **payload,
        **event_metadata(context),
    )
