"""What the tests over HTTP share: the base path, a create that must succeed, and the data of
a successful answer."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.support.builders import package_body

BASE = "/v2/faas"


def data_of(response: Any, status: int = 200) -> Any:
    """The ``data`` of an answer that must have ``status``."""
    assert response.status_code == status, response.text
    return response.json()["data"]


def create(client: TestClient, **overrides: Any) -> dict[str, Any]:
    """A new package (``package_body`` with ``overrides``), as its create answered it."""
    created: dict[str, Any] = data_of(
        client.post(f"{BASE}/packages", json=package_body(**overrides)), 201
    )
    return created
