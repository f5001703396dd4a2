"""Secrets over HTTP on both stores: names and times in, never a value out; the errors of
the contract, each writing nothing; who may list, set and delete them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from starlette.testclient import TestClient

from commands.keys import PACKAGE_READ, SECRET_READ, SECRET_WRITE, Grant
from service.bootstrap import Container
from service.settings import Settings
from tests.support.keys import IssuedKey, issue_key, keyed_client
from tests.support.kv import RegisteredKeyset, register_keyset

SECRETS = "/v2/faas/kv/secrets"


def container_of(client: TestClient) -> Container:
    container: Container = client.app.state.container  # type: ignore[attr-defined]
    return container


@pytest.fixture
def keyset(keyed: tuple[TestClient, IssuedKey]) -> RegisteredKeyset:
    client, key = keyed
    return register_keyset(container_of(client), key.account_id)


def names(client: TestClient, keyset: RegisteredKeyset) -> list[str]:
    answer = client.get(SECRETS, params=keyset.query)
    assert answer.status_code == 200, answer.text
    return [entry["key"] for entry in answer.json()["data"]]


def test_a_secret_is_set_listed_by_name_and_deleted(
    client: TestClient, keyset: RegisteredKeyset
) -> None:
    first = client.put(f"{SECRETS}/API_KEY", params=keyset.query, json={"value": "one"})
    second = client.put(f"{SECRETS}/API_KEY", params=keyset.query, json={"value": "two"})
    client.put(f"{SECRETS}/a/b c", params=keyset.query, json={"value": ""})

    assert first.status_code == second.status_code == 200
    assert set(first.json()["data"]) == {"key", "createdDttm", "updatedDttm"}
    assert second.json()["data"]["createdDttm"] == first.json()["data"]["createdDttm"]
    listed = client.get(SECRETS, params=keyset.query).json()["data"]
    assert listed[0] == second.json()["data"]
    assert [entry["key"] for entry in listed] == ["API_KEY", "a/b c"]
    assert client.delete(f"{SECRETS}/API_KEY", params=keyset.query).status_code == 204
    assert client.delete(f"{SECRETS}/API_KEY", params=keyset.query).status_code == 204
    assert client.delete(f"{SECRETS}/never-set", params=keyset.query).status_code == 204
    assert names(client, keyset) == ["a/b c"]


@pytest.mark.parametrize("params", [{"size": "5"}, {"page_token": "x"}])
def test_the_list_takes_no_paging(
    client: TestClient, keyset: RegisteredKeyset, params: dict[str, str]
) -> None:
    answer = client.get(SECRETS, params={**keyset.query, **params})

    assert answer.status_code == 400
    assert answer.json()["errors"][0]["code"] == "FAAS-1029"


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"value": 5}, "$.value"),
        ({}, "$.value"),
        ({"value": "x" * 32_001}, "$.value"),
        ({"value": "a\u0000b"}, "$.value"),
        ({"value": "x", "ttlSeconds": 60}, "$.ttlSeconds"),
        ({"value": "x", "key": "other"}, "$.key"),
    ],
)
def test_a_bad_value_is_refused_naming_its_field_and_writes_nothing(
    client: TestClient, keyset: RegisteredKeyset, body: dict[str, Any], path: str
) -> None:
    answer = client.put(f"{SECRETS}/K", params=keyset.query, json=body)

    assert answer.status_code == 400
    assert answer.json()["errors"][0]["message"].startswith(path)
    assert names(client, keyset) == []


def test_the_largest_value_and_the_longest_key_are_taken(
    client: TestClient, keyset: RegisteredKeyset
) -> None:
    key = "k" * 1000
    answer = client.put(f"{SECRETS}/{key}", params=keyset.query, json={"value": "é" * 32_000})

    assert answer.status_code == 200
    assert (
        client.put(f"{SECRETS}/{key}k", params=keyset.query, json={"value": "x"}).status_code == 400
    )
    assert names(client, keyset) == [key]


def test_subkey_missing_and_unknown_and_another_accounts_answer_as_the_contract_says(
    client: TestClient, keyset: RegisteredKeyset
) -> None:
    other = issue_key(container_of(client))
    theirs = register_keyset(container_of(client), other.account_id)
    client.put(f"{SECRETS}/THEIRS", params=theirs.query, json={"value": "x"}, headers=other.headers)

    for method, path, body in (
        ("GET", SECRETS, None),
        ("PUT", f"{SECRETS}/THEIRS", {"value": "mine now"}),
        ("DELETE", f"{SECRETS}/THEIRS", None),
    ):
        foreign = client.request(method, path, params=theirs.query, json=body)
        unknown = client.request(method, path, params={"subkey": "sub-c-nobody"}, json=body)
        missing = client.request(method, path, json=body)
        assert foreign.status_code == unknown.status_code == missing.status_code == 400
        assert foreign.json()["errors"] == unknown.json()["errors"]
        assert foreign.json()["errors"][0]["code"] == "FAAS-1022"
        assert missing.json()["errors"][0]["code"] == "FAAS-1020"
    their_list = client.get(SECRETS, params=theirs.query, headers=other.headers)
    assert [entry["key"] for entry in their_list.json()["data"]] == ["THEIRS"]


@contextmanager
def client_with(settings: Settings, account_id: int, *grants: Grant) -> Iterator[TestClient]:
    with keyed_client(settings, grants, account_id) as (client, _):
        yield client


def test_the_key_must_hold_the_secret_permission_on_the_keyset(
    settings: Settings, keyed: tuple[TestClient, IssuedKey], keyset: RegisteredKeyset
) -> None:
    account, query = keyed[1].account_id, keyset.query
    put = (f"{SECRETS}/K", {"value": "v"})
    elsewhere = frozenset({keyset.keyset_id + 1})
    scoped = frozenset({keyset.keyset_id})

    with client_with(settings, account, Grant(PACKAGE_READ)) as nothing:
        assert nothing.get(SECRETS, params=query).status_code == 403
    with client_with(settings, account, Grant(SECRET_READ)) as reader:
        assert reader.get(SECRETS, params=query).status_code == 200
        assert reader.put(put[0], params=query, json=put[1]).status_code == 403
        assert reader.delete(put[0], params=query).status_code == 403
    with client_with(settings, account, Grant(SECRET_WRITE, elsewhere)) as other:
        assert other.put(put[0], params=query, json=put[1]).status_code == 403
    with client_with(settings, account, Grant(SECRET_WRITE, scoped)) as writer:
        assert writer.put(put[0], params=query, json=put[1]).status_code == 200
        assert writer.get(SECRETS, params=query).status_code == 403
    with client_with(settings, account, Grant(SECRET_READ, scoped)) as scoped_reader:
        assert [e["key"] for e in scoped_reader.get(SECRETS, params=query).json()["data"]] == ["K"]
