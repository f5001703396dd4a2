"""The docs page renders the operations in a real browser, and asks nothing of anyone but the
service: opened under a host name other than localhost (where Swagger UI would otherwise send
the document's address to its online validator), every request the page makes, as Chromium's
network log records them, goes to the service."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from starlette.testclient import TestClient

from tests.support.server import running_server

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# A name the browser resolves to the test's server, and nothing else does.
HOST = "faas-docs.test"


def test_the_docs_page_shows_the_operations_and_reaches_nothing_but_the_service(
    tmp_path: Path,
) -> None:
    if CHROMIUM is None:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail("Chromium must be installed in CI (.ci/run installs it)")
        pytest.skip("Chromium is not installed")
    netlog = tmp_path / "netlog.json"
    with running_server(f"sqlite:///{tmp_path}/faas.sqlite3", cwd=tmp_path) as base:
        origin = f"http://{HOST}:{urlsplit(base).port}"
        rendered = subprocess.run(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={tmp_path / 'profile'}",
                f"--host-resolver-rules=MAP {HOST} 127.0.0.1",
                f"--log-net-log={netlog}",
                "--virtual-time-budget=15000",
                "--dump-dom",
                f"{origin}/docs",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    assert "Create a package with its first revision" in rendered.stdout, rendered.stderr[-2000:]
    assert "/v2/faas/package-deployments/{deployment_id}/function-deployments" in rendered.stdout
    asked = requests_of_the_page(netlog, origin)
    assert f"{origin}/v2/faas/openapi.json" in asked  # the log is read right
    assert [url for url in asked if not url.startswith(f"{origin}/")] == []


def requests_of_the_page(netlog: Path, origin: str) -> list[str]:
    """The URLs of the requests that pages of ``origin`` made (not the browser's own, such as
    its update checks or autofill queries, which no page asked for)."""
    log: dict[str, Any] = json.loads(netlog.read_text())
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    started = [event.get("params", {}) for event in log["events"] if event["type"] == start]
    return [params["url"] for params in started if params.get("initiator") == origin]


def test_the_docs_page_turns_the_validator_off_and_allows_only_its_own_origin(
    client: TestClient,
) -> None:
    page = client.get("/docs")

    assert page.status_code == 200
    assert "validatorUrl: null" in page.text
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "connect-src 'self'" in policy
