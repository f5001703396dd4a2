"""The write path against real stores: SQLite files and PostgreSQL (each test runs on both)."""

from __future__ import annotations

from typing import cast
from uuid import UUID, uuid4

import msgspec
import psycopg
import pytest
from psycopg.sql import SQL

from commands.claims import PackageName
from commands.errors import (
    DeploymentIdTakenError,
    PackageIdTakenError,
    PackageNameTakenError,
    RevisionIdTakenError,
)
from commands.events import (
    KEY_EVENT_TOPICS,
    FunctionsRegistered,
    PackageCreated,
    PackageNameClaimed,
    RevisionAdded,
)
from commands.handlers.deployments import CreateDeployment
from commands.handlers.keys import IssueApiKey
from commands.handlers.revisions import AddRevision
from commands.keys import PACKAGE_READ, Grant
from commands.package import Package
from commands.persistence.postgres import ServicePostgresRecorder
from commands.usage import AccountUsage
from projections.database import PostgresDatabase
from service.bootstrap import Container, bootstrap
from service.settings import Settings
from tests.conftest import fresh_postgres_database
from tests.support.commands import context, create_package, function_spec
from tests.support.concurrency import on_each, race

REFUSE_CREATE_TYPE = """
CREATE FUNCTION refuse_create_type() RETURNS event_trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'CREATE TYPE attempted'; END $$;
CREATE EVENT TRIGGER refuse_create_type ON ddl_command_start
    WHEN TAG IN ('CREATE TYPE') EXECUTE FUNCTION refuse_create_type();
"""


def test_a_created_package_reads_back_from_the_store(container: Container) -> None:
    package = container.commands.run(create_package(functions=3), context()).value

    stored: Package = container.store.repository.get(package.id)

    assert isinstance(stored, Package)
    assert stored.name == package.name
    assert stored.revisions == package.revisions
    assert stored.version == 3


def test_one_create_appends_its_events_in_order_at_consecutive_positions(
    container: Container,
) -> None:
    caller = context()
    command = create_package()
    before = container.store.recorder.max_notification_id() or 0

    package = container.commands.run(command, caller).value

    name_id = PackageName.id_for(caller.account_id, command.name)
    (revision_id,) = package.revisions
    streams = {package.id, name_id, UUID(revision_id)}
    notifications = [
        notification
        for notification in container.store.recorder.select_notifications(before + 1, 100)
        if notification.originator_id in streams
    ]
    assert [n.topic for n in notifications] == [
        "faas.PackageCreated",
        "faas.RevisionAdded",
        "faas.FunctionsRegistered",
        "faas.PackageNameClaimed",
        "faas.EntityLocated",
    ]
    positions = [n.id for n in notifications]
    assert positions == list(range(positions[0], positions[0] + 5))


def test_every_event_reads_back_with_account_actor_correlation_id_and_time(
    container: Container,
) -> None:
    caller = context(correlation_id="corr-1")
    package = container.commands.run(create_package(), caller).value

    events = list(container.store.events.get(package.id))

    expected: list[type] = [PackageCreated, RevisionAdded, FunctionsRegistered]
    assert [type(e) for e in events] == expected
    for event in events:
        assert isinstance(event, PackageCreated | RevisionAdded | FunctionsRegistered)
        assert event.account_id == caller.account_id
        assert event.actor == "test-actor"
        assert event.correlation_id == "corr-1"
        assert event.timestamp == caller.requested_at


def test_a_create_refused_for_its_name_writes_nothing(container: Container) -> None:
    caller = context()
    first = create_package()
    container.commands.run(first, caller)
    position = container.store.recorder.max_notification_id()
    second = create_package(name=first.name, package_id=uuid4())

    with pytest.raises(PackageNameTakenError):
        container.commands.run(second, caller)

    assert list(container.store.events.get(second.package_id)) == []  # type: ignore[arg-type]
    assert container.store.recorder.max_notification_id() == position


def test_a_repeated_id_is_refused_and_changes_nothing(container: Container) -> None:
    package_id = uuid4()
    container.commands.run(create_package(package_id=package_id), context())

    with pytest.raises(PackageIdTakenError):
        container.commands.run(create_package(package_id=package_id), context())

    assert len(list(container.store.events.get(package_id))) == 3


def test_names_compare_trimmed_and_case_insensitively(container: Container) -> None:
    caller = context()
    container.commands.run(create_package(name="Orders"), caller)

    with pytest.raises(PackageNameTakenError):
        container.commands.run(create_package(name="  oRDERS "), caller)


def test_another_account_may_use_the_same_name(container: Container) -> None:
    container.commands.run(create_package(name="shared"), context())

    package = container.commands.run(create_package(name="shared"), context()).value

    assert package.name == "shared"


def test_concurrent_creates_with_one_name_store_exactly_one(instances: list[Container]) -> None:
    caller = context()
    name = create_package().name
    instance = on_each(instances)

    results, errors = race(6, lambda: instance().commands.run(create_package(name=name), caller))

    assert len(results) == 1
    assert len(errors) == 5
    assert all(isinstance(error, PackageNameTakenError) for error in errors), errors


def test_concurrent_creates_with_one_id_store_exactly_one(container: Container) -> None:
    package_id = uuid4()

    results, errors = race(
        6,
        lambda: container.commands.run(create_package(package_id=package_id), context()),
    )

    assert len(results) == 1
    assert all(isinstance(error, PackageIdTakenError) for error in errors), errors
    assert len(list(container.store.events.get(package_id))) == 3


def test_a_create_repeated_after_its_commit_was_not_heard_is_the_same_write(
    container: Container,
) -> None:
    """A retried save whose first commit succeeded (but was not acknowledged) is a success."""
    caller = context()
    command = create_package(package_id=uuid4())
    first = container.commands.run(command, caller)

    again = container.commands.run(command, caller)

    assert again.value.id == first.value.id
    assert len(list(container.store.events.get(first.value.id))) == 3


def test_the_same_id_from_another_request_is_a_conflict(container: Container) -> None:
    package_id = uuid4()
    container.commands.run(create_package(package_id=package_id), context())

    with pytest.raises(PackageIdTakenError):
        container.commands.run(create_package(package_id=package_id), context())


def test_a_name_claim_holds_the_package_id(container: Container) -> None:
    caller = context()
    command = create_package()
    package = container.commands.run(command, caller).value

    claim_id = PackageName.id_for(caller.account_id, command.name)
    claim: PackageName = container.store.repository.get(claim_id)

    assert isinstance(claim, PackageName)
    assert claim.package_id == str(package.id)
    (event,) = container.store.events.get(claim.id)
    assert isinstance(event, PackageNameClaimed)


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_the_sqlite_store_is_a_wal_file_with_full_sync(container: Container) -> None:
    recorder = container.store.recorder
    with recorder.datastore.transaction(commit=False) as cursor:  # type: ignore[attr-defined]
        cursor.execute("PRAGMA journal_mode")
        journal_mode = cursor.fetchone()[0]
        cursor.execute("PRAGMA synchronous")
        synchronous = cursor.fetchone()[0]

    assert (journal_mode, synchronous) == ("wal", 2)


@pytest.mark.parametrize("store_url", ["postgres"], indirect=True)
def test_postgres_connections_give_up_on_a_server_that_stopped_answering(
    container: Container,
) -> None:
    """Without these, a connection whose server host vanished mid-commit waits out the
    system's TCP retries (minutes) while holding the writer."""
    timeout_ms = str(container.settings.store_timeout_seconds * 1000)
    recorder = container.store.recorder
    database = cast(PostgresDatabase, container.database)
    with (
        recorder.datastore.get_connection() as writer,  # type: ignore[attr-defined]
        database.pool.connection() as reader,
    ):
        for connection in (writer, reader):
            parameters = connection.info.get_parameters()
            assert parameters.get("tcp_user_timeout") == timeout_ms, parameters
            assert parameters.get("keepalives") == "1", parameters
    # Listeners, leader locks and kept-copy checks connect with the read model's conninfo.
    assert f"tcp_user_timeout={timeout_ms}" in database.conninfo


@pytest.mark.parametrize("store_url", ["postgres"], indirect=True)
def test_postgres_reads_of_the_event_store_plan_no_parallel_workers(container: Container) -> None:
    """A parallel plan forks worker processes for every execution: for a batch's read of its
    streams, under its lock."""
    for _ in range(3):
        container.commands.run(create_package(), context())
    recorder = container.store.recorder
    with recorder.datastore.get_connection() as connection:  # type: ignore[attr-defined]
        # Parallel plans made as cheap as they can be: the planner picks one if it may.
        cheap = ("parallel_setup_cost", "parallel_tuple_cost", "min_parallel_table_scan_size")
        for setting in cheap:
            connection.execute(f"SET {setting} = 0")
        table = f"{recorder.datastore.schema}.{recorder.events_table_name}"  # type: ignore[attr-defined]
        plan = connection.execute(f"EXPLAIN SELECT * FROM {table} WHERE topic LIKE 'faas.%'")
        lines = [row["QUERY PLAN"] for row in plan.fetchall()]
        for setting in cheap:  # the connection goes back to the pool as it came
            connection.execute(f"RESET {setting}")

    assert not any("Gather" in line for line in lines), lines


@pytest.mark.parametrize("store_url", ["postgres"], indirect=True)
def test_postgres_key_ring_reads_key_events_from_their_own_index(container: Container) -> None:
    """Every process reads the key events twice a second: walking all events written
    meanwhile would cost in proportion to the write rate, times the processes."""
    for _ in range(3):
        container.commands.run(create_package(), context())
    recorder = cast(ServicePostgresRecorder, container.store.recorder)
    statement = recorder.topics_statement(KEY_EVENT_TOPICS)
    with recorder.datastore.get_connection() as connection:
        connection.execute("SET enable_seqscan = off")  # a few rows: a scan would be cheapest
        plan = connection.execute(SQL("EXPLAIN ") + statement, (0, 1000)).fetchall()
        connection.execute("RESET enable_seqscan")

    lines = [row["QUERY PLAN"] for row in plan]
    assert any(f"{recorder.events_table_name}_key_events_idx" in line for line in lines), lines


def test_the_key_ring_finds_a_key_issued_after_other_events(container: Container) -> None:
    container.keys.refresh()
    for _ in range(3):
        container.commands.run(create_package(), context())
    key = container.commands.run(IssueApiKey("late", (Grant(PACKAGE_READ),)), context()).value.key
    container.commands.run(create_package(), context())

    container.keys.refresh()

    record = container.keys.get(key.id)
    assert record is not None
    assert record.name == "late"


@pytest.mark.parametrize("store_url", ["postgres"], indirect=True)
def test_postgres_store_opened_again_does_not_try_to_create_its_types(
    settings: Settings,
) -> None:
    """The library tries CREATE TYPE at every start and ignores "already exists", which
    PostgreSQL logs as an error for every process that opens the store."""
    with fresh_postgres_database() as url:
        bootstrap(msgspec.structs.replace(settings, database_url=url)).close()
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(REFUSE_CREATE_TYPE)

            reopened = bootstrap(msgspec.structs.replace(settings, database_url=url))

            reopened.close()
            admin.execute("DROP EVENT TRIGGER refuse_create_type")


def test_a_create_reports_the_log_position_of_its_last_event(container: Container) -> None:
    saved = container.commands.run(create_package(), context())

    (last,) = container.store.recorder.select_notifications(saved.position, 1)
    assert last.topic == "faas.AccountUsageChanged"
    assert container.store.recorder.max_notification_id() == saved.position


def test_an_id_of_any_other_stream_is_taken(container: Container) -> None:
    caller = context()
    saved = container.commands.run(create_package(), caller)
    (revision_id,) = saved.value.revisions

    with pytest.raises(PackageIdTakenError):
        container.commands.run(create_package(package_id=UUID(revision_id)), caller)
    with pytest.raises(RevisionIdTakenError):
        container.commands.run(
            AddRevision(saved.value.id, (function_spec(),), "v2", revision_id=saved.value.id),
            caller,
        )
    with pytest.raises(DeploymentIdTakenError):
        container.commands.run(
            CreateDeployment(UUID(revision_id), 1, deployment_id=saved.value.id), caller
        )


def test_the_account_usage_is_loaded_from_snapshots(container: Container) -> None:
    caller = context()
    for _ in range(101):
        container.commands.run(create_package(functions=1), caller)

    snapshots = container.store.snapshots
    assert snapshots is not None
    usage_id = AccountUsage.id_for(caller.account_id)
    assert list(snapshots.get(usage_id, desc=True, limit=1))
    usage: AccountUsage = container.store.repository.get(usage_id)
    assert usage.packages == 101


@pytest.mark.parametrize("store_url", ["postgres"], indirect=True)
def test_postgres_read_model_connections_plan_no_parallel_workers(container: Container) -> None:
    """A page of packages filtered by tag was planned with a Gather Merge (worker processes
    forked for a 100-row answer) on a large read model."""
    database = cast(PostgresDatabase, container.database)
    with database.read() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        (setting,) = cursor.fetchone()

    assert setting == "0"
