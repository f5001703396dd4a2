"""The composition root: everything the service runs on is built here, from settings."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import cast
from uuid import UUID

from eventsourcing.persistence import IntegrityError, InternalError, Recording

from commands.application import Commands, EventStore
from commands.context import Limits
from commands.group_commit import GroupCommit
from commands.handlers import handlers
from commands.persistence import ServiceRecorder
from commands.persistence.postgres import ServicePostgresRecorder
from commands.secret_store import open_vault
from commands.vault import MasterKeyError, Vault, read_key_file, read_or_make_key_file
from projections.catalog import Catalog
from projections.changes import Changes, PostgresChanges, ThreadedChanges
from projections.database import Database, PostgresDatabase
from projections.keyring import KeyRing
from projections.keysets import KeysetDirectory
from projections.kv import purge_expired
from projections.notary import Notary, ensure_notary
from projections.projector import Projector
from projections.queries import ReadModel
from projections.rebuild import rebuild
from projections.runner import ProjectionRunner
from projections.schedules import ScheduleReads
from projections.schema import ensure_schema, is_outdated
from projections.source import EventLog
from projections.watch import POLL_SECONDS, PositionListener, PositionWatch
from service.metrics import count_appended, multiprocess_dir
from service.package_cache import PackageCache
from service.process_metrics import record_gc_counts
from service.scheduler import CHECK_SECONDS, Scheduler, scheduler_lock
from service.settings import Settings, SettingsError
from service.store import (
    check_reachable,
    is_embedded,
    library_env,
    missing_tables,
    read_model_database,
    secrets_key_path,
)

logger = logging.getLogger("faas.service")
CATALOGUE_ATTEMPTS = 5

# How long an idle leader waits before looking at the log again without being woken: long
# on PostgreSQL (every write wakes it by NOTIFY), short on SQLite (writes from other
# processes are only seen by looking).
IDLE_SECONDS = {"postgres": 1.0, "sqlite": 0.02}


@dataclass(frozen=True, slots=True)
class Container:
    """What ``bootstrap`` builds; routes, scripts and tests use it."""

    settings: Settings
    store: EventStore
    commands: Commands
    database: Database
    read_model: ReadModel
    projector: Projector
    runner: ProjectionRunner
    watch: PositionWatch
    listener: PositionListener | None
    keys: KeyRing
    package_cache: PackageCache
    scheduler: Scheduler
    notary: Notary
    keysets: KeysetDirectory
    catalog: Catalog
    # The master key of secrets (``None``: not opened, and secrets are refused).
    vault: Vault | None = None

    def start(self) -> None:
        """Start the background work this process does: projecting (if configured here) and
        hearing how far the read model has come."""
        self.keys.start()
        self.keysets.start()
        record_gc_counts(multiprocess_dir())
        if self.listener is not None:
            self.listener.start()
        if self.settings.projection == "inline":
            self.runner.start()
            self.scheduler.start()

    def close(self) -> None:
        self.scheduler.stop()  # before the writer it sends commands to
        self.keys.stop()
        self.keysets.stop()
        self.runner.stop()
        if self.listener is not None:
            self.listener.stop()
        self.commands.close()
        self.store.close()
        self.database.close()


def changes_of(log: EventLog, database: Database, timeout: float) -> Changes:
    """How kept rows are checked: one statement on PostgreSQL, where the read model and the
    log share a database; else two queries in a thread."""
    if isinstance(database, PostgresDatabase):
        recorder = cast(ServicePostgresRecorder, log.recorder)
        return PostgresChanges(database.conninfo, recorder.events_table, timeout)
    return ThreadedChanges(database, log)


def open_store(env: dict[str, str]) -> EventStore:
    """The event store, making its tables if needed. Processes starting together (uvicorn
    workers) race on PostgreSQL's catalogue when they make or replace the same objects
    ("tuple concurrently updated"): the loser tries again, and finds them made."""
    for attempt in range(CATALOGUE_ATTEMPTS):
        try:
            return EventStore(env)
        except (InternalError, IntegrityError) as error:
            logger.info("store set-up raced another process (%s); trying again", error)
            time.sleep(0.05 * (attempt + 1))
    return EventStore(env)


def after_save(runner: ProjectionRunner) -> Callable[[list[Recording[UUID]]], None]:
    """What follows each committed store transaction: wake the projection, count the events."""

    def saved(recordings: list[Recording[UUID]]) -> None:
        runner.wake(recordings[-1].notification.id)
        count_appended(recording.notification.topic for recording in recordings)

    return saved


def secrets_vault(settings: Settings, recorder: ServiceRecorder) -> Vault | None:
    """The master key of secrets, checked against the store (``SettingsError`` naming
    ``FAAS_SECRETS_KEY_FILE`` when it cannot be used); ``None`` on PostgreSQL without one.
    On the embedded store the key file is made on first start."""
    path = secrets_key_path(settings.secrets_key_file, settings.database_url)
    if path is None:
        return None
    try:
        if is_embedded(settings.database_url):
            key = read_or_make_key_file(path)
        else:
            key = read_key_file(path)
        return open_vault(recorder, key)
    except MasterKeyError as error:
        raise SettingsError(f"FAAS_SECRETS_KEY_FILE: {error}") from None


def bootstrap(settings: Settings, *, make_tables: bool = False, secrets: bool = False) -> Container:
    """Open the event store and the read model named by the settings (making whichever of
    their tables are missing, or with ``make_tables`` running every statement that makes
    them); with ``secrets``, the master key of secrets too (the service's processes; a
    command that stores no secret leaves it, and the store's side table, alone); nothing
    runs in the background until ``start()``."""
    timeout = settings.store_timeout_seconds
    check_reachable(settings.database_url, timeout_seconds=timeout)
    env = library_env(settings.database_url, timeout_seconds=timeout)
    limits = Limits(
        functions_per_revision=settings.max_functions_per_revision,
        packages_per_account=settings.max_packages_per_account,
        deployments_per_revision=settings.max_deployments_per_revision,
        running_deployments_per_account=settings.max_running_deployments_per_account,
        revisions_per_package=settings.max_revisions_per_package,
        schedules_per_deployment=settings.max_schedules_per_deployment,
        test_inputs_per_function_revision=settings.max_test_inputs_per_function_revision,
    )
    store = open_store(env)
    missing = missing_tables(store, settings.database_url, timeout_seconds=timeout)
    if missing or make_tables:
        store.close()
        store = open_store({**env, "CREATE_TABLE": "y"})
    group_commit = GroupCommit(store)
    try:
        vault = secrets_vault(settings, group_commit.streams.recorder) if secrets else None
    except BaseException:
        store.close()
        raise
    database = read_model_database(settings.database_url, timeout_seconds=timeout)
    ensure_schema(database)
    ensure_notary(database)
    log = EventLog(store)
    projector = Projector(database, log, settings.projection_batch_size)
    if is_outdated(database):
        logger.warning("the read model has an older table shape: rebuilding it from the log")
        rebuild(projector)
    watch = PositionWatch(projector.position, POLL_SECONDS[database.name])
    channel = str(getattr(store.recorder, "channel_name", ""))
    notary = Notary(database, log)
    runner = ProjectionRunner(
        projector,
        database,
        watch,
        channel,
        idle_seconds=IDLE_SECONDS[database.name],
        notary=notary,
        upkeep=partial(purge_expired, database),
    )
    group_commit.on_saved = after_save(runner)
    conninfo = getattr(database, "conninfo", None)
    listener = PositionListener(conninfo, watch) if conninfo else None
    keys = KeyRing(log)
    keys.refresh()
    keysets = KeysetDirectory(log)
    keysets.refresh()
    read_model = ReadModel(database)
    commands = Commands(group_commit, handlers(limits, vault))
    return Container(
        settings,
        store,
        commands,
        database,
        read_model,
        projector,
        runner,
        watch,
        listener,
        keys,
        PackageCache(read_model, changes_of(projector.log, database, timeout)),
        Scheduler(
            commands,
            ScheduleReads(database),
            projector.position,
            scheduler_lock(database),
            check_seconds=CHECK_SECONDS[database.name],
        ),
        notary,
        keysets,
        Catalog(database),
        vault,
    )
