"""The one place that knows which store we run on: ``FAAS_DATABASE_URL`` → library settings."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, unquote, urlsplit

import psycopg
from psycopg.conninfo import make_conninfo

from commands.persistence.postgres import dead_server_keywords
from commands.persistence.postgres_schema import missing_objects, postgres_objects
from projections.database import Database, PostgresDatabase, SQLiteDatabase
from service.settings import SettingsError
from service.store_errors import StoreUnreachableError, describe_refusal

DEFAULT_POSTGRES_HOST = "127.0.0.1"


def library_env(database_url: str, *, timeout_seconds: int) -> dict[str, str]:
    """The ``eventsourcing`` settings for a database URL; makes the SQLite folder if needed."""
    parts = urlsplit(database_url)
    if parts.scheme == "sqlite":
        return _sqlite_env(parts, timeout_seconds)
    if parts.scheme in {"postgresql", "postgres"}:
        return _postgres_env(parts, timeout_seconds)
    raise SettingsError(
        "FAAS_DATABASE_URL: expected sqlite:///path/file.sqlite3 "
        "or postgresql://user[:password]@host[:port]/db (or postgres://…)"
    )


def is_embedded(database_url: str) -> bool:
    """True for the embedded SQLite store."""
    return urlsplit(database_url).scheme == "sqlite"


def read_model_database(database_url: str, *, timeout_seconds: int) -> Database:
    """The read model's database: a SQLite file beside the event store's (so projection
    writes never hold the event store's write lock), or the same PostgreSQL database."""
    env = library_env(database_url, timeout_seconds=timeout_seconds)
    if "SQLITE_DBNAME" in env:
        events = Path(env["SQLITE_DBNAME"])
        path = events.with_name(f"{events.stem}.read-model{events.suffix}")
        return SQLiteDatabase(str(path), timeout_seconds=timeout_seconds)
    conninfo = _conninfo(env, timeout_seconds)
    return PostgresDatabase(conninfo, timeout_seconds=timeout_seconds)


def secrets_key_path(settings_path: str | None, database_url: str) -> Path | None:
    """The master key's file: the one configured, else on the embedded store a file beside
    the database's (made on first start); ``None`` on PostgreSQL without one."""
    if settings_path:
        return Path(settings_path)
    parts = urlsplit(database_url)
    if parts.scheme != "sqlite":
        return None
    events = Path(unquote(parts.path.removeprefix("/")))
    return events.with_name(f"{events.stem}.secrets.key")


def check_reachable(database_url: str, *, timeout_seconds: int) -> None:
    """On PostgreSQL, connect once, so that a server that refuses connections, a password it
    rejects or a database it lacks is named as such (``StoreUnreachableError``), rather than
    left to a pool that only says it got no connection in time. Nothing to do on SQLite."""
    env = library_env(database_url, timeout_seconds=timeout_seconds)
    if "POSTGRES_DBNAME" not in env:
        return
    try:
        psycopg.connect(_conninfo(env, timeout_seconds)).close()
    except psycopg.OperationalError as error:
        raise StoreUnreachableError(describe_refusal(str(error), env, timeout_seconds)) from None


def missing_tables(application: Any, database_url: str, *, timeout_seconds: int) -> list[str]:
    """The tables, indexes and types of the event store that its database lacks (PostgreSQL;
    on SQLite the library makes what is missing itself)."""
    env = library_env(database_url, timeout_seconds=timeout_seconds)
    if "POSTGRES_DBNAME" not in env:
        return []
    return missing_objects(_conninfo(env, timeout_seconds), postgres_objects(application))


def _conninfo(env: dict[str, str], timeout_seconds: int) -> str:
    return make_conninfo(
        dbname=env["POSTGRES_DBNAME"],
        host=env["POSTGRES_HOST"],
        port=env["POSTGRES_PORT"],
        user=env["POSTGRES_USER"],
        password=env["POSTGRES_PASSWORD"],
        connect_timeout=str(timeout_seconds),
        **dead_server_keywords(timeout_seconds),
    )


def _sqlite_env(parts: SplitResult, timeout_seconds: int) -> dict[str, str]:
    if parts.netloc or not parts.path.removeprefix("/"):
        raise SettingsError("FAAS_DATABASE_URL: expected sqlite:///path/file.sqlite3")
    path = Path(unquote(parts.path.removeprefix("/")))
    path.parent.mkdir(parents=True, exist_ok=True)
    return {
        "PERSISTENCE_MODULE": "commands.persistence.sqlite:Factory",
        "SQLITE_DBNAME": str(path),
        "SQLITE_LOCK_TIMEOUT": str(timeout_seconds),
        "CREATE_TABLE": "y",
    }


def _postgres_env(parts: SplitResult, timeout_seconds: int) -> dict[str, str]:
    dbname = unquote(parts.path.removeprefix("/"))
    if not dbname or "/" in dbname:
        raise SettingsError("FAAS_DATABASE_URL: the PostgreSQL URL must name a database")
    try:
        port = parts.port or 5432
    except ValueError:
        raise SettingsError("FAAS_DATABASE_URL: the port must be a number") from None
    return {
        "PERSISTENCE_MODULE": "commands.persistence.postgres:Factory",
        "POSTGRES_DBNAME": dbname,
        # Always TCP, never the unix socket: psycopg's pipeline mode has been seen to
        # hang over the socket on statements of about 1 MB (a maximum-size create).
        "POSTGRES_HOST": parts.hostname or DEFAULT_POSTGRES_HOST,
        "POSTGRES_PORT": str(port),
        "POSTGRES_USER": unquote(parts.username or getpass.getuser()),
        "POSTGRES_PASSWORD": unquote(parts.password or ""),
        "POSTGRES_CONNECT_TIMEOUT": str(timeout_seconds),
        "POSTGRES_LOCK_TIMEOUT": str(timeout_seconds),
        "POSTGRES_PRE_PING": "y",
        # Made only when some are missing: ``bootstrap`` looks first
        # (``commands.persistence.postgres_schema``).
        "CREATE_TABLE": "n",
    }
