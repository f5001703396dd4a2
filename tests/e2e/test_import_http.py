"""``POST /v2/faas/package-blueprints/{id}/packages`` through the whole app, on both stores:
what an import makes and how it reads back, the names it takes, and what it refuses (a
refused import writes nothing)."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID, uuid4

import msgspec
import pytest
from starlette.testclient import TestClient

from commands.events import IdempotencyKeyRecorded
from commands.idempotency import IdempotencyRecord
from commands.keys import DEPLOYMENT_WRITE, PACKAGE_READ, PACKAGE_WRITE, Grant
from commands.secret_store import read_value
from service.bootstrap import Container
from service.catalog import publish_starter_catalog, starter_paths
from service.catalog_files import load_blueprints
from service.settings import Settings
from service.wire.common import MAX_KEYSET_ID
from tests.e2e.test_ids import bad_spellings
from tests.integration.test_secrets_store import logged_values
from tests.support.blueprints import imports_path, publish, retire, webhook
from tests.support.builders import unique_name
from tests.support.http import BASE, data_of
from tests.support.keys import IssuedKey, issue_key, keyed_client
from tests.support.kv import RegisteredKeyset, register_keyset
from tests.support.waiting import wait_until

PARAMS = {"WEBHOOK_URL": "https://example.org/hook"}


def container_of(client: TestClient) -> Container:
    container: Container = client.app.state.container  # type: ignore[attr-defined]
    return container


@pytest.fixture
def keyset(keyed: tuple[TestClient, IssuedKey]) -> RegisteredKeyset:
    client, key = keyed
    return register_keyset(container_of(client), key.account_id, MAX_KEYSET_ID)


@pytest.fixture
def blueprint(client: TestClient) -> UUID:
    return publish(container_of(client))


def import_body(keyset: RegisteredKeyset, **fields: Any) -> dict[str, Any]:
    return {"keysetId": keyset.keyset_id, "params": PARAMS, **fields}


def imported(client: TestClient, blueprint: UUID, keyset: RegisteredKeyset, **fields: Any) -> Any:
    return data_of(client.post(imports_path(blueprint), json=import_body(keyset, **fields)), 201)


def test_an_import_answers_201_with_the_package_as_a_read_answers_it(
    client: TestClient, blueprint: UUID, keyset: RegisteredKeyset
) -> None:
    answer = client.post(imports_path(blueprint), json=import_body(keyset))

    package = data_of(answer, 201)
    assert answer.headers["location"] == f"{BASE}/packages/{package['id']}"
    assert package == data_of(client.get(f"{BASE}/packages/{package['id']}"))
    assert package["packageBlueprintId"] == str(blueprint)
    assert package["name"].startswith("Webhook-")
    assert (package["description"], package["tags"]) == (
        "forwards orders to a webhook",
        ["integrations"],
    )
    assert (package["revisionsTotal"], package["revisionsRunning"]) == (1, 0)
    assert (package["packageDeploymentsTotal"], package["packageDeploymentsRunning"]) == (1, 0)


def test_the_vault_parameters_become_the_keysets_secrets_with_the_package(
    client: TestClient, blueprint: UUID, keyset: RegisteredKeyset
) -> None:
    imported(client, blueprint, keyset)

    listed = data_of(client.get(f"{BASE}/kv/secrets", params=keyset.query))
    assert [secret["key"] for secret in listed] == ["TIMEOUT", "WEBHOOK_URL"]
    container = container_of(client)
    recorder: Any = container.store.recorder
    assert container.vault is not None
    values = {
        key: read_value(recorder, container.vault, logged_values(container, keyset, key)[-1])
        for key in ("TIMEOUT", "WEBHOOK_URL")
    }
    assert values == {"TIMEOUT": "5", "WEBHOOK_URL": PARAMS["WEBHOOK_URL"]}


def test_the_revision_its_functions_test_inputs_and_stopped_deployment_read_back(
    client: TestClient, blueprint: UUID, keyset: RegisteredKeyset
) -> None:
    package = imported(client, blueprint, keyset, revisionName="first")

    (revision,) = data_of(client.get(f"{BASE}/packages/{package['id']}/package-revisions"))
    assert revision["name"] == "first"
    functions = data_of(client.get(f"{BASE}/package-revisions/{revision['id']}/functions"))
    assert [(f["name"], f["type"], f["sortOrder"], f["config"]) for f in functions] == [
        ("forward", "AFTER_PUBLISH", 0, {"inputChannel": "orders.*"}),
        ("report", "ON_REQUEST", 1, {"path": "report"}),
    ]
    assert functions[1]["code"] == "export default (request) => request.ok(1);"
    inputs = [
        data_of(client.get(f"{BASE}/function-revisions/{f['functionRevisionId']}/test-inputs"))
        for f in functions
    ]
    assert [sorted((i["name"], i["payload"], i["mimeType"]) for i in each) for each in inputs] == [
        [("forward example", {"n": 0}, "application/json"), ("plain", "hi", "text/plain")],
        [("report example", {"n": 1}, "application/json")],
    ]
    deployments = f"{BASE}/package-revisions/{revision['id']}/package-deployments"
    (deployment,) = data_of(client.get(deployments))
    assert (deployment["keysetId"], deployment["state"]) == (keyset.keyset_id, "STOPPED")
    assert data_of(client.get(f"{BASE}/package-deployments/{deployment['id']}")) == deployment


def test_the_blueprints_name_takes_a_number_when_taken_and_a_chosen_taken_name_is_409(
    client: TestClient, keyset: RegisteredKeyset
) -> None:
    name = unique_name("Orders")
    blueprint = publish(container_of(client), webhook(uuid4(), name=name))

    names = [imported(client, blueprint, keyset)["name"] for _ in range(3)]
    taken = client.post(imports_path(blueprint), json=import_body(keyset, name=name.upper()))

    assert names == [name, f"{name} (2)", f"{name} (3)"]
    assert taken.status_code == 409, taken.text
    assert taken.json()["errors"][0]["code"] == "FAAS-409"


def test_the_imported_package_behaves_like_any_other(
    client: TestClient, blueprint: UUID, keyset: RegisteredKeyset
) -> None:
    package = imported(client, blueprint, keyset)
    (first,) = data_of(client.get(f"{BASE}/packages/{package['id']}/package-revisions"))
    (old,) = data_of(client.get(f"{BASE}/package-revisions/{first['id']}/package-deployments"))
    function = {"name": "f", "type": "ON_REQUEST", "code": "x", "config": {"path": "p"}}
    revision = data_of(
        client.post(
            f"{BASE}/package-revisions", json={"packageId": package["id"], "functions": [function]}
        ),
        201,
    )
    new = data_of(
        client.post(
            f"{BASE}/package-deployments",
            json={"packageRevisionId": revision["id"], "keysetId": keyset.keyset_id},
        ),
        201,
    )

    started = client.post(f"{BASE}/package-deployments/{old['id']}/function-deployments")
    assert data_of(started)["state"] == "RUNNING"
    handed = client.put(
        f"{BASE}/package-deployments/{old['id']}/function-deployments",
        json={"newPackageDeploymentId": new["id"]},
    )
    assert data_of(handed)["state"] == "RUNNING"
    after = data_of(client.get(f"{BASE}/packages/{package['id']}"))
    assert (after["revisionsTotal"], after["packageDeploymentsRunning"]) == (2, 1)
    data_of(client.delete(f"{BASE}/package-deployments/{new['id']}/function-deployments"))
    assert client.delete(f"{BASE}/packages/{package['id']}").status_code == 204
    assert client.get(f"{BASE}/packages/{package['id']}").status_code == 404


def test_an_idempotency_key_repeat_answers_the_first_import_and_writes_nothing(
    client: TestClient, blueprint: UUID, keyset: RegisteredKeyset
) -> None:
    headers = {"Idempotency-Key": f"import-{uuid4()}"}
    first = client.post(imports_path(blueprint), json=import_body(keyset), headers=headers)
    with unchanged(client):
        again = client.post(imports_path(blueprint), json=import_body(keyset), headers=headers)
        other = client.post(
            imports_path(blueprint), json=import_body(keyset, name="other"), headers=headers
        )

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["data"] == first.json()["data"]
    assert again.headers["idempotent-replayed"] == "true"
    assert (other.status_code, other.json()["errors"][0]["code"]) == (422, "FAAS-1031")


def test_an_imports_idempotency_fingerprint_is_keyed_so_the_log_cannot_check_a_guess(
    keyed: tuple[TestClient, IssuedKey], blueprint: UUID, keyset: RegisteredKeyset
) -> None:
    client, key = keyed
    body = msgspec.json.encode(import_body(keyset))
    idempotency_key = f"import-{uuid4()}"
    headers = {"Idempotency-Key": idempotency_key, "Content-Type": "application/json"}
    data_of(client.post(imports_path(blueprint), content=body, headers=headers), 201)

    path = imports_path(blueprint)
    plain = hashlib.sha256(f"POST\n{path}\n\n".encode() + body).hexdigest()
    scope = f"POST {BASE}/package-blueprints/{{package_blueprint_id}}/packages"
    record_id = IdempotencyRecord.id_for(key.account_id, scope, idempotency_key)
    [recorded] = container_of(client).store.events.get(record_id)
    assert isinstance(recorded, IdempotencyKeyRecorded)
    assert len(recorded.fingerprint) == len(plain)
    assert recorded.fingerprint != plain


@contextmanager
def unchanged(client: TestClient) -> Iterator[None]:
    """What runs inside writes no event and changes no package of the account."""

    def state() -> tuple[int, Any]:
        head = container_of(client).projector.log.head()
        return head, data_of(client.get(f"{BASE}/packages", params={"size": 100}))

    before = state()
    yield
    assert state() == before


def refused(response: Any, status: int, code: str) -> list[str]:
    assert response.status_code == status, response.text
    errors = response.json()["errors"]
    assert {error["code"] for error in errors} == {code}
    return [error["message"] for error in errors]


def test_a_required_parameter_without_a_value_and_unknown_ones_are_named(
    client: TestClient, blueprint: UUID, keyset: RegisteredKeyset
) -> None:
    with unchanged(client):
        missing = client.post(imports_path(blueprint), json=import_body(keyset, params={}))
        unknown = client.post(
            imports_path(blueprint),
            json=import_body(keyset, params={**PARAMS, "NOPE": "1", "TIMEOUT": "9"}),
        )

    assert refused(missing, 400, "FAAS-400") == [
        "$.params.WEBHOOK_URL: required by the blueprint, which has no default for it: send a value"
    ]
    assert refused(unknown, 400, "FAAS-400") == ["$.params.NOPE: not a parameter of this blueprint"]


def test_a_keyset_unregistered_or_another_accounts_is_1022(
    keyed: tuple[TestClient, IssuedKey], blueprint: UUID
) -> None:
    client, _ = keyed
    other = issue_key(container_of(client))
    theirs = register_keyset(container_of(client), other.account_id, MAX_KEYSET_ID)
    unknown = RegisteredKeyset(theirs.keyset_id + 1, "sub-c-none", "")

    with unchanged(client):
        answers = [
            client.post(imports_path(blueprint), json=import_body(keyset))
            for keyset in (theirs, unknown)
        ]

    for answer in answers:
        assert refused(answer, 400, "FAAS-1022") == ["Subscribe key not found"]


def test_an_unknown_or_retired_blueprint_is_404_and_a_malformed_id_400(
    client: TestClient, blueprint: UUID, keyset: RegisteredKeyset
) -> None:
    retired = publish(container_of(client))
    retire(container_of(client), retired)

    with unchanged(client):
        answers = [
            client.post(imports_path(path), json=import_body(keyset)) for path in (uuid4(), retired)
        ]
        malformed = client.post(imports_path(str(blueprint).upper()), json=import_body(keyset))

    for answer in answers:
        assert refused(answer, 404, "FAAS-404") == ["Entity not found"]
    assert refused(malformed, 400, "FAAS-400")[0].startswith("package_blueprint_id: must be a UUID")


def test_a_blueprint_id_spelled_any_other_way_is_400_naming_it(
    client: TestClient, blueprint: UUID, keyset: RegisteredKeyset
) -> None:
    with unchanged(client):
        answers = [
            client.post(imports_path(spelling), json=import_body(keyset))
            for spelling in bad_spellings(str(blueprint))
        ]

    for answer in answers:
        [message] = refused(answer, 400, "FAAS-400")
        assert message.startswith("package_blueprint_id: must be a UUID"), message


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "$.keysetId: required field is missing"),
        ({"keysetId": 0}, "$.keysetId"),
        ({"keysetId": 1, "apiManaged": True}, "$.apiManaged: unknown field"),
        ({"keysetId": 1, "revisionsTotal": 1}, "$.revisionsTotal: read-only field"),
        ({"keysetId": 1, "params": {"A": 1}}, "$.params.A: expected `str`, got `int`"),
        ({"keysetId": 1, "params": {"A": "a\u0000"}}, "$.params.A: must not contain NUL"),
        ({"keysetId": 1, "params": {"A": "x" * 32_001}}, "$.params.A: expected `str` of length"),
        ({"keysetId": 1, "name": "  "}, "$.name: length must be 1 to 100"),
        ({"keysetId": 1, "tags": ["a", "a"]}, "$.tags[1]: duplicate tag"),
    ],
)
def test_a_bad_body_is_400_naming_the_field(
    client: TestClient, blueprint: UUID, body: dict[str, Any], message: str
) -> None:
    with unchanged(client):
        answer = client.post(imports_path(blueprint), json=body)

    assert message in refused(answer, 400, "FAAS-400")[0]


def test_the_key_needs_package_write_and_deployment_write_on_the_keyset(
    keyed: tuple[TestClient, IssuedKey], blueprint: UUID, keyset: RegisteredKeyset
) -> None:
    client, key = keyed
    container, account = container_of(client), key.account_id
    elsewhere = Grant(DEPLOYMENT_WRITE, frozenset({keyset.keyset_id + 1}))
    no_keyset = issue_key(
        container, account, (Grant(PACKAGE_WRITE), Grant(PACKAGE_READ), elsewhere)
    )
    no_package = issue_key(container, account, (Grant(DEPLOYMENT_WRITE),))

    with unchanged(client):
        answers = [
            client.post(imports_path(blueprint), json=import_body(keyset), headers=key.headers)
            for key in (no_keyset, no_package)
        ]

    assert refused(answers[0], 403, "FAAS-403") == [
        f"The API key lacks the permission {DEPLOYMENT_WRITE}"
    ]
    assert refused(answers[1], 403, "FAAS-403") == [
        f"The API key lacks the permission {PACKAGE_WRITE}"
    ]


@pytest.fixture
def limited(settings: Settings) -> Iterator[tuple[TestClient, IssuedKey]]:
    """A client whose service allows two packages per account, two functions per revision
    and two test inputs per function revision."""
    limits = msgspec.structs.replace(
        settings,
        max_packages_per_account=2,
        max_functions_per_revision=2,
        max_test_inputs_per_function_revision=2,
    )
    with keyed_client(limits) as pair:
        yield pair


def test_limits_refuse_an_import_as_they_refuse_a_create(
    limited: tuple[TestClient, IssuedKey],
) -> None:
    client, key = limited
    container = container_of(client)
    keyset = register_keyset(container, key.account_id, MAX_KEYSET_ID)
    fits = publish(container)
    blueprint = webhook(uuid4())
    three = publish(container, _with_third_function(blueprint))
    many_inputs = publish(container, _with_third_input(webhook(uuid4())))
    imported(client, fits, keyset)

    with unchanged(client):
        functions = client.post(imports_path(three), json=import_body(keyset))
        inputs = client.post(imports_path(many_inputs), json=import_body(keyset))
    imported(client, fits, keyset)
    with unchanged(client):
        packages = client.post(imports_path(fits), json=import_body(keyset))

    refused(functions, 422, "FAAS-1006")
    refused(inputs, 422, "FAAS-1035")
    assert refused(packages, 422, "FAAS-1005") == ["the account has 2 packages, its limit"]


def _with_third_function(content: Any) -> Any:
    extra = dataclasses.replace(
        content.functions[1], function_blueprint_id=uuid4(), name="third", sort_order=2, params=()
    )
    return dataclasses.replace(content, functions=(*content.functions, extra))


def _with_third_input(content: Any) -> Any:
    first = content.functions[0]
    more = dataclasses.replace(first, test_inputs=first.test_inputs * 2)
    return dataclasses.replace(content, functions=(more, *content.functions[1:]))


def test_each_starter_blueprint_imports_with_its_functions_and_test_inputs(
    keyed: tuple[TestClient, IssuedKey],
) -> None:
    client, key = keyed
    container = container_of(client)
    publish_starter_catalog(container)
    head = container.projector.log.head()
    assert wait_until(lambda: container.projector.position() >= head)
    keyset = register_keyset(container, key.account_id, MAX_KEYSET_ID)
    starters = load_blueprints(starter_paths(), container.settings.max_code_bytes)
    assert len(starters) >= 3

    for starter in starters:
        path = f"{BASE}/package-blueprints/{starter.blueprint_id}"
        functions = data_of(client.get(f"{path}/function-blueprints"))
        params = [p for f in functions for p in f["params"]]
        values = {p["sourceName"]: f"value of {p['name']}" for p in params if p["required"]}
        package = imported(client, starter.blueprint_id, keyset, params=values)

        (revision,) = data_of(client.get(f"{BASE}/packages/{package['id']}/package-revisions"))
        made = data_of(client.get(f"{BASE}/package-revisions/{revision['id']}/functions"))
        assert [(f["name"], f["code"], f["config"]) for f in made] == [
            (f["name"], f["code"], f["config"]) for f in functions
        ]
        for function, blueprint in zip(made, functions, strict=True):
            inputs = f"{BASE}/function-revisions/{function['functionRevisionId']}/test-inputs"
            assert len(data_of(client.get(inputs))) == len(blueprint["testInputs"])
