"""The service as users run it: ``faas-packages serve`` in its own process, over TCP."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path
from urllib.parse import urlsplit

import httpx2 as httpx

from tests.support.builders import package_body
from tests.support.keys import issue_key_in
from tests.support.server import running_server


def test_the_served_service_creates_a_package(store_url: str) -> None:
    key = issue_key_in(store_url)
    with running_server(store_url) as base:
        response = httpx.post(
            f"{base}/v2/faas/packages", json=package_body(), headers=key.headers, timeout=10
        )

    assert response.status_code == 201, response.text
    assert response.json()["data"]["revisionsTotal"] == 1


def test_no_development_key_is_made_when_a_key_exists(tmp_path: Path) -> None:
    issue_key_in(f"sqlite:///{tmp_path}/var/faas.sqlite3")

    with running_server("sqlite:///./var/faas.sqlite3", cwd=tmp_path):
        output = (tmp_path / "server.log").read_text()

    assert "faaspk_" not in output


def test_no_development_key_is_made_on_postgres(postgres_database: str, tmp_path: Path) -> None:
    with running_server(postgres_database, cwd=tmp_path):
        output = (tmp_path / "server.log").read_text()

    assert "faaspk_" not in output


def test_a_create_answered_by_one_server_is_read_by_another(store_url: str) -> None:
    key = issue_key_in(store_url)
    with running_server(store_url) as first, running_server(store_url) as second:
        for _ in range(5):
            created = httpx.post(
                f"{first}/v2/faas/packages", json=package_body(), headers=key.headers, timeout=10
            )
            assert created.status_code == 201, created.text
            package_id = created.json()["data"]["id"]
            read = httpx.get(
                f"{second}/v2/faas/packages/{package_id}", headers=key.headers, timeout=10
            )
            assert read.status_code == 200, read.text
            assert read.json()["data"] == created.json()["data"]


def test_pipelined_requests_get_whole_answers_in_order(store_url: str) -> None:
    key = issue_key_in(store_url)
    package = package_body()
    body = json.dumps(package).encode()
    authorization = key.headers["Authorization"].encode()
    requests = (
        b"GET /livez HTTP/1.1\r\nHost: x\r\n\r\n"
        + b"POST /v2/faas/packages HTTP/1.1\r\nHost: x\r\nAuthorization: "
        + authorization
        + b"\r\nContent-Type: application/json\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body
        + b"GET /v2/faas/packages/nope HTTP/1.1\r\nHost: x\r\nAuthorization: "
        + authorization
        + b"\r\nConnection: close\r\n\r\n"
    )
    with running_server(store_url) as base:
        address = urlsplit(base)
        with socket.create_connection((address.hostname, address.port), timeout=10) as sock:
            sock.sendall(requests)
            received = b""
            while chunk := sock.recv(65536):  # the server closes after the third answer
                received += chunk

    statuses = re.findall(rb"HTTP/1\.1 (\d{3}) ", received)
    assert statuses == [b"200", b"201", b"404"], received
    bodies = re.split(rb"HTTP/1\.1 \d{3} [^\r]*\r\n(?:[^\r]+\r\n)*\r\n", received)[1:]
    assert json.loads(bodies[1])["data"]["name"] == package["name"]
    assert json.loads(bodies[2])["errors"][0]["code"] == "FAAS-404"
