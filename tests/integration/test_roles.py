"""Production roles on PostgreSQL: ``faas-packages init``, run as the owner, makes the tables;
``serve`` then runs as a role that may read and write rows and nothing else (made here with
the grants of ``docs/deploy/postgres-roles.sql``), and goes on working after the owner rebuilds
the read model into new tables."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit
from uuid import uuid4

import httpx2 as httpx
import psycopg
import pytest
from psycopg import sql

from tests.conftest import POSTGRES_ADMIN_URL, fresh_postgres_database
from tests.support.builders import package_body
from tests.support.server import ROOT, run_cli, server_process

GRANTS = ROOT / "docs" / "deploy" / "postgres-roles.sql"
PACKAGES = "/v2/faas/packages"


def test_serve_runs_as_a_role_that_may_not_change_the_schema(tmp_path: Path) -> None:
    # The role outlives the database, whose grants to it go with it.
    with new_role_name() as role, fresh_postgres_database() as owner_url:
        service_url = as_role(owner_url, role)
        assert run_cli(owner_url, "init").returncode == 0
        grant_as_documented(owner_url, role)
        with (
            pytest.raises(psycopg.errors.InsufficientPrivilege),  # the test's premise
            psycopg.connect(service_url) as connection,
        ):
            connection.execute("CREATE TABLE faas_probe (id int)")
        key = issued_key(service_url)
        log = tmp_path / "server.log"
        with server_process(service_url, workers=2, log=log) as (base, _):
            first = create(base, key)
            read = httpx.get(f"{base}{PACKAGES}/{first}", headers=auth(key), timeout=10)
            ready = httpx.get(f"{base}/readyz", timeout=10)
            rebuilt = run_cli(owner_url, "rebuild")
            second = create(base, key)
            listed = httpx.get(f"{base}{PACKAGES}", headers=auth(key), timeout=10)

    assert read.status_code == 200, read.text
    assert ready.status_code == 200, ready.text
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert {package["id"] for package in listed.json()["data"]} == {first, second}


@contextmanager
def new_role_name() -> Iterator[str]:
    """A role name no one uses; the role (that the grants file makes) is dropped afterwards."""
    role = f"faas_service_{uuid4().hex[:8]}"
    try:
        yield role
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


def as_role(url: str, role: str) -> str:
    parts = urlsplit(url)
    return parts._replace(netloc=f"{role}@{parts.hostname}:{parts.port or 5432}").geturl()


def grant_as_documented(owner_url: str, role: str) -> None:
    """Run the README's grants file with psql, as its comment says."""
    psql = shutil.which("psql")
    if psql is None:
        pytest.skip("psql is not installed")
    parts = urlsplit(owner_url)
    done = subprocess.run(
        [
            psql, "-X", "-q", "-v", "ON_ERROR_STOP=1",
            "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432),
            "-U", parts.username or "postgres", "-d", parts.path.lstrip("/"),
            "-v", f"service_role={role}", "-v", f"owner_role={parts.username}",
            "-f", str(GRANTS),
        ],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def issued_key(url: str) -> str:
    made = run_cli(
        url, "keys", "create", "--account", "3",
        "--grant", "functions.package:read", "--grant", "functions.package:write",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    return made.stdout.split("key:")[1].split()[0]


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def create(base: str, key: str) -> str:
    created = httpx.post(f"{base}{PACKAGES}", json=package_body(), headers=auth(key), timeout=10)
    assert created.status_code == 201, created.text
    assert "X-Read-Model-Stale" not in created.headers
    package_id: str = created.json()["data"]["id"]
    return package_id
