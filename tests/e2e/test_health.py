"""Health endpoints answer without a key and without detail."""

from __future__ import annotations

import gc
import re

import pytest
from starlette.testclient import TestClient

from service import health
from service.app import create_app
from service.collector import YOUNG_GENERATION_THRESHOLD
from service.settings import Settings
from tests.support.keys import issue_key


def test_livez_and_readyz_answer_without_a_key(client: TestClient) -> None:
    client.headers.pop("Authorization", None)

    live = client.get("/livez")
    ready = client.get("/readyz")

    assert (live.status_code, live.json()["data"]) == (200, {"status": "live"})
    assert (ready.status_code, ready.json()["data"]) == (200, {"status": "ready"})


def test_readyz_is_503_when_the_read_model_lags_far_behind(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    container = client.app.state.container  # type: ignore[attr-defined]
    container.runner.stop()
    issue_key(container)
    monkeypatch.setattr(health, "MAX_LAG_EVENTS", 0)

    response = client.get("/readyz")

    assert response.status_code == 503
    (error,) = response.json()["errors"]
    assert error["code"] == "FAAS-503"
    assert re.fullmatch(
        r"Not ready: the read model is \d+ events? behind the log\.", error["message"]
    )


def test_what_start_up_made_is_kept_out_of_full_collections(settings: Settings) -> None:
    gc.unfreeze()
    thresholds = gc.get_threshold()
    gc.set_threshold(700, *thresholds[1:])
    try:
        with TestClient(create_app(settings)) as started:
            assert started.get("/livez").status_code == 200
            assert gc.get_freeze_count() > 0
            assert gc.get_threshold()[0] == YOUNG_GENERATION_THRESHOLD
    finally:
        gc.set_threshold(*thresholds)
