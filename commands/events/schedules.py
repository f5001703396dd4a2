"""Scheduled events: a deployment's planned starts and stops, in its package's stream, so
that one aggregate decides their overlaps and carries them out with the start or stop."""

from __future__ import annotations

from typing import TYPE_CHECKING

from commands.events.base import AuditedEvent, stable_topic
from commands.package_state import Schedule

if TYPE_CHECKING:
    from commands.package import Package


SCHEDULED, ACTIVE, COMPLETED, FAILED = "SCHEDULED", "ACTIVE", "COMPLETED", "FAILED"


class _ScheduleEvent(AuditedEvent):
    """Something that happened to one scheduled event of one deployment."""

    schedule_id: str
    deployment_id: str

    def changed(self, aggregate: Package) -> Schedule:
        """The schedule, its version and time moved to this event."""
        schedule = aggregate.deployments[self.deployment_id].schedules[self.schedule_id]
        schedule.updated_on = self.timestamp
        schedule.version = self.originator_version
        return schedule


@stable_topic
class ScheduleCreated(_ScheduleEvent):
    """A deployment (of ``revision_id``, on ``keyset_id``) is to start at ``dttm_begin`` and
    stop at ``dttm_end`` (ISO-8601 UTC, to the millisecond)."""

    class_version = 1

    revision_id: str
    keyset_id: int
    dttm_begin: str
    dttm_end: str
    description: str

    def apply(self, aggregate: Package) -> None:
        aggregate.deployments[self.deployment_id].schedules[self.schedule_id] = Schedule(
            self.schedule_id,
            self.dttm_begin,
            self.dttm_end,
            self.description,
            SCHEDULED,
            self.timestamp,
            self.timestamp,
            self.originator_version,
        )


@stable_topic
class ScheduleUpdated(_ScheduleEvent):
    """Its times and description after the change (all three, always)."""

    class_version = 1

    dttm_begin: str
    dttm_end: str
    description: str

    def apply(self, aggregate: Package) -> None:
        schedule = self.changed(aggregate)
        schedule.dttm_begin = self.dttm_begin
        schedule.dttm_end = self.dttm_end
        schedule.description = self.description


@stable_topic
class ScheduleDeleted(_ScheduleEvent):
    class_version = 1

    def apply(self, aggregate: Package) -> None:
        del aggregate.deployments[self.deployment_id].schedules[self.schedule_id]


@stable_topic
class ScheduleActivated(_ScheduleEvent):
    """Its begin was carried out: ``deployment_started`` says whether it started the
    deployment (in the same command, just before), or found it running and left it so."""

    class_version = 1

    deployment_started: bool

    def apply(self, aggregate: Package) -> None:
        schedule = self.changed(aggregate)
        schedule.state = ACTIVE
        deployment = aggregate.deployments[self.deployment_id]
        schedule.started_version = deployment.version if self.deployment_started else None


@stable_topic
class ScheduleCompleted(_ScheduleEvent):
    """Its end was carried out: ``deployment_stopped`` says whether it stopped the deployment,
    or left it as it was (stopped already, or started or stopped by hand since its begin)."""

    class_version = 1

    deployment_stopped: bool

    def apply(self, aggregate: Package) -> None:
        self.changed(aggregate).state = COMPLETED


@stable_topic
class ScheduleFailed(_ScheduleEvent):
    """Its begin was refused (``reason``); the deployment was left as it was."""

    class_version = 1

    reason: str

    def apply(self, aggregate: Package) -> None:
        schedule = self.changed(aggregate)
        schedule.state = FAILED
        schedule.failure_reason = self.reason
