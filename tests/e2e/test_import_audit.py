"""An import in the audit trail and the metrics: one request's events (the package made from
the blueprint's id and version, its revision, functions, test inputs and deployment), shown by
the package's events and by replay; a read model that a rebuild makes again the same; and the
route counted by its template."""

from __future__ import annotations

from uuid import UUID

from starlette.testclient import TestClient

from projections.audit import AuditFilter, records
from projections.rebuild import verify
from service.bootstrap import Container
from service.wire.common import MAX_KEYSET_ID
from tests.e2e.test_metrics import grown, scrape
from tests.support.blueprints import imports_path, publish
from tests.support.http import BASE, data_of
from tests.support.keys import IssuedKey
from tests.support.kv import register_keyset

ROUTE = "/v2/faas/package-blueprints/{package_blueprint_id}/packages"


def container_of(client: TestClient) -> Container:
    container: Container = client.app.state.container  # type: ignore[attr-defined]
    return container


def test_the_audit_trail_shows_the_import_with_the_blueprint_and_its_version(
    keyed: tuple[TestClient, IssuedKey],
) -> None:
    client, key = keyed
    container = container_of(client)
    keyset = register_keyset(container, key.account_id, MAX_KEYSET_ID)
    blueprint = publish(container)
    body = {"keysetId": keyset.keyset_id, "params": {"WEBHOOK_URL": "https://x"}}

    answer = client.post(imports_path(blueprint), json=body, headers={"X-Correlation-Id": "imp-1"})

    package = data_of(answer, 201)
    trail = data_of(client.get(f"{BASE}/packages/{package['id']}/events", params={"size": 100}))
    assert sorted(r["type"] for r in trail) == sorted(
        ["PackageCreated", "RevisionAdded", "FunctionsRegistered", "DeploymentCreated"]
        + ["TestInputAdded"] * 3
    )
    (created,) = [r for r in trail if r["type"] == "PackageCreated"]
    assert created["payload"]["package_blueprint_id"] == str(blueprint)
    assert created["payload"]["package_blueprint_version"] == "1.0.0"
    assert {(r["correlationId"], r["actor"]) for r in trail} == {("imp-1", key.key_id)}
    replayed = list(records(container.projector.log, AuditFilter(correlation_id="imp-1")))
    assert [r.position for r in replayed if r.aggregate_id == package["id"]] == sorted(
        r["position"] for r in trail
    )
    assert {r.type for r in replayed} >= {"PackageNameClaimed", "EntityLocated"}
    assert verify(container.projector) == []


def test_imports_are_counted_by_their_route_template(
    keyed: tuple[TestClient, IssuedKey],
) -> None:
    client, key = keyed
    container = container_of(client)
    keyset = register_keyset(container, key.account_id, MAX_KEYSET_ID)
    blueprint = publish(container)
    before = scrape(client)

    client.post(imports_path(blueprint), json={"keysetId": keyset.keyset_id, "params": {}})
    client.post(imports_path(UUID(int=1)), json={"keysetId": keyset.keyset_id})

    by = grown(before, scrape(client))
    assert by("faas_http_requests_total", method="POST", route=ROUTE, status="400") == 1
    assert by("faas_http_requests_total", method="POST", route=ROUTE, status="404") == 1
