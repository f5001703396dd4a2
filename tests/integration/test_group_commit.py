"""Group commit: concurrent commands share transactions, and each is answered on its own."""

from __future__ import annotations

import fcntl
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from functools import partial
from typing import Any, cast
from uuid import uuid4

import psycopg
import pytest
from eventsourcing.persistence import IntegrityError, OperationalError

from commands.application import Commands
from commands.claims import PackageName
from commands.context import CommandContext, Limits
from commands.errors import (
    LimitReachedError,
    PackageIdTakenError,
    PackageLimitReachedError,
    PackageNameTakenError,
    StoreUnavailableError,
)
from commands.group_commit import SPLIT_AFTER_CONFLICTS, Committed
from commands.handlers.packages import create_package as create
from commands.memory import InMemoryUnitOfWork
from commands.package import Package
from commands.persistence.postgres import ACCOUNT_LOCK_CLASS, ServicePostgresRecorder, account_key
from commands.persistence.sqlite import FileWriteLock
from commands.usage import AccountUsage
from projections.rebuild import verify
from service.bootstrap import Container, bootstrap
from service.settings import Settings
from tests.support.builders import unique_account, unique_name
from tests.support.commands import context, create_package
from tests.support.concurrency import race


@contextmanager
def one_batch(commands: Commands, expected: int) -> Iterator[None]:
    """Hold the writer until ``expected`` commands wait, so that they are decided and
    committed together."""
    gate = threading.Event()
    holding = threading.Event()

    def held(_: object) -> None:
        holding.set()
        gate.wait(30)

    group_commit = commands.group_commit
    first = group_commit.submit(held, context(0))
    assert holding.wait(30), "the writer took the holding command"
    try:
        yield
        deadline = time.monotonic() + 30
        while group_commit.writer.backlog < expected and time.monotonic() < deadline:
            time.sleep(0.005)
        assert group_commit.writer.backlog == expected
    finally:
        gate.set()
    first.result(30)


def submit_all(calls: list[Callable[[], object]]) -> tuple[list[threading.Thread], list[object]]:
    outcomes: list[object] = [None] * len(calls)

    def run(index: int) -> None:
        try:
            outcomes[index] = calls[index]()
        except Exception as error:
            outcomes[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    return threads, outcomes


def counting_batches(container: Container) -> list[int]:
    """The number of events of each transaction the application commits."""
    sizes: list[int] = []
    group_commit = container.commands.group_commit
    wake = group_commit.on_saved

    def saved(recordings: list[object]) -> None:
        sizes.append(len(recordings))
        if wake is not None:
            wake(recordings)  # type: ignore[arg-type]

    group_commit.on_saved = saved  # type: ignore[assignment]
    return sizes


def test_a_refused_command_fails_alone_and_the_rest_of_its_batch_commits(
    store_url: str,
) -> None:
    settings = Settings(database_url=store_url, max_packages_per_account=3)
    container = bootstrap(settings)
    try:
        commands = container.commands
        sizes = counting_batches(container)
        caller = context(unique_account())
        taken_name = unique_name()
        first_id = uuid4()
        calls: list[Callable[[], object]] = [
            lambda: commands.run(create_package(taken_name, first_id), caller),
            lambda: commands.run(create_package(taken_name), caller),
            lambda: commands.run(create_package(package_id=first_id), caller),
            lambda: commands.run(create_package(), caller),
            lambda: commands.run(create_package(), caller),
            lambda: commands.run(create_package(), caller),
        ]
        with one_batch(commands, len(calls)):
            threads, outcomes = submit_all(calls)
        for thread in threads:
            thread.join(30)

        kinds = [type(outcome) for outcome in outcomes]
        # The calls queue in whatever order their threads ran: count by kind.
        assert kinds.count(Committed) == 3, outcomes
        errors = {kind for kind in kinds if kind is not Committed}
        assert errors <= {PackageNameTakenError, PackageIdTakenError, PackageLimitReachedError}
        assert sizes == [sizes[0]], "one transaction for the whole batch"
        store = container.store
        usage: AccountUsage = store.repository.get(AccountUsage.id_for(caller.account_id))
        assert usage.packages == 3
        for outcome in outcomes:
            if isinstance(outcome, Committed):
                stored: Package = store.repository.get(outcome.value.id)
                assert len(stored.revisions) == 1
        container.projector.catch_up()
        assert verify(container.projector) == []
    finally:
        container.close()


def test_concurrent_creates_of_one_account_share_transactions(container: Container) -> None:
    sizes = counting_batches(container)
    caller = context(unique_account())
    creates = 24

    results, errors = race(creates, lambda: container.commands.run(create_package(), caller))

    assert errors == []
    assert len(results) == creates
    # Each: the package (3 events), its name claim, its locator, a usage change; and once,
    # the account's usage record.
    assert sum(sizes) == creates * 6 + 1
    assert len(sizes) < creates
    usage: AccountUsage = container.store.repository.get(AccountUsage.id_for(caller.account_id))
    assert usage.packages == creates
    positions = [result.position for result in results]  # type: ignore[attr-defined]
    assert len(set(positions)) == creates, "each answer names its own last event"


def test_the_same_name_from_many_commands_at_once_is_taken_once(
    instances: list[Container],
) -> None:
    caller = context(unique_account())
    name = unique_name()
    turns = iter(range(1000))

    def attempt() -> object:
        commands = instances[next(turns) % len(instances)].commands
        return commands.run(create_package(name), caller)

    results, errors = race(12, attempt)

    assert len(results) == 1
    assert all(isinstance(error, PackageNameTakenError) for error in errors), errors


def test_a_batch_never_passes_an_account_limit(store_url: str) -> None:
    limit = 2
    container = bootstrap(Settings(database_url=store_url, max_packages_per_account=limit))
    try:
        caller = context(unique_account())
        results, errors = race(8, lambda: container.commands.run(create_package(), caller))
        assert len(results) == limit
        assert all(isinstance(error, LimitReachedError) for error in errors), errors
    finally:
        container.close()


def test_account_usage_kept_between_batches_sees_other_instances_commands(
    store_url: str,
) -> None:
    limit = Settings(database_url=store_url, max_packages_per_account=3)
    first, second = bootstrap(limit), bootstrap(limit)
    try:
        caller = context(unique_account())
        for instance in (first, second, first):
            instance.commands.run(create_package(), caller)
        # The second instance last saw two packages: it must read the third before deciding.
        with pytest.raises(LimitReachedError):
            second.commands.run(create_package(), caller)
        with pytest.raises(LimitReachedError):
            first.commands.run(create_package(), caller)
    finally:
        first.close()
        second.close()


def test_a_command_whose_caller_gave_up_is_dropped_and_its_batch_still_commits(
    container: Container,
) -> None:
    commands = container.commands
    caller = context(unique_account())
    kept_name, dropped_name = unique_name(), unique_name()
    with one_batch(commands, 2):
        kept = commands.submit(create_package(kept_name), caller)
        dropped = commands.submit(create_package(dropped_name), caller)
        assert dropped.cancel()

    saved = kept.result(30)

    assert isinstance(saved, Committed)
    claimed = {name for name in (kept_name, dropped_name) if _claimed(container, caller, name)}
    assert claimed == {kept_name}


@contextmanager
def account_locked_elsewhere(
    container: Container, store_url: str, account_id: int
) -> Iterator[None]:
    """The account's write lock, held as another process's batch would hold it."""
    if store_url.startswith("postgresql"):
        with psycopg.connect(store_url) as other, other.transaction():
            other.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)",
                (ACCOUNT_LOCK_CLASS, account_key(account_id)),
            )
            yield
    else:
        lock = cast(FileWriteLock, container.store.recorder.write_lock())
        with open(lock.path, "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield


def test_commands_arriving_while_a_batch_awaits_its_lock_join_it(
    container: Container, store_url: str
) -> None:
    commands = container.commands
    sizes = counting_batches(container)
    caller, other_account = context(unique_account()), context(unique_account())
    with account_locked_elsewhere(container, store_url, caller.account_id):
        first = commands.submit(create_package(), caller)
        wait_until_taken(commands)
        joining = [commands.submit(create_package(), caller) for _ in range(3)]
        elsewhere = commands.submit(create_package(), other_account)
        assert not first.done()
    saved = [future.result(timeout=30) for future in (first, *joining)]
    later = elsewhere.result(timeout=30)

    assert all(isinstance(outcome, Committed) for outcome in saved)
    # One transaction for the four creates of the account (six events each, and the first
    # opens the account's usage record), then one for the other account's create.
    assert sizes == [1 + 4 * 6, 1 + 6], sizes
    assert later.position > max(outcome.position for outcome in saved)


def test_commands_that_joined_a_batch_are_answered_when_its_second_read_fails(
    container: Container, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    commands = container.commands
    streams = commands.group_commit.streams
    caller = context(unique_account())
    prefetch = streams.prefetch
    reads: list[object] = []

    def second_read_fails(stream_ids: Any) -> Any:
        reads.append(stream_ids)
        if len(reads) == 2:  # the read for the commands that joined
            raise OperationalError("the connection was lost")
        return prefetch(stream_ids)

    with account_locked_elsewhere(container, store_url, caller.account_id):
        monkeypatch.setattr(streams, "prefetch", second_read_fails)
        first = commands.submit(create_package(), caller)
        wait_until_taken(commands)
        joining = [commands.submit(create_package(), caller) for _ in range(3)]

    errors = [future.exception(timeout=30) for future in (first, *joining)]
    assert all(isinstance(error, StoreUnavailableError) for error in errors), errors


def test_a_split_batch_decides_its_commands_in_order_and_takes_in_no_newer_one(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    commands = container.commands
    caller = context(unique_account())
    put = container.store.events.put
    clashes: list[int] = []
    late: list[Future[Committed[Package]]] = []

    def clash_until_split(events: Any, *args: Any, **kwargs: Any) -> Any:
        if len(clashes) < SPLIT_AFTER_CONFLICTS and len({e.originator_id for e in events}) > 4:
            clashes.append(len(events))
            if len(clashes) == SPLIT_AFTER_CONFLICTS:  # a newer command, queued before the split
                late.append(commands.submit(create_package(), caller))
            raise IntegrityError("another writer changed a stream first")
        return put(events, *args, **kwargs)

    monkeypatch.setattr(container.store.events, "put", clash_until_split)
    with one_batch(commands, 2):
        older = [commands.submit(create_package(), caller) for _ in range(2)]
    positions = [future.result(timeout=30).position for future in older]
    assert len(clashes) == SPLIT_AFTER_CONFLICTS
    positions.append(late[0].result(timeout=30).position)

    assert positions == sorted(positions), positions


def wait_until_taken(commands: Commands) -> None:
    """Until the writer has taken what was submitted (and waits for a lock held elsewhere)."""
    deadline = time.monotonic() + 30
    while commands.group_commit.writer.backlog and time.monotonic() < deadline:
        time.sleep(0.005)
    time.sleep(0.05)


def test_a_refusal_that_rested_on_a_sibling_is_decided_again_with_its_batch(
    container: Container, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A takes a name and B, next in the batch, is refused it. Another writer then takes
    A's client-chosen id before the batch commits: decided again, A is refused its id, so B
    must get the name rather than the refusal that rested on A."""
    commands = container.commands
    streams = commands.group_commit.streams
    caller = context(unique_account())
    name, chosen_id = unique_name(), uuid4()
    other = bootstrap(settings)
    taken_once = threading.Event()
    prefetch = streams.prefetch

    def read_then_let_another_writer_take_the_id(stream_ids: Any) -> Any:
        found = prefetch(stream_ids)
        if not taken_once.is_set():
            taken_once.set()
            # Saved by another instance, outside this batch's lock and transaction.
            rival = InMemoryUnitOfWork(context())
            rival.run(partial(create, limits=Limits()), create_package(package_id=chosen_id))
            other.store.events.put(rival.take_events())
        return found

    try:
        with one_batch(commands, expected=2):
            monkeypatch.setattr(streams, "prefetch", read_then_let_another_writer_take_the_id)
            first = commands.submit(create_package(name, chosen_id), caller)
            second = commands.submit(create_package(name), caller)

        assert isinstance(first.exception(timeout=30), PackageIdTakenError)
        saved = second.result(timeout=30)
        assert isinstance(saved, Committed)
        assert taken_once.is_set()
        store = container.store
        claim: PackageName = store.repository.get(PackageName.id_for(caller.account_id, name))
        assert claim.package_id == str(saved.value.id)
        usage: AccountUsage = store.repository.get(AccountUsage.id_for(caller.account_id))
        assert usage.packages == 1
    finally:
        other.close()


def _claimed(container: Container, caller: CommandContext, name: str) -> bool:
    claim_id = PackageName.id_for(caller.account_id, name)
    return bool(container.store.recorder.select_events(claim_id, limit=1))


@pytest.mark.parametrize("store_url", ["postgres"], indirect=True)  # one batch, one connection
def test_a_batch_whose_connection_is_lost_after_its_commit_is_answered_as_saved(
    container: Container, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    commands = container.commands
    caller = context(unique_account())
    positions_of = ServicePostgresRecorder.positions_of

    def commit_then_lose_the_connection(cursor: Any) -> Any:
        ids = positions_of(cursor)
        lose_the_batch_connection(container, store_url)
        return ids

    with one_batch(commands, expected=3):
        monkeypatch.setattr(
            ServicePostgresRecorder,
            "positions_of",
            staticmethod(commit_then_lose_the_connection),
        )
        futures = [commands.submit(create_package(), caller) for _ in range(3)]
    saved = [future.result(timeout=30) for future in futures]
    monkeypatch.undo()

    # The COMMIT was answered before the connection went: the batch is saved, and says so.
    for outcome in saved:
        assert isinstance(outcome, Committed)
        stored = container.store.repository.get(outcome.value.id)
        assert stored.version == outcome.value.version
    assert commands.run(create_package(), caller).position > max(
        outcome.position for outcome in saved
    )


@pytest.mark.parametrize("store_url", ["postgres"], indirect=True)  # one batch, one connection
def test_a_batch_whose_connection_is_lost_mid_decision_fails_at_once_then_the_next_saves(
    container: Container, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    commands = container.commands
    streams = commands.group_commit.streams
    caller = context(unique_account())
    prefetch = streams.prefetch

    def read_then_lose_the_connection(stream_ids: Any) -> Any:
        found = prefetch(stream_ids)
        lose_the_batch_connection(container, store_url)
        return found

    # Every command of the batch then reads its account's usage on the lost connection.
    streams.forget()
    with one_batch(commands, expected=8):
        monkeypatch.setattr(streams, "prefetch", read_then_lose_the_connection)
        futures = [commands.submit(create_package(), caller) for _ in range(8)]
        started = time.monotonic()
    errors = [future.exception(timeout=30) for future in futures]
    elapsed = time.monotonic() - started

    assert all(isinstance(error, StoreUnavailableError) for error in errors), errors
    # Not one retried read after another on the dead connection (ten each, 0.2 s apart).
    assert elapsed < 5, elapsed
    monkeypatch.undo()
    assert commands.run(create_package(), caller).value.account_id == caller.account_id


def lose_the_batch_connection(container: Container, store_url: str) -> None:
    """End the server side of the connection of the batch being decided."""
    batch = cast(ServicePostgresRecorder, container.store.recorder).datastore.batch_connection
    assert batch is not None
    with psycopg.connect(store_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (batch.info.backend_pid,))
