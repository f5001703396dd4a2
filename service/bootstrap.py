"""The composition root: everything the service runs on is built here, from settings."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from commands.application import Limits, PackagesApplication
from projections.database import Database
from projections.keyring import KeyRing
from projections.projector import Projector
from projections.queries import ReadModel
from projections.rebuild import rebuild
from projections.runner import ProjectionRunner
from projections.schema import ensure_schema, is_outdated
from projections.source import EventLog
from projections.watch import PositionListener, PositionWatch
from service.settings import Settings
from service.store import library_env, read_model_database

logger = logging.getLogger("faas.service")

# How long an idle leader waits before looking at the log again without being woken: long
# on PostgreSQL (every write wakes it by NOTIFY), short on SQLite (writes from other
# processes are only seen by looking).
IDLE_SECONDS = {"postgres": 1.0, "sqlite": 0.02}


@dataclass(frozen=True, slots=True)
class Container:
    """What ``bootstrap`` builds; routes, scripts and tests use it."""

    settings: Settings
    packages: PackagesApplication
    database: Database
    read_model: ReadModel
    projector: Projector
    runner: ProjectionRunner
    watch: PositionWatch
    listener: PositionListener | None
    keys: KeyRing

    def start(self) -> None:
        """Start the background work this process does: projecting (if configured here) and
        hearing how far the read model has come."""
        self.keys.start()
        if self.listener is not None:
            self.listener.start()
        if self.settings.projection == "inline":
            self.runner.start()

    def close(self) -> None:
        self.keys.stop()
        self.runner.stop()
        if self.listener is not None:
            self.listener.stop()
        self.packages.close()
        self.database.close()


def bootstrap(settings: Settings) -> Container:
    """Open the event store and the read model named by the settings (making their tables
    on first start); nothing runs in the background until ``start()``."""
    timeout = settings.store_timeout_seconds
    env = library_env(settings.database_url, timeout_seconds=timeout)
    limits = Limits(
        functions_per_revision=settings.max_functions_per_revision,
        packages_per_account=settings.max_packages_per_account,
        deployments_per_revision=settings.max_deployments_per_revision,
        running_deployments_per_account=settings.max_running_deployments_per_account,
    )
    packages = PackagesApplication(env, limits)
    database = read_model_database(settings.database_url, timeout_seconds=timeout)
    ensure_schema(database)
    projector = Projector(database, EventLog(packages), settings.projection_batch_size)
    if is_outdated(database):
        logger.warning("the read model has an older table shape: rebuilding it from the log")
        rebuild(projector)
    watch = PositionWatch(projector.position)
    channel = str(getattr(packages.recorder, "channel_name", ""))
    runner = ProjectionRunner(
        projector, database, watch, channel, idle_seconds=IDLE_SECONDS[database.name]
    )
    packages.on_saved = runner.wake
    conninfo = getattr(database, "conninfo", None)
    listener = PositionListener(conninfo, watch) if conninfo else None
    keys = KeyRing(packages)
    keys.refresh()
    return Container(
        settings, packages, database, ReadModel(database), projector, runner, watch, listener, keys
    )
