"""Concurrent increments of one counter never lose one: 8 clients, 500 increments each, on a
real server with two workers on PostgreSQL (each worker's writer batches them, and the two
take turns on the account's lock) end at exactly 4,000, each answer a value of its own."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx2 as httpx
import pytest

from service.bootstrap import bootstrap
from service.settings import Settings
from tests.support.keys import issue_key
from tests.support.kv import KV, register_keyset
from tests.support.server import server_process

pytestmark = pytest.mark.slow

CLIENTS = 8
INCREMENTS = 500


def test_eight_clients_incrementing_one_counter_500_times_each_lose_no_increment(
    postgres_database: str, tmp_path: Path
) -> None:
    container = bootstrap(Settings(database_url=postgres_database))
    try:
        key = issue_key(container)
        keyset = register_keyset(container, key.account_id)
    finally:
        container.close()
    counter = f"{KV}/counters/hot"

    with server_process(postgres_database, workers=2, log=tmp_path / "server.log") as (base, _):

        def increments(_: int) -> list[int]:
            values = []
            with httpx.Client(base_url=base, headers=key.headers, timeout=30) as http:
                for _ in range(INCREMENTS):
                    answer = http.post(f"{counter}/increment", params=keyset.query)
                    assert answer.status_code == 200, answer.text
                    values.append(answer.json()["data"]["value"])
            return values

        with ThreadPoolExecutor(CLIENTS) as clients:
            answered = [
                value for values in clients.map(increments, range(CLIENTS)) for value in values
            ]
        final = httpx.get(f"{base}{counter}", params=keyset.query, headers=key.headers, timeout=30)

    assert len(answered) == CLIENTS * INCREMENTS
    assert sorted(answered) == list(range(1, CLIENTS * INCREMENTS + 1))
    assert final.json()["data"] == {"key": "hot", "value": CLIENTS * INCREMENTS}
