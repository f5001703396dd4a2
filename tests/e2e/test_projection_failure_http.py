"""A projection stopped at an event it cannot apply is visible over HTTP, on both stores:
``/readyz`` fails naming the event, ``/metrics`` carries its position and type."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from service.app import create_app
from service.settings import Settings
from tests.support.unappliable import recorded_failure, write_unappliable_event


def test_readyz_and_metrics_name_the_event_the_projection_cannot_apply(
    own_store_url: str,
) -> None:
    settings = Settings(database_url=own_store_url, store_timeout_seconds=2)
    with TestClient(create_app(settings)) as client:
        container = client.app.state.container  # type: ignore[attr-defined]
        assert client.get("/readyz").status_code == 200
        bad = write_unappliable_event(container)
        recorded_failure(container)

        ready = client.get("/readyz")
        metrics = client.get("/metrics")

    assert ready.status_code == 503
    (error,) = ready.json()["errors"]
    assert error["code"] == "FAAS-503"
    assert f"position {bad} (faas.PackageCreated)" in error["message"]
    families = {family.name: family for family in text_string_to_metric_families(metrics.text)}
    assert [s.value for s in families["faas_projection_failed"].samples] == [1]
    (sample,) = families["faas_projection_failed_position"].samples
    assert (sample.labels, sample.value) == ({"topic": "faas.PackageCreated"}, bad)
    assert families["faas_projection_failed_attempts"].samples[0].value >= 1
