"""Stores of a test's own, by kind, and what a test compares between two of them."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import psycopg

from commands.handlers.deployments import CreateDeployment, StartDeployment, StopDeployments
from commands.handlers.keys import IssueApiKey, RevokeApiKey
from commands.handlers.packages import DeletePackage, UpdatePackage
from commands.keys import PACKAGE_READ, Grant
from projections.database import Database
from projections.parts import TABLES
from service.bootstrap import Container, bootstrap
from service.settings import Settings
from tests.conftest import fresh_postgres_database
from tests.support.commands import context, create_package


@contextmanager
def new_store(kind: str, folder: Path) -> Iterator[str]:
    """The URL of a store made for the caller: a new SQLite file, or a new database."""
    if kind == "sqlite":
        yield f"sqlite:///{folder}/{uuid4().hex[:8]}/faas.sqlite3"
        return
    with fresh_postgres_database() as url:
        yield url


@contextmanager
def opened(url: str) -> Iterator[Container]:
    container = bootstrap(Settings(database_url=url, store_timeout_seconds=5))
    try:
        yield container
    finally:
        container.close()


def run_sql(url: str, *statements: str) -> None:
    """Statements run on the store's own database (its events' file, on SQLite)."""
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
            for statement in statements:
                connection.execute(statement)
        return
    with psycopg.connect(url, autocommit=True) as connection:
        for statement in statements:
            connection.execute(statement)  # type: ignore[call-overload]


def read_model_rows(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the live read model, table by table in key order, as ``rebuild --verify``
    compares them (booleans as SQLite keeps them)."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    with database.read() as cursor:
        for table in TABLES:
            cursor.execute(
                f"SELECT {', '.join(table.column_names)} FROM rm_{table.entity} "
                f"ORDER BY {', '.join(table.key)}"
            )
            rows[table.entity] = [
                tuple(int(v) if isinstance(v, bool) else v for v in row)
                for row in cursor.fetchall()
            ]
    return rows


def some_history(container: Container, packages: int = 3) -> None:
    """Packages with a deployment each, started (then one stopped), a rename, a delete, and
    an API key issued and revoked: events of most types, in several streams."""
    caller = context()
    made = [
        container.commands.run(create_package(functions=2), caller).value for _ in range(packages)
    ]
    for number, package in enumerate(made):
        (revision,) = package.revisions
        deployed = container.commands.run(CreateDeployment(UUID(revision), 100 + number), caller)
        container.commands.run(StartDeployment(UUID(deployed.value.deployment_ids[0])), caller)
    container.commands.run(StopDeployments(package_id=made[-1].id), caller)
    container.commands.run(UpdatePackage(made[0].id, name=f"renamed-{uuid4().hex[:6]}"), caller)
    container.commands.run(DeletePackage(made[-1].id), caller)
    issued = container.commands.run(IssueApiKey("ops", (Grant(PACKAGE_READ),)), caller)
    container.commands.run(RevokeApiKey(issued.value.key.id), caller)
