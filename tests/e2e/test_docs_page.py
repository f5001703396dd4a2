"""The docs page renders the operations in a real browser, with no network but loopback."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.server import running_server

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def test_the_docs_page_shows_the_operations(tmp_path: Path) -> None:
    if CHROMIUM is None:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail("Chromium must be installed in CI (.ci/run installs it)")
        pytest.skip("Chromium is not installed")
    with running_server(f"sqlite:///{tmp_path}/faas.sqlite3", cwd=tmp_path) as base:
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
                "--virtual-time-budget=15000",
                "--dump-dom",
                f"{base}/docs",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    assert "Create a package with its first revision" in rendered.stdout, rendered.stderr[-2000:]
    assert "/v2/faas/package-deployments/{deployment_id}/function-deployments" in rendered.stdout
