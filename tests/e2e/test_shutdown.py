"""SIGTERM under load: no request that was answered is lost, none fails because of it."""

from __future__ import annotations

import signal
import threading
import time
from typing import Any
from uuid import UUID

import httpx2 as httpx

from service.bootstrap import bootstrap
from service.settings import Settings
from tests.support.builders import package_body
from tests.support.keys import issue_key_in
from tests.support.server import server_process


def test_sigterm_under_load_loses_no_answered_create(store_url: str) -> None:
    key = issue_key_in(store_url)
    answered: list[dict[str, Any]] = []
    failures: list[str] = []
    stop = threading.Event()

    def load(base: str) -> None:
        with httpx.Client(headers=key.headers, timeout=10) as client:
            while not stop.is_set():
                try:
                    response = client.post(f"{base}/v2/faas/packages", json=package_body())
                except httpx.TransportError:
                    return  # refused or closed before an answer: nothing was acknowledged
                if response.status_code == 201:
                    answered.append(response.json()["data"])
                else:
                    failures.append(f"{response.status_code} {response.text[:200]}")

    with server_process(store_url) as (base, process):
        workers = [threading.Thread(target=load, args=(base,)) for _ in range(4)]
        for worker in workers:
            worker.start()
        time.sleep(1.0)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        stop.set()
        for worker in workers:
            worker.join(timeout=30)

    # A graceful exit; uvicorn re-raises the signal once it has shut down.
    assert process.returncode in (0, -signal.SIGTERM)
    assert failures == []
    assert answered
    container = bootstrap(Settings(database_url=store_url))
    try:
        for package in answered:
            assert container.packages.repository.get(UUID(package["id"])).name == package["name"]
    finally:
        container.close()
