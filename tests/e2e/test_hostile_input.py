"""No input makes a 500: every field of every request body, and every query parameter of every
route that takes one, fed the same hostile values, answers an envelope, never a 5xx, and a
4xx wherever the value cannot be valid; no error message echoes more than a short prefix."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import msgspec
import pytest
from starlette.testclient import TestClient

from service.wire.deployments import (
    CreateDeploymentRequest,
    RollingUpdateRequest,
    StartDeploymentRequest,
)
from service.wire.packages import (
    CreatePackageRequest,
    CreateRevisionRequest,
    FunctionConfig,
    FunctionRequest,
    UpdatePackageRequest,
    UpdateRevisionRequest,
)
from service.wire.test_inputs import CreateTestInputRequest, UpdateTestInputRequest
from tests.support.builders import function_body, package_body
from tests.support.http import BASE

SENTINEL = "__HOSTILE__"
LONGEST_MESSAGE = 1000
DEPTH = 50_000

# As JSON text, so that nesting deeper than any JSON library here can write is sent as is.
NEVER_VALID_IN_A_BODY = {
    "deep arrays": "[" * DEPTH + "]" * DEPTH,
    "deep objects": '{"a":' * DEPTH + "1" + "}" * DEPTH,
    "a 5,000-digit integer": "1" + "0" * 5000,
    "below int64": "-9223372036854775809",
    "2**64": "18446744073709551616",
    "a float past double": "1e400",
    "NUL": '"a\\u0000b"',
    "a lone surrogate": '"\\ud800"',
    "a megabyte": json.dumps("A" * 1_000_000),
}
SOMETIMES_VALID_IN_A_BODY = {
    "the last time there is, west of UTC": '"9999-12-31T23:59:59-01:00"',
    "the first time there is, east of UTC": '"0001-01-01T00:00:00+14:00"',
    "a final newline": '"a\\n"',
    "zero": "0",
    "minus one": "-1",
}
NEVER_VALID_IN_A_QUERY = {
    "deep arrays": "[" * 10_000,
    "a 5,000-digit integer": "1" + "0" * 5000,
    "NUL": "a\x00",
    "30,000 characters": "A" * 30_000,  # the client sends URLs of up to 64 KiB
}
SOMETIMES_VALID_IN_A_QUERY = {
    "the last time there is, west of UTC": "9999-12-31T23:59:59-01:00",
    "the first time there is, east of UTC": "0001-01-01T00:00:00+14:00",
    "2**64": "18446744073709551616",
    "a float past double": "1e400",
    "minus one": "-1",
    "a final newline": "a\n",
    "a lone surrogate as UTF-8": "\udced\udca0\udc80",
}


@pytest.fixture
def world(client: TestClient) -> dict[str, str]:
    package = client.post(f"{BASE}/packages", json=package_body()).json()["data"]
    revisions = client.get(f"{BASE}/packages/{package['id']}/package-revisions")
    revision = revisions.json()["data"][0]
    deployment = client.post(
        f"{BASE}/package-deployments", json={"packageRevisionId": revision["id"], "keysetId": 5}
    ).json()["data"]
    function_revision = revision["functions"][0]["functionRevisionId"]
    inputs = f"{BASE}/function-revisions/{function_revision}/test-inputs"
    test_input = client.post(inputs, json={"payload": 1}).json()["data"]
    return {
        "package": package["id"],
        "revision": revision["id"],
        "deployment": deployment["id"],
        "test inputs": inputs,
        "test input": f"{inputs}/{test_input['id']}",
    }


def _fields(kind: type[msgspec.Struct], prefix: tuple[str | int, ...]) -> list[tuple[Any, ...]]:
    """The path of every field of a request type, nested request types included."""
    paths: list[tuple[Any, ...]] = []
    for field in msgspec.structs.fields(kind):
        path = (*prefix, field.encode_name)
        paths.append(path)
        if field.encode_name == "functions" and kind is not UpdateRevisionRequest:
            paths += _fields(FunctionRequest, (*path, 0))
        if field.encode_name == "config":
            paths += _fields(FunctionConfig, path)
    return paths


def body_requests(world: dict[str, str]) -> list[tuple[str, str, dict[str, Any], list[Any]]]:
    """(method, path, a valid body, the paths of its fields) for every route with a body."""
    revision = {"packageId": world["package"], "name": "n", "functions": [function_body()]}
    deployment = {"packageRevisionId": world["revision"], "keysetId": 6}
    start = f"{BASE}/package-deployments/{world['deployment']}/function-deployments"
    return [
        ("POST", f"{BASE}/packages", package_body(), _fields(CreatePackageRequest, ())),
        ("PUT", f"{BASE}/packages/{world['package']}", {"description": "d"},
         _fields(UpdatePackageRequest, ())),
        ("POST", f"{BASE}/package-revisions", revision, _fields(CreateRevisionRequest, ())),
        ("PUT", f"{BASE}/package-revisions/{world['revision']}", {"description": "d"},
         _fields(UpdateRevisionRequest, ())),
        ("POST", f"{BASE}/package-deployments", deployment, _fields(CreateDeploymentRequest, ())),
        ("POST", start, {}, [*_fields(StartDeploymentRequest, ()), ("state",)]),
        # A payload may be any JSON value: it has a test of its own.
        ("POST", world["test inputs"], {"payload": 1},
         [f for f in _fields(CreateTestInputRequest, ()) if f != ("payload",)]),
        ("PUT", world["test input"], {"name": "n"},
         [f for f in _fields(UpdateTestInputRequest, ()) if f != ("payload",)]),
        ("PUT", start, {"newPackageDeploymentId": world["deployment"]},
         _fields(RollingUpdateRequest, ())),
    ]  # fmt: skip


def query_requests(world: dict[str, str]) -> list[tuple[str, str, list[str]]]:
    """(method, path, its query parameters) for every route that takes any."""
    listed = ["page", "size", "sort", "search"]
    return [
        ("GET", f"{BASE}/packages", [*listed, "tag"]),
        ("GET", f"{BASE}/packages/{world['package']}", ["asOf"]),
        ("GET", f"{BASE}/packages/{world['package']}/package-revisions", listed),
        ("GET", f"{BASE}/packages/{world['package']}/events", ["page", "size", "sort"]),
        ("GET", f"{BASE}/package-revisions/{world['revision']}/functions", listed),
        # search is ignored there, unread (deployments have no name)
        ("GET", f"{BASE}/package-revisions/{world['revision']}/package-deployments",
         ["page", "size", "sort"]),
        ("DELETE", f"{BASE}/package-deployments/{world['deployment']}/function-deployments",
         ["force"]),
        ("DELETE", f"{BASE}/function-deployments", ["package_id", "package_revision_id"]),
        ("GET", world["test inputs"], [*listed, "asOf"]),
        ("GET", f"{BASE}/package-deployments/intersected",
         ["keyset_id", "channel", "function_type"]),
    ]  # fmt: skip


def _placed(body: dict[str, Any], path: tuple[Any, ...], raw: str) -> bytes:
    """The body with the field at ``path`` set to the JSON text ``raw``."""
    copy = json.loads(json.dumps(body))
    target = copy
    for step in path[:-1]:
        if isinstance(target, dict) and step not in target:
            target[step] = {}
        target = target[step]
    target[path[-1]] = SENTINEL
    return json.dumps(copy).replace(f'"{SENTINEL}"', raw).encode()


def _problem(response: Any, must_refuse: bool) -> str | None:
    """What is wrong with an answer to hostile input, if anything."""
    if response.status_code >= 500:
        return f"answered {response.status_code}"
    if must_refuse and not 400 <= response.status_code < 500:
        return f"accepted with {response.status_code}"
    if response.status_code == 204:
        return None
    envelope = response.json()
    if "meta" not in envelope or not isinstance(envelope.get("errors"), list):
        return "not an envelope"
    if response.status_code >= 400 and not envelope["errors"]:
        return "an error without errors"
    if any(len(error["message"]) > LONGEST_MESSAGE for error in envelope["errors"]):
        return "a message that echoes too much"
    return None


def test_hostile_values_in_any_body_field_never_make_a_server_error(
    client: TestClient, world: dict[str, str]
) -> None:
    values = [(raw, True) for raw in NEVER_VALID_IN_A_BODY.values()]
    values += [(raw, False) for raw in SOMETIMES_VALID_IN_A_BODY.values()]
    problems: list[tuple[str, str, str, str]] = []
    for method, path, body, fields in body_requests(world):
        for raw, must_refuse in values:
            sent = [(field, _placed(body, field, raw)) for field in fields]
            sent.append((("(the whole body)",), raw.encode()))
            for field, content in sent:
                response = client.request(
                    method, path, content=content, headers={"Content-Type": "application/json"}
                )
                if problem := _problem(response, must_refuse):
                    problems.append(
                        (f"{method} {path}", ".".join(map(str, field)), raw[:20], problem)
                    )

    assert problems == []


def test_hostile_values_in_any_query_parameter_never_make_a_server_error(
    client: TestClient, world: dict[str, str]
) -> None:
    values = [(text, True) for text in NEVER_VALID_IN_A_QUERY.values()]
    values += [(text, False) for text in SOMETIMES_VALID_IN_A_QUERY.values()]
    problems: list[tuple[str, str, str, str]] = []
    for method, path, parameters in query_requests(world):
        for parameter in parameters:
            for text, must_refuse in values:
                encoded = quote(text.encode("utf-8", "surrogateescape"), safe="")
                response = client.request(method, f"{path}?{parameter}={encoded}")
                if problem := _problem(response, must_refuse):
                    problems.append((f"{method} {path}", parameter, text[:20], problem))

    assert problems == []


def test_hostile_payloads_of_test_inputs_never_make_a_server_error(
    client: TestClient, world: dict[str, str]
) -> None:
    values = {**NEVER_VALID_IN_A_BODY, **SOMETIMES_VALID_IN_A_BODY}
    problems: list[tuple[str, str, str]] = []
    for method, path, body in (
        ("POST", world["test inputs"], {"payload": 1}),
        ("PUT", world["test input"], {"payload": 1}),
    ):
        for name, raw in values.items():
            response = client.request(
                method,
                path,
                content=_placed(body, ("payload",), raw),
                headers={"Content-Type": "application/json"},
            )
            if problem := _problem(response, must_refuse=False):
                problems.append((f"{method} {path}", name, problem))

    assert problems == []
