"""A PostgreSQL that cannot be used as configured is named as such, in one line: a server that
refuses connections, a password it rejects, a database it lacks. And ``postgres://`` is a
PostgreSQL URL as well as ``postgresql://``."""

from __future__ import annotations

from urllib.parse import urlsplit
from uuid import uuid4

import pytest

from tests.conftest import POSTGRES_ADMIN_URL
from tests.support.postgres_outage import ClusterUnavailableError, private_cluster
from tests.support.server import free_port, run_cli

# serve stops before it listens, when the store cannot be used.
COMMANDS = [("serve", "--port", str(free_port())), ("keys", "list")]


def one_error_line(url: str, command: tuple[str, ...]) -> str:
    finished = run_cli(url, *command, env={"FAAS_STORE_TIMEOUT_SECONDS": "3"}, timeout=60)
    assert finished.returncode == 1, finished.stdout + finished.stderr
    assert "Traceback" not in finished.stderr
    (line,) = finished.stderr.strip().splitlines()
    return line


@pytest.mark.parametrize("command", COMMANDS)
def test_a_server_that_refuses_connections_is_named(command: tuple[str, ...]) -> None:
    port = free_port()  # nothing listens there

    line = one_error_line(f"postgresql://postgres@127.0.0.1:{port}/faas", command)

    assert f"PostgreSQL at 127.0.0.1:{port} refuses connections" in line


@pytest.mark.parametrize("command", COMMANDS)
def test_a_database_the_server_lacks_is_named(command: tuple[str, ...]) -> None:
    reachable(POSTGRES_ADMIN_URL)
    name = f"faas_missing_{uuid4().hex[:8]}"
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"

    line = one_error_line(url, command)

    assert f'has no database "{name}"' in line


def test_a_rejected_password_is_named() -> None:
    try:
        with private_cluster(password="the-right-one") as cluster:
            wrong = cluster.url.replace("the-right-one", "a-wrong-one")
            line = one_error_line(wrong, ("keys", "list"))
            right = run_cli(cluster.url, "keys", "list")
    except ClusterUnavailableError as error:
        pytest.skip(str(error))

    assert 'rejected the password of user "postgres"' in line
    assert "a-wrong-one" not in line
    assert right.returncode == 0, right.stderr


def test_postgres_urls_of_either_scheme_reach_the_same_store(postgres_database: str) -> None:
    short = "postgres://" + postgres_database.removeprefix("postgresql://")

    made = run_cli(short, "keys", "create", "--account", "7", "--grant", "functions.package:read")
    listed = run_cli(postgres_database, "keys", "list", "--account", "7")

    assert made.returncode == 0, made.stderr
    key_id = made.stdout.split()[2]
    assert key_id in listed.stdout


def reachable(url: str) -> None:
    import psycopg

    try:
        psycopg.connect(url, connect_timeout=3).close()
    except psycopg.OperationalError as error:
        pytest.skip(f"PostgreSQL not reachable at {urlsplit(url).netloc}: {error}")
