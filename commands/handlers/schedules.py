"""Scheduled events: plan a deployment's start and stop, change or delete the plan, and
carry it out (``RunSchedule``, which the scheduler sends when a time is due)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from commands import schedules
from commands.claims import SCHEDULE, Locator
from commands.command import Command
from commands.context import CommandContext, Limits
from commands.errors import KeysetNotPermittedError, RunningLimitReachedError, ScheduleIdTakenError
from commands.events import ACTIVE, SCHEDULED
from commands.handlers.lookups import owned_deployment, owned_schedule, usage_id, usage_of
from commands.ids import new_id
from commands.keys import DEPLOYMENT_WRITE
from commands.package import Package, check_version
from commands.package_state import Deployment, Schedule
from commands.unit_of_work import UnitOfWork
from commands.usage import AccountUsage

# The keysets a caller may change deployments on; ``None``: every keyset of its account.
Keysets = frozenset[int] | None


@dataclass(frozen=True, slots=True)
class ScheduleChange:
    """A schedule as a command left it, with its package (for the answer)."""

    package: Package
    deployment_id: str
    schedule_id: str

    @property
    def schedule(self) -> Schedule:
        return self.package.deployments[self.deployment_id].schedules[self.schedule_id]


@dataclass(frozen=True, slots=True)
class CreateSchedule(Command[ScheduleChange]):
    """Start a deployment at ``begin`` and stop it at ``end``."""

    deployment_id: UUID
    begin: datetime
    end: datetime
    description: str = ""
    schedule_id: UUID | None = None
    keysets: Keysets = None


def create_schedule_reads(command: CreateSchedule, context: CommandContext) -> tuple[UUID, ...]:
    chosen = () if command.schedule_id is None else (command.schedule_id,)
    return (command.deployment_id, *chosen)


def create_schedule(command: CreateSchedule, uow: UnitOfWork, limits: Limits) -> ScheduleChange:
    schedules.check_window(command.begin, command.end, uow.context.requested_at, new_begin=True)
    schedule_id = command.schedule_id or new_id()
    if command.schedule_id is not None and uow.exists(schedule_id):
        raise ScheduleIdTakenError(schedule_id)
    package, deployment = owned_deployment(uow, command.deployment_id)
    _check_keyset(deployment, command.keysets)
    window = (command.begin, command.end)
    schedules.add(
        package, deployment, str(schedule_id), window, command.description, limits, uow.context
    )
    locator = Locator.locate(schedule_id, SCHEDULE, package.id, uow.context)
    uow.stage(package, locator)
    return ScheduleChange(package, deployment.deployment_id, str(schedule_id))


@dataclass(frozen=True, slots=True)
class UpdateSchedule(Command[ScheduleChange]):
    """Replace the fields given (``None``: keep), while the schedule is ``SCHEDULED``."""

    schedule_id: UUID
    begin: datetime | None = None
    end: datetime | None = None
    description: str | None = None
    keysets: Keysets = None
    expected_version: int | None = None


def update_schedule(command: UpdateSchedule, uow: UnitOfWork) -> ScheduleChange:
    package, deployment, schedule = _writable(uow, command.schedule_id, command.keysets)
    check_version(command.expected_version, schedule.version)
    changes = (command.begin, command.end, command.description)
    schedules.change(package, deployment, schedule, changes, uow.context)
    uow.stage(package)
    return ScheduleChange(package, deployment.deployment_id, schedule.schedule_id)


@dataclass(frozen=True, slots=True)
class DeleteSchedule(Command[None]):
    """Delete a schedule that is not ``ACTIVE``."""

    schedule_id: UUID
    keysets: Keysets = None
    expected_version: int | None = None


def delete_schedule(command: DeleteSchedule, uow: UnitOfWork) -> None:
    package, deployment, schedule = _writable(uow, command.schedule_id, command.keysets)
    check_version(command.expected_version, schedule.version)
    schedules.remove(package, deployment, schedule, uow.context)
    uow.stage(package)


def schedule_reads(
    command: UpdateSchedule | DeleteSchedule, context: CommandContext
) -> tuple[UUID, ...]:
    return (command.schedule_id,)


@dataclass(frozen=True, slots=True)
class ScheduleRun:
    """What carrying out a schedule did: ``began``, ``failed``, ``ended``, in order (none
    when nothing was due: already done, changed meanwhile, or not yet)."""

    schedule_id: str
    done: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RunSchedule(Command[ScheduleRun]):
    """Carry out what is due of a schedule at the command's time: its begin, its end, or
    both (an overdue one). Its state moves in the same transaction as the start or stop, so
    a repeat of the command does nothing twice."""

    schedule_id: UUID


def run_schedule_reads(command: RunSchedule, context: CommandContext) -> tuple[UUID, ...]:
    return (command.schedule_id, usage_id(context.account_id))


def run_schedule(command: RunSchedule, uow: UnitOfWork, limits: Limits) -> ScheduleRun:
    package, deployment, schedule = owned_schedule(uow, command.schedule_id)
    now = schedules.instant(uow.context.requested_at)
    done: list[str] = []
    usage: AccountUsage | None = None
    if schedule.state == SCHEDULED and schedule.dttm_begin <= now:
        usage = _begin(uow, package, deployment, schedule, limits)
        done.append("began" if schedule.state == ACTIVE else "failed")
    if schedule.state == ACTIVE and schedule.dttm_end <= now:
        usage = _end(uow, package, deployment, schedule, usage)
        done.append("ended")
    uow.stage(package, usage)
    return ScheduleRun(schedule.schedule_id, tuple(done))


def _begin(
    uow: UnitOfWork, package: Package, deployment: Deployment, schedule: Schedule, limits: Limits
) -> AccountUsage | None:
    """Start the deployment (unless it runs already, started by hand: then it is left as it
    is), within the account's running limit; a refusal fails the schedule, nothing else."""
    context = uow.context
    if deployment.running:
        schedules.activated(package, deployment, schedule, context, started=False)
        return None
    usage = usage_of(uow)
    limit = limits.running_deployments_per_account
    if usage.running >= limit:
        reason = str(RunningLimitReachedError(limit))
        schedules.failed(package, deployment, schedule, context, reason)
        return None
    usage.change(context, running=1)
    package.start(deployment.deployment_id, context)
    schedules.activated(package, deployment, schedule, context, started=True)
    return usage


def _end(
    uow: UnitOfWork,
    package: Package,
    deployment: Deployment,
    schedule: Schedule,
    usage: AccountUsage | None,
) -> AccountUsage | None:
    """Stop the deployment if it runs because this schedule started it; a deployment
    started or stopped by hand since is left as it is."""
    context = uow.context
    stopping = schedules.started_it(deployment, schedule)
    if stopping:
        usage = usage or usage_of(uow)
        usage.change(context, running=-1)
        package.stop(deployment.deployment_id, context)
    schedules.completed(package, deployment, schedule, context, stopped=stopping)
    return usage


def _writable(
    uow: UnitOfWork, schedule_id: UUID, keysets: Keysets
) -> tuple[Package, Deployment, Schedule]:
    """The account's schedule, of a deployment on a keyset the caller may change."""
    package, deployment, schedule = owned_schedule(uow, schedule_id)
    _check_keyset(deployment, keysets)
    return package, deployment, schedule


def _check_keyset(deployment: Deployment, keysets: Keysets) -> None:
    if keysets is not None and deployment.keyset_id not in keysets:
        raise KeysetNotPermittedError(DEPLOYMENT_WRITE)
