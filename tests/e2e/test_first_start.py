"""The first start of a store with no API key: a development key is shown on a terminal and
only there; without one (a service manager, a log file) the log stays one JSON object a line,
holds no key, and one line says how to make one."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import time
from pathlib import Path

import httpx2 as httpx

from projections.catalog import CatalogLog
from service.bootstrap import bootstrap
from service.catalog import starter_paths
from service.catalog_files import load_blueprints
from service.settings import Settings
from service.store import is_embedded
from tests.support.builders import package_body
from tests.support.server import cli_process, free_port, server_process


def test_without_a_terminal_the_log_stays_json_holds_no_key_and_says_how_to_make_one(
    own_store_url: str, tmp_path: Path
) -> None:
    log = tmp_path / "server.log"
    with server_process(own_store_url, log=log):
        pass
    text = log.read_text()

    entries = [json.loads(line) for line in text.splitlines() if line.strip()]
    assert "faaspk_" not in text
    advice = [entry for entry in entries if "faas-packages keys create" in entry["message"]]
    assert len(advice) == 1, text
    container = bootstrap(Settings(database_url=own_store_url))
    try:
        assert container.keys.records() == []
        catalog = {entry.id for entry in CatalogLog(container.projector.log).entries()}
    finally:
        container.close()
    # The starter catalog is published on the embedded store's first start only.
    starter = {str(file.blueprint_id) for file in load_blueprints(starter_paths(), 1 << 17)}
    assert catalog == (starter if is_embedded(own_store_url) else set())


def test_on_a_terminal_the_first_start_on_the_default_store_shows_a_working_key(
    tmp_path: Path,
) -> None:
    port = free_port()
    leader, follower = pty.openpty()
    try:
        with cli_process(
            "sqlite:///./var/faas.sqlite3", ["serve", "--port", str(port)], output=follower,
            cwd=tmp_path,
        ):  # fmt: skip
            os.close(follower)
            shown = read_until(leader, re.compile(rb"key:\s+(faaspk_\S+)"), timeout=30)
            created = post_when_serving(f"http://127.0.0.1:{port}", shown.decode())
    finally:
        os.close(leader)

    assert created.status_code == 201, created.text
    assert (tmp_path / "var" / "faas.sqlite3").is_file()


def read_until(fd: int, pattern: re.Pattern[bytes], timeout: float) -> bytes:
    """The first group of ``pattern`` once the terminal's output has it."""
    seen = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            seen += os.read(fd, 65536)
            found = pattern.search(seen)
            if found:
                return found[1]
    raise AssertionError(f"not shown within {timeout} s: {seen[-2000:]!r}")


def post_when_serving(base: str, key: str, timeout: float = 30) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return httpx.post(
                f"{base}/v2/faas/packages",
                json=package_body(),
                headers={"Authorization": f"Bearer {key}"},
                timeout=10,
            )
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
