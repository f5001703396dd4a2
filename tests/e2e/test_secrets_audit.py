"""Every change of a secret is an event that says who changed which key, when and through
which request, never its value (nor its ciphertext), shown by the audit trail and counted by
the metrics by route template; the read model of secrets is rebuilt and verified."""

from __future__ import annotations

from starlette.testclient import TestClient

from commands.secrets import secret_id
from projections.audit import AuditFilter, records
from projections.rebuild import verify
from service.bootstrap import Container
from tests.e2e.test_metrics import grown, scrape
from tests.support.keys import IssuedKey
from tests.support.kv import KV, register_keyset

SECRETS = f"{KV}/secrets"


def container_of(client: TestClient) -> Container:
    container: Container = client.app.state.container  # type: ignore[attr-defined]
    return container


def test_each_change_records_who_changed_which_secret_when_and_never_its_value(
    keyed: tuple[TestClient, IssuedKey],
) -> None:
    client, key = keyed
    container = container_of(client)
    keyset = register_keyset(container, key.account_id)
    start = container.projector.log.head()

    for n, (method, body) in enumerate(
        [("PUT", {"value": "v1"}), ("PUT", {"value": "v2"}), ("DELETE", None)]
    ):
        headers = {"X-Correlation-Id": f"secret-audit-{n}"}
        path = f"{SECRETS}/TOKEN"
        answer = client.request(method, path, params=keyset.query, json=body, headers=headers)
        assert answer.status_code in {200, 204}, answer.text

    found = list(records(container.projector.log, AuditFilter(after=start)))
    assert [(r.type, r.correlation_id) for r in found] == [
        ("SecretCreated", "secret-audit-0"),
        ("SecretSet", "secret-audit-1"),
        ("SecretDeleted", "secret-audit-2"),
    ]
    for record in found:
        assert (record.account_id, record.actor) == (key.account_id, key.key_id)
        assert record.aggregate_id == str(secret_id(keyset.registration_id, "TOKEN"))
        assert record.payload["key"] == "TOKEN"
        assert not {"value", "nonce", "ciphertext"} & set(record.payload)
    container.projector.catch_up()
    assert verify(container.projector) == []


def test_requests_are_counted_by_route_template_and_events_by_topic(
    keyed: tuple[TestClient, IssuedKey],
) -> None:
    client, key = keyed
    keyset = register_keyset(container_of(client), key.account_id)
    before = scrape(client)

    for n in range(2):
        client.put(f"{SECRETS}/db/password", params=keyset.query, json={"value": f"p{n}"})
    client.get(SECRETS, params=keyset.query)

    by = grown(before, scrape(client))
    put = {"method": "PUT", "route": f"{SECRETS}/{{key:path}}", "status": "200"}
    assert by("faas_http_requests_total", **put) == 2
    assert by("faas_http_requests_total", method="GET", route=SECRETS, status="200") == 1
    assert by("faas_events_appended_total", topic="faas.SecretCreated") == 1
    assert by("faas_events_appended_total", topic="faas.SecretSet") == 1
