"""Fixtures: every store-touching test runs on a real SQLite file and a real PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from uuid import uuid4

import psycopg
import pytest
from psycopg import sql
from starlette.testclient import TestClient

from service.bootstrap import Container, bootstrap
from service.settings import Settings
from tests.support.environment import in_ci
from tests.support.keys import IssuedKey, keyed_client
from tests.support.secrets import key_file_for

POSTGRES_ADMIN_URL = os.environ.get(
    "FAAS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
STORES = ["sqlite", "postgres"]


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped at its end."""
    with fresh_postgres_database() as url:
        yield url


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """The URL of a new PostgreSQL database, dropped afterwards (skips the test where
    PostgreSQL is not reachable, except in CI, where that fails it)."""
    try:
        admin = psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        if in_ci():
            pytest.fail(f"PostgreSQL must be reachable in CI: {error}")
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: {error}")
    name = f"faas_test_{uuid4().hex[:12]}"
    with admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
        try:
            yield f"{base}/{name}"
        finally:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(params=STORES)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The database URL of one store: a new SQLite file, or the session's PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/faas.sqlite3"
    database: str = request.getfixturevalue("postgres_database")
    return database


@pytest.fixture(params=STORES)
def own_store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A store of the test's own: a new SQLite file, or a new PostgreSQL database (for tests
    that leave a store as no other test could share it, e.g. with its projection stopped)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/faas.sqlite3"
        return
    with fresh_postgres_database() as url:
        yield url


@pytest.fixture
def settings(store_url: str) -> Settings:
    return Settings(
        database_url=store_url, store_timeout_seconds=2, secrets_key_file=key_file_for(store_url)
    )


@pytest.fixture
def container(settings: Settings) -> Iterator[Container]:
    built = bootstrap(settings)
    yield built
    built.close()


@pytest.fixture
def keyed(settings: Settings) -> Iterator[tuple[TestClient, IssuedKey]]:
    """A client of the app with a key (every grant) of an account of its own, and the key."""
    with keyed_client(settings) as pair:
        yield pair


@pytest.fixture
def client(keyed: tuple[TestClient, IssuedKey]) -> TestClient:
    return keyed[0]


@pytest.fixture
def instances(settings: Settings) -> Iterator[list[Container]]:
    """Three service instances on one store, as three processes would be: each has its own
    writer, so their batches meet only in the store (write locks and version checks)."""
    built = [bootstrap(settings) for _ in range(3)]
    yield built
    for instance in built:
        instance.close()
