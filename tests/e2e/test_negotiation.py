"""Routing and media types: no redirect ever (an unknown path is a 404 envelope); the API's
routes answer JSON only, and say so with a 406 that is logged and counted like any answer;
the operational endpoints answer their own media type whatever the client accepts."""

from __future__ import annotations

import logging
from uuid import uuid4

import pytest
from starlette.testclient import TestClient

from tests.e2e.test_metrics import grown, parse, scrape

PACKAGES = "/v2/faas/packages"


@pytest.mark.parametrize(
    "path", [f"{PACKAGES}/", "/livez/", f"{PACKAGES}/{uuid4()}/", "/v2/faas/openapi.json/"]
)
def test_a_path_with_a_slash_too_many_is_a_404_envelope_not_a_redirect(
    client: TestClient, path: str
) -> None:
    response = client.get(path, headers={"Host": "elsewhere.example"}, follow_redirects=False)

    assert response.status_code == 404
    assert "location" not in response.headers
    assert response.json()["errors"][0]["code"] == "FAAS-404"


@pytest.mark.parametrize(
    ("path", "accept", "media_type"),
    [
        ("/metrics", "text/plain", "text/plain"),
        ("/docs", "text/html", "text/html"),
        ("/livez", "text/plain", "application/json"),
        ("/readyz", "text/html", "application/json"),
        ("/v2/faas/openapi.json", "text/html", "application/json"),
    ],
)
def test_operational_endpoints_answer_their_own_media_type_whatever_is_accepted(
    client: TestClient, path: str, accept: str, media_type: str
) -> None:
    response = client.get(path, headers={"Accept": accept})

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(media_type)


def test_an_api_route_answers_406_to_an_accept_without_json_logged_and_counted(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    before = scrape(client)

    with caplog.at_level(logging.INFO, logger="faas.access"):
        response = client.get(
            PACKAGES, headers={"Accept": "text/html", "X-Correlation-Id": "accept-406"}
        )

    assert response.status_code == 406
    assert response.json()["errors"][0]["code"] == "FAAS-406"
    [line] = [r for r in caplog.records if getattr(r, "correlation_id", None) == "accept-406"]
    assert (line.route, line.status) == (PACKAGES, 406)  # type: ignore[attr-defined]
    by = grown(before, parse(client.get("/metrics").text))
    assert by("faas_http_requests_total", method="GET", route=PACKAGES, status="406") == 1
