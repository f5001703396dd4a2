"""Generated requests (schemathesis, from our own OpenAPI document): never a 5xx, and every
answer conforms to the document. Requests that are valid by the schema but break a rule the
schema cannot say (config by function type, duplicates, blank names) are rightly refused, so
that one check is left out."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance
from starlette.testclient import TestClient

from service.catalog import publish_starter_catalog
from service.wire.common import MAX_KEYSET_ID
from tests.support.blueprints import publish, webhook
from tests.support.keys import IssuedKey
from tests.support.kv import register_keyset

EXAMPLES_PER_OPERATION = 10


def test_generated_requests_get_documented_answers_and_never_a_server_error(
    keyed: tuple[TestClient, IssuedKey],
) -> None:
    client, key = keyed
    # The KV store's operations name a keyset of the key's account: generated subscribe keys
    # would name none, and stop every request at 400 FAAS-1022.
    container = client.app.state.container  # type: ignore[attr-defined]
    keyset = register_keyset(container, key.account_id, MAX_KEYSET_ID)
    # The catalog's lists then hold blueprints, function blueprints and params to check.
    publish_starter_catalog(container)
    # Imports name a blueprint and a keyset of the account: generated ones would name none,
    # and stop every import at 404 or 400 FAAS-1022.
    blueprint_id = uuid4()
    blueprint = str(publish(container, webhook(blueprint_id, required=False), blueprint_id))
    schema = schemathesis.openapi.from_asgi("/v2/faas/openapi.json", client.app)
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) >= 20

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def check(case: Any) -> None:
            if case.query and "subkey" in case.query:
                case.query["subkey"] = keyset.subscribe_key
            if case.path_parameters and "package_blueprint_id" in case.path_parameters:
                case.path_parameters["package_blueprint_id"] = blueprint
                if isinstance(case.body, dict) and "keysetId" in case.body:
                    case.body["keysetId"] = keyset.keyset_id
            case.call_and_validate(headers=key.headers, excluded_checks=[positive_data_acceptance])

        check()
