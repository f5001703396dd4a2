"""Examples of every request and response body, as the API's document shows them (checked
against their own types by the tests)."""

from __future__ import annotations

from typing import Any

from projections.audit import AuditRecord
from service.wire.catalog import (
    FunctionBlueprintParamResponse,
    FunctionBlueprintResponse,
    PackageBlueprintResponse,
)
from service.wire.deployments import (
    CreateDeploymentRequest,
    DeploymentResponse,
    IntersectedDeploymentsResponse,
    LimitResponse,
    RollingUpdateRequest,
)
from service.wire.imports import ImportPackageRequest
from service.wire.kv import (
    CounterChangeRequest,
    CounterEntryResponse,
    CounterValueRequest,
    JsonEntryResponse,
    JsonValueRequest,
    StringEntryResponse,
    StringValueRequest,
)
from service.wire.packages import (
    CreatePackageRequest,
    CreateRevisionRequest,
    FunctionResponse,
    PackageResponse,
    RevisionResponse,
    UpdatePackageRequest,
    UpdateRevisionRequest,
)
from service.wire.schedules import (
    CreateScheduledEventRequest,
    ScheduledEventResponse,
    UpdateScheduledEventRequest,
)
from service.wire.secrets import SecretResponse, SecretValueRequest
from service.wire.test_inputs import (
    CreateTestInputRequest,
    TestInputResponse,
    UpdateTestInputRequest,
)

PACKAGE_ID = "0b6f6f0e-3c8e-4a36-9a4e-4f8d1c1f2a10"
REVISION_ID = "5d1c2b7e-8a34-4f0e-9c61-2f3e4d5a6b7c"
FUNCTION_ID = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
FUNCTION_REVISION_ID = "1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9"
DEPLOYMENT_ID = "7c6b5a49-3827-4160-9f8e-7d6c5b4a3928"
SCHEDULE_ID = "3e9d8c7b-6a59-4f48-b736-251403f2e1d0"
NEW_DEPLOYMENT_ID = "2e4d6c8b-0a1f-4e3d-8c5b-7a9f1e3d5c7b"
TEST_INPUT_ID = "c3b2a190-8f7e-4d6c-9b5a-4f3e2d1c0b9a"
CREATED = "2026-11-28T16:06:19.968Z"
UPDATED = "2026-11-28T16:09:02.113Z"

FUNCTION_SENT: dict[str, Any] = {
    "name": "hello",
    "type": "ON_REQUEST",
    "code": 'export default (request, response) => response.send("hi");',
    "config": {"path": "hello"},
}
FUNCTION: dict[str, Any] = {
    "id": FUNCTION_ID,
    "functionRevisionId": FUNCTION_REVISION_ID,
    "packageRevisionId": REVISION_ID,
    "name": "hello",
    "language": "JAVASCRIPT",
    "type": "ON_REQUEST",
    "sortOrder": 0,
    "code": FUNCTION_SENT["code"],
    "config": {"path": "hello"},
    "createdDttm": CREATED,
    "updatedDttm": CREATED,
}

EXAMPLE_META: dict[str, Any] = {"timestamp": UPDATED, "correlationId": "checkout-42"}
EXAMPLES: dict[Any, Any] = {
    CreatePackageRequest: {
        "name": "greetings",
        "description": "says hello",
        "tags": ["demo"],
        "functions": [FUNCTION_SENT],
    },
    UpdatePackageRequest: {"description": "says hello, politely", "tags": ["demo", "polite"]},
    PackageResponse: {
        "id": PACKAGE_ID,
        "packageBlueprintId": None,
        "name": "greetings",
        "description": "says hello",
        "apiManaged": False,
        "tags": ["demo"],
        "revisionsTotal": 1,
        "revisionsRunning": 1,
        "packageDeploymentsTotal": 1,
        "packageDeploymentsRunning": 1,
        "createdDttm": CREATED,
        "updatedDttm": UPDATED,
    },
    CreateRevisionRequest: {"packageId": PACKAGE_ID, "functions": [FUNCTION_SENT]},
    UpdateRevisionRequest: {"name": "v1", "description": "the first"},
    RevisionResponse: {
        "id": REVISION_ID,
        "packageId": PACKAGE_ID,
        "name": "v1",
        "description": "",
        "packageDeploymentsTotal": 1,
        "packageDeploymentsRunning": 1,
        "createdDttm": CREATED,
        "updatedDttm": CREATED,
        "functions": [FUNCTION],
    },
    FunctionResponse: FUNCTION,
    CreateDeploymentRequest: {"packageRevisionId": REVISION_ID, "keysetId": 42},
    DeploymentResponse: {
        "id": DEPLOYMENT_ID,
        "packageRevisionId": REVISION_ID,
        "packageId": PACKAGE_ID,
        "keysetId": 42,
        "state": "RUNNING",
        "functionDeployments": [
            {
                "functionRevisionId": FUNCTION_REVISION_ID,
                "state": "RUNNING",
                "createdDttm": CREATED,
                "updatedDttm": UPDATED,
            }
        ],
        "createdDttm": CREATED,
        "updatedDttm": UPDATED,
    },
    AuditRecord: {
        "position": 1207,
        "time": UPDATED,
        "type": "DeploymentStarted",
        "aggregateId": PACKAGE_ID,
        "aggregateVersion": 6,
        "accountId": 1,
        "actor": "4f1c2a3b4d5e6f708192a3b4c5d6e7f8",
        "correlationId": "checkout-42",
        "payload": {"deployment_id": DEPLOYMENT_ID},
    },
    LimitResponse: {
        "name": "package-deployments-running",
        "description": "Package deployments that may run at once in the account",
        "maxValue": 100,
        "currentValue": 1,
    },
    CreateScheduledEventRequest: {
        "packageDeploymentId": DEPLOYMENT_ID,
        "dttmBegin": "2026-12-24T18:00:00.000Z",
        "dttmEnd": "2026-12-26T06:00:00.000Z",
        "description": "the holiday greeting",
    },
    UpdateScheduledEventRequest: {"dttmEnd": "2026-12-27T06:00:00.000Z"},
    ScheduledEventResponse: {
        "id": SCHEDULE_ID,
        "packageDeploymentId": DEPLOYMENT_ID,
        "dttmBegin": "2026-12-24T18:00:00.000Z",
        "dttmEnd": "2026-12-26T06:00:00.000Z",
        "description": "the holiday greeting",
        "state": "SCHEDULED",
        "failureReason": None,
        "createdDttm": CREATED,
        "updatedDttm": UPDATED,
    },
    CreateTestInputRequest: {
        "name": "a greeting",
        "payload": {"text": "hello"},
        "description": "what the chat sends",
    },
    UpdateTestInputRequest: {"payload": {"text": "hello again"}},
    TestInputResponse: {
        "id": TEST_INPUT_ID,
        "functionRevisionId": FUNCTION_REVISION_ID,
        "name": "a greeting",
        "payload": {"text": "hello"},
        "mimeType": "application/json",
        "description": "what the chat sends",
        "createdDttm": CREATED,
        "updatedDttm": UPDATED,
    },
    RollingUpdateRequest: {"newPackageDeploymentId": NEW_DEPLOYMENT_ID},
    StringValueRequest: {"value": "hello", "ttlSeconds": 3600},
    StringEntryResponse: {
        "key": "greeting/en",
        "value": "hello",
        "expiresDttm": "2026-11-28T17:09:02.113Z",
    },
    JsonValueRequest: {"value": {"theme": "dark", "sizes": [12, 14]}},
    JsonEntryResponse: {
        "key": "settings",
        "value": {"theme": "dark", "sizes": [12, 14]},
        "expiresDttm": "2026-11-29T16:09:02.113Z",
    },
    CounterValueRequest: {"value": 100},
    CounterChangeRequest: {"value": 5},
    CounterEntryResponse: {"key": "page-views", "value": 105},
    ImportPackageRequest: {
        "keysetId": 42,
        "name": "order webhook",
        "params": {"WEBHOOK_URL": "https://example.org/hooks/orders"},
    },
    SecretValueRequest: {"value": "sk_live_example"},
    SecretResponse: {"key": "API_KEY", "createdDttm": CREATED, "updatedDttm": UPDATED},
}
EXAMPLES[IntersectedDeploymentsResponse] = {
    "channel": "chat.*",
    "packageDeployments": [EXAMPLES[DeploymentResponse]],
}

BLUEPRINT_ID = "6a1f0c3e-2b4d-4e5f-8a9b-0c1d2e3f4a5b"
FUNCTION_BLUEPRINT_ID = "8b7a6c5d-4e3f-5a1b-9c8d-7e6f5a4b3c2d"
PARAM_EXAMPLE: dict[str, Any] = {
    "id": "4c3b2a19-0f8e-5d7c-b6a5-948372615049",
    "functionBlueprintId": FUNCTION_BLUEPRINT_ID,
    "name": "Webhook URL",
    "sourceName": "WEBHOOK_URL",
    "type": "CUSTOM",
    "valueType": "STRING",
    "storage": "VAULT",
    "description": "where each message is sent",
    "defaultValue": None,
    "required": True,
    "createdDttm": CREATED,
    "updatedDttm": CREATED,
}
EXAMPLES[PackageBlueprintResponse] = {
    "id": BLUEPRINT_ID,
    "parentId": None,
    "name": "Webhook forwarder",
    "version": "1.0.0",
    "description": "Forwards every message published on a channel to a URL.",
    "iconBase64": None,
    "iconMediaType": None,
    "state": "GENERAL_AVAILABILITY",
    "tags": [
        {
            "id": "2d9c8b7a-6f5e-5d4c-8b3a-291807f6e5d4",
            "name": "integrations",
            "visibility": "PUBLIC",
            "createdDttm": CREATED,
            "updatedDttm": CREATED,
        }
    ],
    "createdDttm": CREATED,
    "updatedDttm": UPDATED,
}
EXAMPLES[FunctionBlueprintParamResponse] = PARAM_EXAMPLE
EXAMPLES[FunctionBlueprintResponse] = {
    "id": FUNCTION_BLUEPRINT_ID,
    "packageBlueprintId": BLUEPRINT_ID,
    "name": "forward",
    "type": "AFTER_PUBLISH",
    "language": "JAVASCRIPT",
    "code": "export default async (request) => request.ok();",
    "config": {"inputChannel": "orders.*"},
    "sortOrder": 0,
    "params": [PARAM_EXAMPLE],
    "testInputs": [{"name": "an order", "payload": {"order": 42}, "mimeType": "application/json"}],
    "createdDttm": CREATED,
    "updatedDttm": CREATED,
}
