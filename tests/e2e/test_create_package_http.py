"""``POST /v2/faas/packages`` through the whole app, on both stores."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from typing import Any
from uuid import UUID, uuid4

import pytest
from starlette.testclient import TestClient

from commands.events import PackageCreated
from tests.support.builders import function_body, package_body
from tests.support.keys import IssuedKey

URL = "/v2/faas/packages"
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
PACKAGE_FIELDS = [
    "id",
    "packageBlueprintId",
    "name",
    "description",
    "apiManaged",
    "tags",
    "revisionsTotal",
    "revisionsRunning",
    "packageDeploymentsTotal",
    "packageDeploymentsRunning",
    "createdDttm",
    "updatedDttm",
]


def assert_error(response: object, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"] == "application/json; charset=utf-8"  # type: ignore[attr-defined]
    body: dict[str, Any] = response.json()  # type: ignore[attr-defined]
    assert "data" not in body
    assert [error["code"] for error in body["errors"]] == [code] * len(body["errors"])
    assert body["errors"]
    return body


def test_create_answers_201_with_exactly_the_package_fields(client: TestClient) -> None:
    body = package_body(tags=["a", "b"], apiManaged=True)

    response = client.post(URL, json=body)

    assert response.status_code == 201, response.text
    envelope = response.json()
    assert list(envelope) == ["data", "meta", "errors"]
    package = envelope["data"]
    assert list(package) == PACKAGE_FIELDS
    assert UUID(package["id"])
    assert (package["name"], package["tags"], package["apiManaged"]) == (
        body["name"],
        ["a", "b"],
        True,
    )
    assert (package["revisionsTotal"], package["revisionsRunning"]) == (1, 0)
    assert (package["packageDeploymentsTotal"], package["packageDeploymentsRunning"]) == (0, 0)
    assert TIMESTAMP.match(package["createdDttm"])
    assert package["createdDttm"] == package["updatedDttm"]
    assert envelope["errors"] == []
    assert TIMESTAMP.match(envelope["meta"]["timestamp"])
    assert response.headers["location"] == f"/v2/faas/packages/{package['id']}"
    assert response.headers["content-type"] == "application/json; charset=utf-8"


def test_a_client_chosen_id_is_used_and_a_repeat_is_409(client: TestClient) -> None:
    chosen = str(uuid4())

    first = client.post(URL, json=package_body(id=chosen))
    again = client.post(URL, json=package_body(id=chosen))

    assert first.json()["data"]["id"] == chosen
    assert_error(again, 409, "FAAS-409")


def test_a_name_taken_in_the_account_is_409_whatever_its_case(client: TestClient) -> None:
    body = package_body()
    client.post(URL, json=body)

    response = client.post(URL, json=package_body(name=f"  {body['name'].upper()} "))

    assert_error(response, 409, "FAAS-409")


def test_the_correlation_id_is_echoed_and_stored_in_every_event(
    keyed: tuple[TestClient, IssuedKey],
) -> None:
    client, key = keyed

    response = client.post(URL, json=package_body(), headers={"X-Correlation-Id": "trace:42.a_b-c"})

    assert response.headers["x-correlation-id"] == "trace:42.a_b-c"
    assert response.json()["meta"]["correlationId"] == "trace:42.a_b-c"
    app = client.app.state.container.store  # type: ignore[attr-defined]
    events = list(app.events.get(UUID(response.json()["data"]["id"])))
    assert {event.correlation_id for event in events} == {"trace:42.a_b-c"}
    assert isinstance(events[0], PackageCreated)
    assert events[0].account_id == key.account_id
    assert events[0].actor == key.key_id


def test_without_a_correlation_id_a_new_one_is_made(client: TestClient) -> None:
    response = client.post(URL, json=package_body())

    assert UUID(response.headers["x-correlation-id"])
    assert response.json()["meta"]["correlationId"] == response.headers["x-correlation-id"]


@pytest.mark.parametrize(
    "value", [b"", b"has space", b"x" * 65, b"semi;colon", "\u00fcn\u00ef".encode()]
)
def test_a_malformed_correlation_id_is_faas_1000(client: TestClient, value: bytes) -> None:
    headers: Any = {"X-Correlation-Id": value}
    response = client.post(URL, json=package_body(), headers=headers)

    assert_error(response, 400, "FAAS-1000")


def test_two_correlation_ids_are_faas_1000(client: TestClient) -> None:
    headers = [("X-Correlation-Id", "one"), ("X-Correlation-Id", "two")]
    response = client.post(URL, json=package_body(), headers=headers)

    assert_error(response, 400, "FAAS-1000")
    assert response.headers["x-correlation-id"] not in {"one", "two"}


def test_validation_errors_name_the_path_and_write_nothing(client: TestClient) -> None:
    before = client.app.state.container.store.recorder.max_notification_id()  # type: ignore[attr-defined]
    body = package_body(functions=[function_body(type="ON_REQUEST", config={})])

    response = client.post(URL, json=body)

    envelope = assert_error(response, 400, "FAAS-400")
    assert "$.functions[0].config.path" in envelope["errors"][0]["message"]  # type: ignore[index]
    after = client.app.state.container.store.recorder.max_notification_id()  # type: ignore[attr-defined]
    assert after == before


def test_a_body_that_is_not_json_is_faas_1003(client: TestClient) -> None:
    response = client.post(URL, content=b"{nope", headers={"Content-Type": "application/json"})

    assert_error(response, 400, "FAAS-1003")


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_a_body_not_declared_json_is_415(client: TestClient, content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else {}

    response = client.post(URL, content=json.dumps(package_body()), headers=headers)

    assert_error(response, 415, "FAAS-415")


def test_json_with_a_charset_parameter_is_accepted(client: TestClient) -> None:
    response = client.post(
        URL,
        content=json.dumps(package_body()),
        headers={"Content-Type": "application/json; charset=utf-8"},
    )

    assert response.status_code == 201


@pytest.mark.parametrize("accept", ["text/html", "application/xml", "application/json;q=0"])
def test_an_accept_without_json_is_406(client: TestClient, accept: str) -> None:
    response = client.post(URL, json=package_body(), headers={"Accept": accept})

    assert_error(response, 406, "FAAS-406")


def test_a_pubnub_version_header_is_accepted_and_ignored(client: TestClient) -> None:
    response = client.post(URL, json=package_body(), headers={"PubNub-Version": "2026-01-01"})

    assert response.status_code == 201


def test_unknown_path_is_404_and_wrong_method_is_405(client: TestClient) -> None:
    assert_error(client.get("/v2/faas/nothing-here"), 404, "FAAS-404")
    refused = client.patch(f"{URL}/{uuid4()}")
    assert_error(refused, 405, "FAAS-405")
    assert refused.headers["allow"] == "DELETE, GET, HEAD, PUT"


def test_a_body_declared_too_large_is_413_before_it_is_read(client: TestClient) -> None:
    limit = client.app.state.container.settings.max_body_bytes  # type: ignore[attr-defined]

    response = client.post(
        URL,
        content=b"{" + b" " * limit + b"}",
        headers={"Content-Type": "application/json"},
    )

    assert_error(response, 413, "FAAS-413")


def test_a_streamed_body_past_the_limit_is_413(client: TestClient) -> None:
    limit = client.app.state.container.settings.max_body_bytes  # type: ignore[attr-defined]

    def chunks() -> Iterator[bytes]:
        yield b"{"
        for _ in range(limit // 65536 + 2):
            yield b" " * 65536

    response = client.post(URL, content=chunks(), headers={"Content-Type": "application/json"})

    assert_error(response, 413, "FAAS-413")


def test_more_functions_than_the_limit_is_422_faas_1006(client: TestClient) -> None:
    limit = client.app.state.container.settings.max_functions_per_revision  # type: ignore[attr-defined]
    functions = [function_body() for _ in range(limit + 1)]

    response = client.post(URL, json=package_body(functions=functions))

    assert_error(response, 422, "FAAS-1006")


def test_the_largest_allowed_create_is_stored(client: TestClient) -> None:
    """4 MiB of body on both stores (on PostgreSQL, one statement of about 4 MB)."""
    settings = client.app.state.container.settings  # type: ignore[attr-defined]
    code_size = settings.max_code_bytes - 100
    count = settings.max_body_bytes // settings.max_code_bytes - 1
    body = package_body(functions=[function_body(code="c" * code_size) for _ in range(count)])
    raw = json.dumps(body).encode()
    raw = raw[:-1] + b" " * (settings.max_body_bytes - len(raw)) + b"}"
    assert len(raw) == settings.max_body_bytes

    response = client.post(URL, content=raw, headers={"Content-Type": "application/json"})

    assert response.status_code == 201, response.text[:500]
    store = client.app.state.container.store  # type: ignore[attr-defined]
    *_, registered = store.events.get(UUID(response.json()["data"]["id"]))
    assert [len(function["code"]) for function in registered.functions] == [code_size] * count


def test_an_unexpected_failure_is_a_500_without_detail_and_logged(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def explode(*_: object) -> None:
        raise RuntimeError("secret detail: SELECT * FROM accounts")

    monkeypatch.setattr(client.app.state.container.commands, "submit", explode)  # type: ignore[attr-defined]

    with caplog.at_level(logging.ERROR, logger="faas.service"):
        response = client.post(URL, json=package_body(), headers={"X-Correlation-Id": "boom-1"})

    body = assert_error(response, 500, "FAAS-500")
    assert "secret" not in response.text
    assert body["errors"] == [{"code": "FAAS-500", "message": "Internal server error"}]
    assert response.headers["x-correlation-id"] == "boom-1"
    assert any("boom-1" in record.getMessage() for record in caplog.records)


def test_every_request_is_logged_once_with_its_context(
    keyed: tuple[TestClient, IssuedKey], caplog: pytest.LogCaptureFixture
) -> None:
    client, key = keyed
    with caplog.at_level(logging.INFO, logger="faas.access"):
        client.post(URL, json=package_body(), headers={"X-Correlation-Id": "log-1"})

    (record,) = [r for r in caplog.records if getattr(r, "correlation_id", None) == "log-1"]
    assert record.name == "faas.access"
    assert (record.method, record.route, record.status) == ("POST", URL, 201)  # type: ignore[attr-defined]
    assert record.account_id == key.account_id  # type: ignore[attr-defined]
    assert record.duration_ms > 0  # type: ignore[attr-defined]
    assert key.plain not in record.getMessage()
