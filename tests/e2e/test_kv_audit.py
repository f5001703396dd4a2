"""Every change of the KV store is an event that says who changed which key, when, through
which request (a counter's with the delta and the value after it), shown by the audit trail
and counted by the metrics; an increment with an Idempotency-Key happens once."""

from __future__ import annotations

from starlette.testclient import TestClient

from commands.kv import COUNTER, STRING, KvPlace
from projections.audit import AuditFilter, records
from service.bootstrap import Container
from tests.e2e.test_metrics import grown, scrape
from tests.support.http import data_of
from tests.support.keys import IssuedKey
from tests.support.kv import KV, register_keyset


def container_of(client: TestClient) -> Container:
    container: Container = client.app.state.container  # type: ignore[attr-defined]
    return container


def test_each_change_records_who_changed_which_key_when_and_through_which_request(
    keyed: tuple[TestClient, IssuedKey],
) -> None:
    client, key = keyed
    container = container_of(client)
    keyset = register_keyset(container, key.account_id)
    start = container.projector.log.head()

    for n, (method, path, body) in enumerate(
        [
            ("POST", f"{KV}/counters/hits/increment", {"value": 5}),
            ("POST", f"{KV}/counters/hits/decrement", None),
            ("PUT", f"{KV}/strings/greeting", {"value": "hi"}),
            ("DELETE", f"{KV}/strings/greeting", None),
        ]
    ):
        headers = {"X-Correlation-Id": f"kv-audit-{n}"}
        answer = client.request(method, path, params=keyset.query, json=body, headers=headers)
        assert answer.status_code in {200, 204}, answer.text

    found = list(records(container.projector.log, AuditFilter(after=start)))
    assert [(r.type, r.correlation_id) for r in found] == [
        ("KvCounterCreated", "kv-audit-0"),
        ("KvCounterChanged", "kv-audit-1"),
        ("KvEntryCreated", "kv-audit-2"),
        ("KvEntryDeleted", "kv-audit-3"),
    ]
    counter = KvPlace(keyset.keyset_id, keyset.registration_id, COUNTER, "hits")
    assert {r.aggregate_id for r in found[:2]} == {str(counter.stream_id)}
    assert [(r.payload["delta"], r.payload["value"]) for r in found[:2]] == [(5, 5), (-1, 4)]
    for record in found:
        assert (record.account_id, record.actor) == (key.account_id, key.key_id)
        assert record.payload["key"] in {"hits", "greeting"}
        assert record.payload["keyset_id"] == keyset.keyset_id
    entry = KvPlace(keyset.keyset_id, keyset.registration_id, STRING, "greeting")
    assert found[2].payload["value"] == "hi"
    assert found[2].aggregate_id == str(entry.stream_id)


def test_keyset_events_never_show_the_page_token_key(keyed: tuple[TestClient, IssuedKey]) -> None:
    client, key = keyed
    container = container_of(client)
    start = container.projector.log.head()

    register_keyset(container, key.account_id)

    found = list(records(container.projector.log, AuditFilter(after=start)))
    assert [r.type for r in found] == ["KeysetAdded", "SubscribeKeyClaimed"]
    assert "token_key" not in found[0].payload
    assert set(found[0].payload) == {"keyset_id", "subscribe_key", "registration_id"}


def test_requests_are_counted_by_route_template_and_events_by_topic(
    keyed: tuple[TestClient, IssuedKey],
) -> None:
    client, key = keyed
    keyset = register_keyset(container_of(client), key.account_id)
    before = scrape(client)

    for _ in range(3):
        data_of(client.post(f"{KV}/counters/page/views/increment", params=keyset.query))
    client.get(f"{KV}/counters/page/views", params=keyset.query)

    by = grown(before, scrape(client))
    increment = {"method": "POST", "route": f"{KV}/counters/{{key:path}}/increment"}
    assert by("faas_http_requests_total", **increment, status="200") == 3
    assert by("faas_events_appended_total", topic="faas.KvCounterCreated") == 1
    assert by("faas_events_appended_total", topic="faas.KvCounterChanged") == 2
    get = {"method": "GET", "route": f"{KV}/counters/{{key:path}}", "status": "200"}
    assert by("faas_http_requests_total", **get) == 1


def test_an_increment_repeated_with_its_idempotency_key_happens_once(
    keyed: tuple[TestClient, IssuedKey],
) -> None:
    client, key = keyed
    keyset = register_keyset(container_of(client), key.account_id)
    path = f"{KV}/counters/orders/increment"
    once = {"Idempotency-Key": "order-17"}

    first = client.post(path, params=keyset.query, json={"value": 2}, headers=once)
    repeat = client.post(path, params=keyset.query, json={"value": 2}, headers=once)
    other = client.post(path, params=keyset.query, json={"value": 3}, headers=once)

    assert data_of(first) == data_of(repeat) == {"key": "orders", "value": 2}
    assert repeat.headers["Idempotent-Replayed"] == "true"
    assert other.status_code == 422
    current = data_of(client.get(f"{KV}/counters/orders", params=keyset.query))
    assert current == {"key": "orders", "value": 2}
