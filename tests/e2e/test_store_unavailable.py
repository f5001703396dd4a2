"""An unreachable or stuck store is a 503 with ``Retry-After``, and nothing half-written."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from service.app import create_app
from service.bootstrap import Container, bootstrap
from service.settings import Settings
from tests.support.builders import package_body
from tests.support.keys import keyed_client
from tests.support.postgres_outage import ProxiedStore, proxied
from tests.support.waiting import wait_until

URL = "/v2/faas/packages"
OUTAGE_SECONDS = 4


def assert_unavailable(response: object) -> None:
    assert response.status_code == 503, response.text  # type: ignore[attr-defined]
    assert response.headers["retry-after"]  # type: ignore[attr-defined]
    assert response.json()["errors"][0]["code"] == "FAAS-503"  # type: ignore[attr-defined]


def test_a_locked_sqlite_store_is_503_and_the_create_is_not_written(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/faas.sqlite3", store_timeout_seconds=1)
    body = package_body()
    with keyed_client(settings) as (client, _):
        holder = sqlite3.connect(tmp_path / "faas.sqlite3", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            response = client.post(URL, json=body)
        finally:
            holder.execute("ROLLBACK")
            holder.close()

        assert_unavailable(response)
        assert client.post(URL, json=body).status_code == 201


@pytest.fixture
def proxied_postgres(postgres_database: str) -> Iterator[ProxiedStore]:
    with proxied(postgres_database) as store:
        yield store


def test_an_unreachable_postgres_is_503_and_the_service_recovers_without_restart(
    proxied_postgres: ProxiedStore,
) -> None:
    store = proxied_postgres
    settings = Settings(database_url=store.url, store_timeout_seconds=1)
    with keyed_client(settings) as (client, _):
        created = client.post(URL, json=package_body())
        assert created.status_code == 201
        store.down()
        body = package_body()

        assert_unavailable(client.post(URL, json=body))
        assert_unavailable(client.get(f"{URL}/{created.json()['data']['id']}"))
        # Down long enough for the pools' own retries to back off past the store's timeout.
        time.sleep(OUTAGE_SECONDS)

        store.up()
        assert client.post(URL, json=body).status_code == 201
        assert client.get(f"{URL}/{created.json()['data']['id']}").status_code == 200


def test_a_store_still_opening_when_the_app_stops_is_closed_once_it_opens(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = threading.Event()
    attempts: list[Settings] = []
    opened: list[Container] = []

    def bootstrap_once_the_store_is_there(given: Settings, **options: bool) -> Container:
        attempts.append(given)
        if len(attempts) == 1:
            raise OSError("the store is not there yet")
        gate.wait(30)
        opened.append(bootstrap(given, **options))
        return opened[-1]

    monkeypatch.setattr("service.app.bootstrap", bootstrap_once_the_store_is_there)
    with TestClient(create_app(settings)) as client:
        assert wait_until(lambda: len(attempts) == 2)  # the second attempt, in the background
        assert_unavailable(client.get("/readyz"))
    gate.set()  # the app has stopped; the store opens only now

    assert wait_until(lambda: bool(opened))
    assert wait_until(lambda: opened[0].commands.group_commit.writer.stopped)
