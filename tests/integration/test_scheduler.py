"""The scheduler against real stores: one leads among several instances, a start is made once
even when several decide it at the same moment, and a package's schedules survive its
snapshots."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime, timedelta
from uuid import UUID

from commands.context import CommandContext
from commands.handlers.deployments import CreateDeployment
from commands.handlers.schedules import CreateSchedule, DeleteSchedule, RunSchedule
from service.bootstrap import Container, bootstrap
from tests.support.commands import context, create_package
from tests.support.schedules import FakeClock
from tests.support.waiting import wait_until

HOUR = timedelta(hours=1)


def a_schedule(container: Container, caller: CommandContext) -> tuple[UUID, UUID, datetime]:
    """A package's deployment and a schedule of it beginning in an hour: the package's and
    the schedule's ids, and the begin."""
    package = container.commands.run(create_package(functions=1), caller).value
    (revision,) = package.revisions
    made = container.commands.run(CreateDeployment(UUID(revision), 1), caller).value
    begin = caller.requested_at + HOUR
    command = CreateSchedule(UUID(made.deployment_ids[0]), begin, begin + HOUR)
    schedule = container.commands.run(command, caller).value
    return package.id, UUID(schedule.schedule_id), begin


def starts_of(container: Container, package_id: UUID) -> list[object]:
    return [
        event
        for _, event in container.projector.log.stream_events(package_id)
        if type(event).__name__ == "DeploymentStarted"
    ]


def test_one_of_several_schedulers_leads_and_the_start_is_made_once(
    instances: list[Container],
) -> None:
    clock = FakeClock()
    instances[0].runner.start()
    for instance in instances:
        instance.scheduler.clock = clock
        instance.scheduler.start()
    assert wait_until(lambda: sum(i.scheduler.is_leader for i in instances) == 1)
    caller = context()
    package_id, _, begin = a_schedule(instances[1], caller)

    clock.now = begin
    for instance in instances:
        instance.scheduler.wake()

    assert wait_until(lambda: len(starts_of(instances[0], package_id)) == 1)
    leader = next(i for i in instances if i.scheduler.is_leader)
    leader.scheduler.stop()
    assert wait_until(lambda: sum(i.scheduler.is_leader for i in instances) == 1)
    clock.now = begin + HOUR
    for instance in instances:
        instance.scheduler.wake()
    assert wait_until(
        lambda: any(
            type(event).__name__ == "ScheduleCompleted"
            for _, event in instances[0].projector.log.stream_events(package_id)
        )
    )
    assert len(starts_of(instances[0], package_id)) == 1


def test_runs_decided_at_once_in_several_processes_start_the_deployment_once(
    instances: list[Container],
) -> None:
    caller = context()
    package_id, schedule_id, begin = a_schedule(instances[0], caller)
    at_begin = replace(caller, requested_at=begin, actor="scheduler")
    barrier = threading.Barrier(len(instances))

    def run(instance: Container) -> None:
        barrier.wait()
        instance.commands.run(RunSchedule(schedule_id), at_begin)

    threads = [threading.Thread(target=run, args=(instance,)) for instance in instances]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(starts_of(instances[0], package_id)) == 1


def test_schedules_are_kept_in_a_packages_snapshot(container: Container) -> None:
    caller = context()
    package_id, schedule_id, begin = a_schedule(container, caller)
    ran = container.commands.run(RunSchedule(schedule_id), caller).value
    deployment_id = UUID(only_deployment(container, package_id))
    assert ran.done == ()  # not due yet
    for hour in range(2, 32):  # 60 events more: past the package's snapshot interval (50)
        start = caller.requested_at + hour * 2 * HOUR
        command = CreateSchedule(deployment_id, start, start + HOUR)
        made = container.commands.run(command, caller).value
        container.commands.run(DeleteSchedule(UUID(made.schedule_id)), caller)
    assert container.store.snapshots is not None
    assert list(container.store.snapshots.get(package_id, desc=True, limit=1))

    fresh = bootstrap(container.settings)  # nothing kept in memory: read from the snapshot
    try:
        ran = fresh.commands.run(RunSchedule(schedule_id), replace(caller, requested_at=begin))
    finally:
        fresh.close()

    assert ran.value.done == ("began",)


def only_deployment(container: Container, package_id: UUID) -> str:
    """The one deployment of a package, as its stream holds it."""
    created = [
        event
        for _, event in container.projector.log.stream_events(package_id)
        if type(event).__name__ == "DeploymentCreated"
    ]
    return str(created[0].deployment_id)
