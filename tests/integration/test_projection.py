"""The read model against real stores: batches, exactly once, rebuild, verify, leadership."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from uuid import UUID

from projections.projector import Projector
from projections.queries import ListQuery
from projections.rebuild import rebuild, verify
from projections.runner import ProjectionRunner
from projections.schema import live_generation
from service.bootstrap import Container, bootstrap
from service.settings import Settings
from tests.support.commands import context, create_package
from tests.support.drift import drift_revisions_total
from tests.support.server import run_module
from tests.support.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
EVERYTHING = ListQuery(page=0, size=100, sort=(("created_dttm", False),))


def create_packages(container: Container, count: int, account_id: int | None = None) -> int:
    """Create ``count`` packages of two functions; the account used."""
    caller = context(account_id)
    for _ in range(count):
        container.commands.run(create_package(functions=2), caller)
    return caller.account_id


def test_the_projection_builds_packages_revisions_and_functions(container: Container) -> None:
    account = create_packages(container, 3)

    container.projector.catch_up()

    page = container.read_model.packages(account, EVERYTHING)
    assert page.total == 3
    assert {package.revisions_total for package in page.items} == {1}
    revisions = container.read_model.revisions(account, UUID(page.items[0].id), EVERYTHING)
    assert revisions is not None
    (revision,) = revisions.items
    assert [function.name for function in revision.functions] == ["fn-0", "fn-1"]
    assert container.projector.position() == container.projector.log.head()


def test_a_batch_applies_many_events_with_one_tracking_write(container: Container) -> None:
    container.projector.catch_up()
    start = container.projector.position()
    create_packages(container, 4)
    projector = Projector(container.database, container.projector.log, batch_size=10)

    position = projector.step()

    expected = [p for p, _ in container.projector.log.after(start, 10)][-1]
    assert position == expected
    assert projector.position() == expected


def test_two_projectors_racing_count_each_event_once(container: Container) -> None:
    account = create_packages(container, 12)
    racers = [
        Projector(container.database, container.projector.log, batch_size=3) for _ in range(3)
    ]

    threads = [threading.Thread(target=racer.catch_up) for racer in racers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    page = container.read_model.packages(account, EVERYTHING)
    assert page.total == 12
    assert {package.revisions_total for package in page.items} == {1}
    assert verify(container.projector) == []


def test_positions_never_commit_below_one_already_read(container: Container) -> None:
    """Readers may rely on it: nothing lands later at a position lower than one seen."""
    log = container.projector.log
    start = log.head()
    seen: list[int] = []
    done = threading.Event()

    def read() -> None:
        position = start
        while not done.is_set() or position < log.head():
            for event_position, _ in log.after(position, 50):
                seen.append(event_position)
                position = event_position

    def write() -> None:
        create_packages(container, 15)

    reader = threading.Thread(target=read)
    reader.start()
    writers = [threading.Thread(target=write) for _ in range(4)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(timeout=120)
    done.set()
    reader.join(timeout=60)

    everything = [position for position, _ in log.after(start, 10_000)]
    assert seen == everything
    # Five events a create, and the account's usage: one event a create, one to open it.
    assert len(everything) == 4 * (15 * 6 + 1)


def test_rebuild_makes_the_same_read_model_and_switches_to_it(container: Container) -> None:
    account = create_packages(container, 5)
    container.projector.catch_up()
    before = container.read_model.packages(account, EVERYTHING)
    with container.database.read() as cursor:
        old = live_generation(container.database, cursor)

    result = rebuild(container.projector)

    with container.database.read() as cursor:
        new = live_generation(container.database, cursor)
    assert old is not None
    assert new is not None
    assert new.number == result.generation > old.number
    assert container.read_model.packages(account, EVERYTHING) == before
    assert verify(container.projector) == []


def test_the_old_read_model_serves_while_a_rebuild_fills(container: Container) -> None:
    account = create_packages(container, 4)
    container.projector.catch_up()
    served: list[int] = []

    def read_while_filling(position: int, head: int) -> None:
        served.append(container.read_model.packages(account, EVERYTHING).total)

    rebuild(container.projector, progress=read_while_filling, page_size=3)

    assert served
    assert set(served) == {4}


def test_verify_lists_a_drifted_row(container: Container) -> None:
    account = create_packages(container, 2)
    container.projector.catch_up()
    drifted = container.read_model.packages(account, EVERYTHING).items[0]
    drift_revisions_total(container, drifted.id, 9)

    differences = verify(container.projector)

    assert differences == [f"packages {drifted.id} differs from the replay"]


def test_a_killed_rebuild_resumes_where_it_stopped(container: Container, store_url: str) -> None:
    create_packages(container, 5)
    container.projector.catch_up()

    killed = run_module("tests.support.die_mid_rebuild", store_url)
    result = rebuild(container.projector)

    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert result.resumed
    assert result.position == container.projector.log.head()
    assert verify(container.projector) == []


def test_a_worker_killed_mid_batch_counts_each_event_once(
    container: Container, store_url: str
) -> None:
    account = create_packages(container, 6)

    killed = run_module("tests.support.die_mid_batch", store_url)
    container.projector.catch_up()

    assert killed.returncode == -signal.SIGKILL, killed.stderr
    page = container.read_model.packages(account, EVERYTHING)
    assert page.total == 6
    assert {package.revisions_total for package in page.items} == {1}
    assert verify(container.projector) == []


def runner_for(container: Container) -> ProjectionRunner:
    return ProjectionRunner(
        container.projector,
        container.database,
        container.watch,
        str(getattr(container.store.recorder, "channel_name", "")),
        idle_seconds=0.05,
        retry_seconds=0.2,
    )


def test_one_runner_leads_and_another_takes_over_when_it_stops(settings: Settings) -> None:
    first, second = bootstrap(settings), bootstrap(settings)
    leader, follower = runner_for(first), runner_for(second)
    try:
        leader.start()
        assert wait_until(lambda: leader.is_leader, 10)
        follower.start()
        time.sleep(0.6)
        assert not follower.is_leader

        leader.stop()

        assert wait_until(lambda: follower.is_leader, 5)
    finally:
        leader.stop()
        follower.stop()
        first.close()
        second.close()


def test_a_killed_projection_worker_is_replaced_within_seconds(
    container: Container, store_url: str
) -> None:
    worker = subprocess.Popen(
        [sys.executable, "-m", "scripts.cli", "project"],
        cwd=ROOT,
        env={"FAAS_DATABASE_URL": store_url, "PATH": "/usr/bin:/bin"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    standby = runner_for(container)
    try:
        account = create_packages(container, 1)
        assert wait_until(
            lambda: container.read_model.packages(account, EVERYTHING).total == 1, 15
        ), "the worker did not project"
        standby.start()
        time.sleep(0.6)
        assert not standby.is_leader

        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)

        assert wait_until(lambda: standby.is_leader, 5)
        create_packages(container, 1, account)
        assert wait_until(lambda: container.read_model.packages(account, EVERYTHING).total == 2, 5)
    finally:
        standby.stop()
        if worker.poll() is None:
            worker.kill()


def test_a_read_model_of_an_older_shape_is_rebuilt_on_start(
    container: Container, settings: Settings
) -> None:
    account = create_packages(container, 2)
    container.projector.catch_up()
    with container.database.write() as cursor:
        cursor.execute(
            container.database.sql(
                "UPDATE rm_generations SET schema_version = 0 WHERE purpose = ?"
            ),
            ("live",),
        )
        old = live_generation(container.database, cursor)

    restarted = bootstrap(settings)
    try:
        with restarted.database.read() as cursor:
            new = live_generation(restarted.database, cursor)
        assert old is not None
        assert new is not None
        assert new.number > old.number
        assert restarted.read_model.packages(account, EVERYTHING).total == 2
    finally:
        restarted.close()
