"""The OpenAPI 3.1 document, generated from the msgspec types that decode requests and encode
responses, and from the app's own route table (a route without an operation is an error)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import msgspec
from offapi import OpenAPITemplate
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from service import audit_routes, deployment_routes, health, metrics_routes, routes
from service import lifecycle_routes as lifecycle
from service.envelope import JSON_MEDIA_TYPE
from service.routes import BASE_PATH
from service.wire import (
    STORABLE_TEXT,
    CreateDeploymentRequest,
    CreatePackageRequest,
    CreateRevisionRequest,
    DeploymentResponse,
    ErrorItem,
    FunctionResponse,
    LimitResponse,
    PackageResponse,
    Paging,
    ResponseMeta,
    RevisionResponse,
    UpdatePackageRequest,
    UpdateRevisionRequest,
)

REF = "#/components/schemas/{name}"
PORTABLE_STORABLE_TEXT = "^[^\\u0000]*$"
PAGE_PARAMETERS = ("page", "size", "sort", "search")
ERRORS = {
    400: "Invalid request: FAAS-400 (a field), FAAS-1003 (not JSON), FAAS-1000 (correlation id), "
    "FAAS-1019 (paging or sort)",
    401: "No API key (FAAS-1001), or an unknown, revoked or expired one (FAAS-1002)",
    403: "The key lacks the permission (FAAS-403)",
    404: "Entity not found, or another account's (FAAS-404)",
    406: "Accept excludes JSON (FAAS-406)",
    409: "Unique or state conflict: FAAS-409, FAAS-1014, FAAS-1015, FAAS-1016, FAAS-1017; "
    "FAAS-1032 (a request with the same Idempotency-Key is still in progress)",
    412: "If-Match does not match the ETag (FAAS-412)",
    413: "Body over the size limit (FAAS-413)",
    415: "Content-Type is not JSON (FAAS-415)",
    422: "A limit: FAAS-1005, FAAS-1006, FAAS-1030, FAAS-1033; FAAS-1031 (an Idempotency-Key "
    "used with another request)",
    500: "Internal server error (FAAS-500)",
    503: "The store is unavailable; retry after Retry-After (FAAS-503)",
}


IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "A repeat within 24 hours with the same key and request answers the first "
    "response again and writes nothing (scoped to the account and the route).",
    "schema": {"type": "string", "pattern": "^[\\x20-\\x7e]{1,255}$"},
}


@dataclass(frozen=True)
class Operation:
    summary: str
    status: int
    response: Any = None
    request: Any = None
    listed: bool = False
    permission: str | None = None
    query: tuple[str, ...] = ()
    errors: tuple[int, ...] = (400, 401, 403, 404, 406, 500, 503)
    extra: dict[str, Any] = field(default_factory=dict)
    text: bool = False


WRITE_ERRORS = (400, 401, 403, 404, 406, 409, 412, 413, 415, 422, 500, 503)

OPERATIONS: dict[Callable[..., Any], Operation] = {
    health.livez: Operation("The process answers", 200, errors=(400, 406)),
    health.readyz: Operation("The service is ready", 200, errors=(400, 406, 503)),
    metrics_routes.metrics: Operation(
        "Prometheus metrics (text format)", 200, errors=(400, 406), text=True
    ),
    routes.create_package: Operation(
        "Create a package with its first revision", 201, PackageResponse, CreatePackageRequest,
        permission="functions.package:write", errors=WRITE_ERRORS,
    ),
    routes.list_packages: Operation(
        "List packages", 200, PackageResponse, listed=True,
        permission="functions.package:read", query=(*PAGE_PARAMETERS, "tag"),
    ),
    routes.get_package: Operation(
        "Get a package (or as it stood at asOf)", 200, PackageResponse,
        permission="functions.package:read", query=("asOf",),
    ),
    lifecycle.update_package: Operation(
        "Update a package", 200, PackageResponse, UpdatePackageRequest,
        permission="functions.package:write", errors=WRITE_ERRORS,
    ),
    lifecycle.delete_package: Operation(
        "Delete a package", 204, permission="functions.package:write", errors=WRITE_ERRORS
    ),
    routes.list_revisions: Operation(
        "List a package's revisions", 200, RevisionResponse, listed=True,
        permission="functions.package:read", query=PAGE_PARAMETERS,
    ),
    audit_routes.list_package_events: Operation(
        "A package's audit trail", 200, dict[str, Any], listed=True,
        permission="functions.package:read", query=("page", "size", "sort"),
    ),
    lifecycle.create_revision: Operation(
        "Create a revision", 201, RevisionResponse, CreateRevisionRequest,
        permission="functions.package:write", errors=WRITE_ERRORS,
    ),
    routes.get_revision: Operation(
        "Get a revision", 200, RevisionResponse, permission="functions.package:read"
    ),
    lifecycle.update_revision: Operation(
        "Update a revision", 200, RevisionResponse, UpdateRevisionRequest,
        permission="functions.package:write", errors=WRITE_ERRORS,
    ),
    lifecycle.delete_revision: Operation(
        "Delete a revision", 204, permission="functions.package:write", errors=WRITE_ERRORS
    ),
    routes.list_functions: Operation(
        "List a revision's functions", 200, FunctionResponse, listed=True,
        permission="functions.package:read", query=PAGE_PARAMETERS,
    ),
    deployment_routes.list_revision_deployments: Operation(
        "List a revision's deployments", 200, DeploymentResponse, listed=True,
        permission="functions.package-deployment:read", query=("page", "size", "sort"),
    ),
    deployment_routes.create_deployment: Operation(
        "Deploy a revision on a keyset", 201, DeploymentResponse, CreateDeploymentRequest,
        permission="functions.package-deployment:write", errors=WRITE_ERRORS,
    ),
    deployment_routes.get_deployment: Operation(
        "Get a deployment", 200, DeploymentResponse,
        permission="functions.package-deployment:read",
    ),
    deployment_routes.delete_deployment: Operation(
        "Delete a stopped deployment", 204,
        permission="functions.package-deployment:write", errors=WRITE_ERRORS,
    ),
    deployment_routes.start_deployment: Operation(
        "Start (or restart) a deployment", 200, DeploymentResponse,
        permission="functions.package-deployment:write", errors=WRITE_ERRORS,
    ),
    deployment_routes.stop_deployment: Operation(
        "Stop a deployment", 200, DeploymentResponse,
        permission="functions.package-deployment:write", query=("force",), errors=WRITE_ERRORS,
    ),
    deployment_routes.stop_all: Operation(
        "Stop every deployment of a package or revision", 200, DeploymentResponse, listed=True,
        permission="functions.package-deployment:write",
        query=("package_id", "package_revision_id"), errors=WRITE_ERRORS,
    ),
    deployment_routes.running_limit: Operation(
        "The running-deployments limit", 200, LimitResponse, permission="functions.package:read"
    ),
}  # fmt: skip

QUERY_SCHEMAS: dict[str, dict[str, Any]] = {
    "page": {"type": "integer", "minimum": 0, "default": 0},
    "size": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
    "sort": {"type": "string", "examples": ["createdDttm,DESC", "name,ASC"]},
    "search": {"type": "string", "maxLength": 100},
    "tag": {"type": "string", "maxLength": 100},
    "asOf": {"type": "string", "format": "date-time"},
    "force": {"type": "boolean"},
    "package_id": {"type": "string", "format": "uuid"},
    "package_revision_id": {"type": "string", "format": "uuid"},
}


def openapi_document(api_routes: list[Route]) -> dict[str, Any]:
    """The document for these routes."""
    types = [operation.request for operation in OPERATIONS.values() if operation.request]
    types += [op.response for op in OPERATIONS.values() if isinstance(op.response, type)]
    types += [ResponseMeta, ErrorItem, Paging]
    _, components = msgspec.json.schema_components(types, ref_template=REF)
    for schema in components.values():
        for name, prop in schema.get("properties", {}).items():
            if prop == {}:  # a read-only field, accepted only to be refused by name
                schema["properties"][name] = {"readOnly": True, "description": "set by the server"}
    _portable_patterns(components)
    paths: dict[str, dict[str, Any]] = {}
    for route in api_routes:
        operation = OPERATIONS[route.endpoint]
        for method in sorted((route.methods or set()) - {"HEAD"}):
            paths.setdefault(route.path, {})[method.lower()] = _operation(route, operation)
    return {
        "openapi": "3.1.0",
        "info": {"title": "FaaS packages", "version": "2"},
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "apiKey": {"type": "http", "scheme": "bearer", "description": "faaspk_…"}
            },
        },
    }


def _portable_patterns(value: Any) -> None:
    """Our text pattern holds a NUL and lone surrogates as characters, which other tools cannot
    read as UTF-8. In the document it is written with an escape; no UTF-8 body can carry a lone
    surrogate anyway (an escaped one is refused by name as well)."""
    if isinstance(value, dict):
        if value.get("pattern") == STORABLE_TEXT:
            value["pattern"] = PORTABLE_STORABLE_TEXT
        for item in value.values():
            _portable_patterns(item)
    elif isinstance(value, list):
        for item in value:
            _portable_patterns(item)


def _operation(route: Route, operation: Operation) -> dict[str, Any]:
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in route.param_convertors
    ]
    parameters += [
        {"name": name, "in": "query", "required": False, "schema": QUERY_SCHEMAS[name]}
        for name in operation.query
    ]
    parameters.append(
        {"name": "X-Correlation-Id", "in": "header", "required": False,
         "schema": {"type": "string", "pattern": "^[A-Za-z0-9._:-]{1,64}$"}}
    )  # fmt: skip
    errors = operation.errors
    if "POST" in (route.methods or ()):
        parameters.append(IDEMPOTENCY_KEY)
        errors = tuple(sorted({*errors, 409, 422}))
    spec: dict[str, Any] = {
        "summary": operation.summary,
        "operationId": route.endpoint.__name__,
        "parameters": parameters,
        "responses": {str(operation.status): _success(operation)}
        | {str(status): _error(status) for status in errors},
    }
    if operation.permission:
        spec["security"] = [{"apiKey": []}]
        spec["description"] = f"Permission: `{operation.permission}`."
    if operation.request is not None:
        ref = {"$ref": REF.format(name=operation.request.__name__)}
        spec["requestBody"] = {"required": True, "content": {"application/json": {"schema": ref}}}
    return spec


def _success(operation: Operation) -> dict[str, Any]:
    if operation.status == 204:
        return {"description": "Done; no body"}
    if operation.text:
        return {"description": "Success", "content": {"text/plain": {"schema": {"type": "string"}}}}
    if isinstance(operation.response, type):
        data: dict[str, Any] = {"$ref": REF.format(name=operation.response.__name__)}
    else:
        data = {"type": "object"}
    if operation.listed:
        data = {"type": "array", "items": data}
    return {"description": "Success", "content": {"application/json": {"schema": _envelope(data)}}}


def _error(status: int) -> dict[str, Any]:
    return {
        "description": ERRORS[status],
        "content": {"application/json": {"schema": _envelope(None)}},
    }


def _envelope(data: dict[str, Any] | None) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "meta": {"$ref": REF.format(name="ResponseMeta")},
        "errors": {"type": "array", "items": {"$ref": REF.format(name="ErrorItem")}},
    }
    if data is not None:
        properties = {"data": data, **properties}
    return {"type": "object", "properties": properties, "required": ["meta", "errors"]}


# Swagger UI sends the document's address to validator.swagger.io (to draw a badge) when the
# page is opened under any host but localhost: that would tell a third party where the service
# runs. Turned off, and the page's Content-Security-Policy lets it reach only the service
# itself, whatever a later Swagger UI might try.
SWAGGER_OPTIONS = "dom_id: '#swagger-ui',"
SWAGGER_OPTIONS_HERE = "dom_id: '#swagger-ui',\n        validatorUrl: null,"
DOCS_POLICY = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)


@cache
def docs_html() -> str:
    """The page, made once: Swagger UI with the validator off, reading our document."""
    template = OpenAPITemplate.SWAGGER.value
    if SWAGGER_OPTIONS not in template:
        raise RuntimeError("offapi's Swagger UI template changed: cannot turn its validator off")
    template = template.replace(SWAGGER_OPTIONS, SWAGGER_OPTIONS_HERE, 1)
    return template.format(spec_url=f"{BASE_PATH}/openapi.json")


async def docs_page(request: Request) -> Response:
    """Swagger UI on one page, its scripts inlined from the ``offapi`` package: no network
    but the service's own document."""
    return HTMLResponse(docs_html(), headers={"Content-Security-Policy": DOCS_POLICY})


async def openapi_json(request: Request) -> Response:
    """The document, made once per app and kept."""
    document = getattr(request.app.state, "openapi", None)
    if document is None:
        api = [r for r in request.app.routes if isinstance(r, Route) and r.endpoint in OPERATIONS]
        document = json.dumps(openapi_document(api)).encode()
        request.app.state.openapi = document
    return Response(document, media_type=JSON_MEDIA_TYPE)
