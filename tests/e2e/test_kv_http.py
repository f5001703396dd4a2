"""The KV store over HTTP on both stores: each kind's routes and rules, counters, expiry,
paging by token, keys with any character, and what every change records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest
from starlette.testclient import TestClient

from commands.context import CommandContext
from commands.handlers.kv import WriteKvValue
from commands.kv import STRING, KvPlace
from service.bootstrap import Container
from tests.support.http import data_of
from tests.support.keys import IssuedKey
from tests.support.kv import KV, RegisteredKeyset, register_keyset

MAX = 2**63 - 1


@pytest.fixture
def keyset(keyed: tuple[TestClient, IssuedKey]) -> RegisteredKeyset:
    client, key = keyed
    return register_keyset(client.app.state.container, key.account_id)  # type: ignore[attr-defined]


def error_of(response: Any, status: int = 400) -> tuple[str, str]:
    assert response.status_code == status, response.text
    (error,) = response.json()["errors"]
    return error["code"], error["message"]


def test_a_string_is_written_read_listed_and_deleted(
    client: TestClient, keyset: RegisteredKeyset
) -> None:
    before = datetime.now(UTC)
    written = data_of(
        client.put(f"{KV}/strings/greeting", params=keyset.query, json={"value": "hi"})
    )

    expires = datetime.fromisoformat(written["expiresDttm"].replace("Z", "+00:00"))
    assert (written["key"], written["value"]) == ("greeting", "hi")
    assert (
        before + timedelta(days=1, seconds=-1) <= expires <= datetime.now(UTC) + timedelta(days=1)
    )
    assert data_of(client.get(f"{KV}/strings/greeting", params=keyset.query)) == written
    assert data_of(client.get(f"{KV}/strings", params=keyset.query)) == [written]
    assert client.delete(f"{KV}/strings/greeting", params=keyset.query).status_code == 204
    assert error_of(client.get(f"{KV}/strings/greeting", params=keyset.query)) == (
        "FAAS-1021",
        "Key not found",
    )
    assert client.delete(f"{KV}/strings/greeting", params=keyset.query).status_code == 204
    assert client.delete(f"{KV}/strings/never-written", params=keyset.query).status_code == 204


def test_a_json_value_comes_back_as_sent_and_its_bounds_hold(
    client: TestClient, keyset: RegisteredKeyset
) -> None:
    value = {"theme": "dark", "sizes": [12, 14.5], "nested": {"ok": None, "big": 2**70}}
    put = client.put(
        f"{KV}/jsons/settings", params=keyset.query, json={"value": value, "ttlSeconds": 20}
    )

    assert data_of(put)["value"] == value
    assert data_of(client.get(f"{KV}/jsons/settings", params=keyset.query))["value"] == value
    for body, rule in [
        ({"value": "x" * 32_000}, "$.value: at most 32,000 bytes as JSON"),
        ({"value": _nested(65)}, "$.value: at most 64 levels"),
        ({"value": 1, "ttlSeconds": 19}, "$.ttlSeconds"),
        ({"value": 1, "ttlSeconds": 31_536_001}, "$.ttlSeconds"),
        ({"value": 1, "expiresDttm": "2030-01-01T00:00:00.000Z"}, "$.expiresDttm: read-only"),
        ({}, "$.value: required field is missing"),
    ]:
        code, message = error_of(client.put(f"{KV}/jsons/settings", params=keyset.query, json=body))
        assert (code, message[: len(rule)]) == ("FAAS-400", rule)
    assert (
        data_of(client.put(f"{KV}/jsons/null", params=keyset.query, json={"value": None}))["value"]
        is None
    )
    assert data_of(client.put(f"{KV}/jsons/deep", params=keyset.query, json={"value": _nested(64)}))


def _nested(levels: int) -> Any:
    value: Any = 0
    for _ in range(levels):
        value = [value]
    return value


def test_string_values_are_at_most_32000_characters(
    client: TestClient, keyset: RegisteredKeyset
) -> None:
    longest = "界" * 32_000
    assert data_of(client.put(f"{KV}/strings/long", params=keyset.query, json={"value": longest}))
    code, message = error_of(
        client.put(f"{KV}/strings/long", params=keyset.query, json={"value": longest + "x"})
    )
    assert (code, message.startswith("$.value")) == ("FAAS-400", True)
    assert data_of(client.get(f"{KV}/strings/long", params=keyset.query))["value"] == longest


def test_a_counter_is_set_incremented_and_decremented_and_never_passes_its_range(
    client: TestClient, keyset: RegisteredKeyset
) -> None:
    hits = f"{KV}/counters/hits"
    assert data_of(client.post(f"{hits}/increment", params=keyset.query)) == {
        "key": "hits",
        "value": 1,
    }
    assert data_of(client.put(hits, params=keyset.query, json={"value": 10}))["value"] == 10
    assert (
        data_of(client.post(f"{hits}/increment", params=keyset.query, json={"value": 5}))["value"]
        == 15
    )
    assert (
        data_of(client.post(f"{hits}/decrement", params=keyset.query, content=b""))["value"] == 14
    )
    data_of(client.put(hits, params=keyset.query, json={"value": MAX - 1}))

    assert data_of(client.post(f"{hits}/increment", params=keyset.query))["value"] == MAX
    code, message = error_of(client.post(f"{hits}/increment", params=keyset.query))
    assert (code, "64-bit range" in message) == ("FAAS-400", True)
    assert data_of(client.get(hits, params=keyset.query)) == {"key": "hits", "value": MAX}
    code, _ = error_of(client.put(hits, params=keyset.query, json={"value": MAX + 1}))
    assert code == "FAAS-400"
    code, message = error_of(
        client.put(hits, params=keyset.query, json={"value": 1, "ttlSeconds": 30})
    )
    assert message == "$.ttlSeconds: unknown field"
    assert client.delete(hits, params=keyset.query).status_code == 204
    assert data_of(client.post(f"{hits}/decrement", params=keyset.query))["value"] == -1


def test_an_entry_past_its_time_is_gone_for_every_read_at_once(
    keyed: tuple[TestClient, IssuedKey], keyset: RegisteredKeyset
) -> None:
    client, key = keyed
    container: Container = client.app.state.container  # type: ignore[attr-defined]
    yesterday = CommandContext(key.account_id, "test", "old", datetime.now(UTC) - timedelta(1))
    place = KvPlace(keyset.keyset_id, keyset.registration_id, STRING, "old")
    container.commands.run(WriteKvValue(place, "stale", 20), yesterday)
    data_of(client.put(f"{KV}/strings/fresh", params=keyset.query, json={"value": "x"}))

    assert error_of(client.get(f"{KV}/strings/old", params=keyset.query))[0] == "FAAS-1021"
    listed = data_of(client.get(f"{KV}/strings", params=keyset.query))
    assert [entry["key"] for entry in listed] == ["fresh"]


def test_lists_page_by_token_in_key_order_with_a_prefix(
    client: TestClient, keyset: RegisteredKeyset
) -> None:
    keys = [f"user/{n:03}" for n in range(45)] + ["other"]
    for key in keys:
        data_of(client.post(f"{KV}/counters/{key}/increment", params=keyset.query))

    seen: list[str] = []
    tokens: list[str | None] = []
    params: dict[str, str] = {**keyset.query, "prefix": "user/", "size": "20"}
    while True:
        page = client.get(f"{KV}/counters", params=params)
        seen += [entry["key"] for entry in data_of(page)]
        tokens.append(page.json()["meta"].get("nextPageToken"))
        if tokens[-1] is None:
            break
        params["page_token"] = str(tokens[-1])

    assert seen == sorted(keys[:-1])
    assert len(tokens) == 3
    assert [e["key"] for e in data_of(client.get(f"{KV}/counters", params=keyset.query))][:2] == [
        "other",
        "user/000",
    ]


def test_a_changed_or_foreign_page_token_is_refused(
    client: TestClient, keyset: RegisteredKeyset, keyed: tuple[TestClient, IssuedKey]
) -> None:
    other = register_keyset(client.app.state.container, keyed[1].account_id)  # type: ignore[attr-defined]
    for target in (keyset, other):
        for n in range(3):
            data_of(client.post(f"{KV}/counters/k{n}/increment", params=target.query))
    page = client.get(f"{KV}/counters", params={**keyset.query, "size": "1"})
    token = page.json()["meta"]["nextPageToken"]

    for params in [
        {**keyset.query, "page_token": token[:-1] + ("A" if token[-1] != "A" else "B")},
        {**other.query, "page_token": token},
        {**keyset.query, "page_token": token, "prefix": "k"},
        {**keyset.query, "page_token": "garbage"},
    ]:
        assert error_of(client.get(f"{KV}/counters", params=params))[0] == "FAAS-1018"
    assert (
        error_of(client.get(f"{KV}/strings", params={**keyset.query, "page_token": token}))[0]
        == "FAAS-1018"
    )
    assert (
        error_of(client.get(f"{KV}/counters", params={**keyset.query, "size": "101"}))[0]
        == "FAAS-1019"
    )
    second = data_of(client.get(f"{KV}/counters", params={**keyset.query, "page_token": token}))
    assert [entry["key"] for entry in second] == ["k1", "k2"]


@pytest.mark.parametrize("key", ["a/b/c", "with space", "ü?&#=", "..x", "k" * 1000])
def test_keys_may_hold_any_character_but_nul(
    client: TestClient, keyset: RegisteredKeyset, key: str
) -> None:
    path = f"{KV}/strings/{quote(key, safe='')}"
    assert data_of(client.put(path, params=keyset.query, json={"value": "v"}))["key"] == key
    assert data_of(client.get(path, params=keyset.query))["key"] == key


def test_keys_out_of_bounds_are_refused_and_an_empty_one_is_no_route(
    client: TestClient, keyset: RegisteredKeyset
) -> None:
    too_long = client.put(f"{KV}/strings/{'k' * 1001}", params=keyset.query, json={"value": "v"})
    with_nul = client.get(f"{KV}/strings/a%00b", params=keyset.query)
    empty = client.get(f"{KV}/strings/", params=keyset.query)

    assert error_of(too_long) == ("FAAS-400", "key: 1 to 1,000 characters, without NUL")
    assert error_of(with_nul)[0] == "FAAS-400"
    assert error_of(empty, 404) == ("FAAS-404", "Not found: no such route")
