"""The OpenAPI 3.1 document, generated from the API's endpoints (``service.routes.API``: the
same list the app serves) and the msgspec types that decode requests and encode responses."""

from __future__ import annotations

import json
import re
from functools import cache
from importlib.metadata import version
from typing import Any, get_args

import msgspec
from offapi import OpenAPITemplate
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from service.endpoint import BASE_PATH, Endpoint
from service.envelope import JSON_MEDIA_TYPE
from service.examples import EXAMPLE_META, EXAMPLES
from service.wire.common import (
    MAX_KEYSET_ID,
    STORABLE_TEXT,
    ErrorItem,
    FunctionType,
    Paging,
    ResponseMeta,
)

REF = "#/components/schemas/{name}"
_CONVERTOR = re.compile(r"\{(\w+):\w+\}")
PORTABLE_STORABLE_TEXT = "^[^\\u0000]*$"
PAGE_PARAMETERS = ("page", "size", "sort", "search")
ERRORS = {
    400: "Invalid request: FAAS-400 (a field), FAAS-1003 (not JSON), FAAS-1000 (correlation id), "
    "FAAS-1019 (paging or sort), FAAS-1007 (a scheduled time), FAAS-1018 (page token), "
    "FAAS-1020 (subkey missing), FAAS-1021 (KV key not found), FAAS-1022 (subscribe key not "
    "found), FAAS-1029 (the secrets list takes no paging)",
    401: "No API key (FAAS-1001), or an unknown, revoked or expired one (FAAS-1002)",
    403: "The key lacks the permission (FAAS-403)",
    404: "Entity not found, or another account's (FAAS-404)",
    406: "Accept excludes JSON (FAAS-406)",
    409: "Unique or state conflict: FAAS-409, FAAS-1014, FAAS-1015, FAAS-1016, FAAS-1017; "
    "FAAS-1032 (a request with the same Idempotency-Key is still in progress); FAAS-1010, "
    "FAAS-1011, FAAS-1036 (a scheduled event active, no longer editable, overlapping); "
    "FAAS-1034 (a rolling update's precondition)",
    412: "If-Match does not match the ETag (FAAS-412)",
    413: "Body over the size limit (FAAS-413)",
    415: "Content-Type is not JSON (FAAS-415)",
    422: "A limit: FAAS-1005, FAAS-1006, FAAS-1030, FAAS-1033, FAAS-1035 (test inputs per "
    "function revision), FAAS-1038 (scheduled events per deployment); FAAS-1031 (an "
    "Idempotency-Key used with another request)",
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
    "keyset_id": {"type": "integer", "minimum": 1, "maximum": MAX_KEYSET_ID},
    "channel": {
        "type": "array",
        "items": {"type": "string", "minLength": 1, "maxLength": 92},
        "minItems": 1,
        "maxItems": 20,
    },
    "function_type": {"type": "string", "enum": list(get_args(FunctionType))},
    "subkey": {"type": "string", "minLength": 1, "examples": ["sub-c-0b6f6f0e"]},
    "prefix": {"type": "string", "maxLength": 1000},
    "page_token": {"type": "string", "maxLength": 6000},
    "name": {"type": "string", "maxLength": 100},
    "packageBlueprintId": {"type": "string", "format": "uuid"},
}
# Query parameters an operation cannot do without (the others are optional).
REQUIRED_QUERY = frozenset({"subkey", "keyset_id", "channel"})
# Path parameters that are not ids (those end in ``_id``: UUIDs).
PATH_SCHEMAS: dict[str, dict[str, Any]] = {
    "key": {"type": "string", "minLength": 1, "maxLength": 1000},
}


TAGS = [
    ("Packages", "A package groups functions; its first revision is made with it."),
    ("Revisions", "An immutable snapshot of a package's functions and code."),
    ("Deployments", "A revision on a keyset, stopped or running."),
    ("Audit", "What happened to a package, who did it, and when."),
    ("Limits", "What an account may use."),
    ("Operations", "Health and metrics, for operators and load balancers (no key)."),
    ("Scheduled events", "A deployment started and stopped at planned times, by the service."),
    ("Test inputs", "Saved example events for a function of a revision."),
    (
        "KV store",
        "Strings, JSON values and counters of a keyset, named by its subscribe key (`subkey`).",
    ),
    (
        "Catalog",
        "Package blueprints published by the operator, with their function blueprints and "
        "parameters: public content, readable with any valid key; and packages imported from "
        "them.",
    ),
    (
        "Secrets",
        "A keyset's secrets, named by its subscribe key (`subkey`): values go in, encrypted, "
        "and never come out.",
    ),
]
SECURITY = (
    "The API key, as made by `faas-packages keys create` (`faaspk_…`), sent as "
    "`Authorization: <key>` or `Authorization: Bearer <key>`. A key belongs to one account, "
    "which is the account of everything the request sees and does, and carries grants: "
    "`functions.package:read|write` on the account, `functions.package-deployment:read|write`, "
    "`functions.kv:read|write` and `functions.secret:read|write` on the account or on listed "
    "keysets. No key: 401 FAAS-1001; an unknown, revoked or "
    "expired one: 401 FAAS-1002; a missing grant: 403 FAAS-403."
)


def openapi_document(endpoints: list[Endpoint]) -> dict[str, Any]:
    """The document of these endpoints."""
    types = [endpoint.request for endpoint in endpoints if endpoint.request]
    types += [e.response for e in endpoints if isinstance(e.response, type)]
    types += [ResponseMeta, ErrorItem, Paging]
    _, components = msgspec.json.schema_components(types, ref_template=REF)
    for schema in components.values():
        for name, prop in schema.get("properties", {}).items():
            if prop == {}:  # a read-only field, accepted only to be refused by name
                schema["properties"][name] = {"readOnly": True, "description": "set by the server"}
    _portable_patterns(components)
    paths: dict[str, dict[str, Any]] = {}
    for endpoint in endpoints:
        operations = paths.setdefault(documented_path(endpoint.path), {})
        operations[endpoint.method.lower()] = _operation(endpoint)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "FaaS packages",
            "version": version("faas-packages"),
            "description": "The control plane of serverless-function packages, in the shape "
            f"of the Functions v2 admin API under `{BASE_PATH}`. Every answer is one envelope "
            "(`data`, `meta`, `errors`); a failure names each offending field by its JSON path.",
        },
        "tags": [{"name": name, "description": text} for name, text in TAGS],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "apiKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "faaspk_…",
                    "description": SECURITY,
                }
            },
        },
    }


def _portable_patterns(value: Any) -> None:
    """Our text pattern holds a NUL and lone surrogates as characters, which other tools cannot
    read as UTF-8. In the document it is written with an escape; no UTF-8 body can carry a lone
    surrogate anyway (an escaped one is refused by name as well). Our patterns end in Python's
    \\Z, which ECMA-262 writes as $ (there, $ never matches before a final newline)."""
    if isinstance(value, dict):
        if value.get("pattern") == STORABLE_TEXT:
            value["pattern"] = PORTABLE_STORABLE_TEXT
        elif isinstance(value.get("pattern"), str) and value["pattern"].endswith("\\Z"):
            value["pattern"] = value["pattern"].removesuffix("\\Z") + "$"
        for item in value.values():
            _portable_patterns(item)
    elif isinstance(value, list):
        for item in value:
            _portable_patterns(item)


def _operation(endpoint: Endpoint) -> dict[str, Any]:
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": _path_schema(name)}
        for name in _path_parameters(endpoint.path)
    ]
    parameters += [
        {
            "name": name,
            "in": "query",
            "required": name in REQUIRED_QUERY,
            "schema": QUERY_SCHEMAS[name],
        }
        for name in endpoint.query
    ]
    parameters.append(
        {"name": "X-Correlation-Id", "in": "header", "required": False,
         "schema": {"type": "string", "pattern": "^[A-Za-z0-9._:-]{1,64}$"}}
    )  # fmt: skip
    errors = endpoint.errors
    if endpoint.method == "POST":
        parameters.append(IDEMPOTENCY_KEY)
        errors = tuple(sorted({*errors, 409, 422}))
    description = endpoint.description
    if endpoint.permission:
        description = f"{description}\n\nPermission: `{endpoint.permission}`.".strip()
    elif endpoint.any_key:
        description = f"{description}\n\nPermission: any valid key, of any account.".strip()
    spec: dict[str, Any] = {
        "tags": [endpoint.tag],
        "summary": endpoint.summary,
        "description": description,
        "operationId": endpoint.handler.__name__,
        "parameters": parameters,
        "responses": {str(endpoint.status): _success(endpoint)}
        | {str(status): _error(status) for status in errors},
    }
    if endpoint.permission or endpoint.any_key:
        spec["security"] = [{"apiKey": []}]
    if endpoint.request is not None:
        content: dict[str, Any] = {"schema": {"$ref": REF.format(name=endpoint.request.__name__)}}
        if endpoint.request in EXAMPLES:
            content["example"] = EXAMPLES[endpoint.request]
        spec["requestBody"] = {"required": True, "content": {"application/json": content}}
    return spec


def documented_path(path: str) -> str:
    """A route's path as the document writes it: ``{key:path}`` (a route's convertor) is
    ``{key}``."""
    return _CONVERTOR.sub(r"{\1}", path)


def _path_parameters(path: str) -> list[str]:
    return [part[1:-1] for part in documented_path(path).split("/") if part.startswith("{")]


def _path_schema(name: str) -> dict[str, Any]:
    if name.endswith("_id"):
        return {"type": "string", "format": "uuid"}
    return PATH_SCHEMAS.get(name, {"type": "string"})


def _success(endpoint: Endpoint) -> dict[str, Any]:
    if endpoint.status == 204:
        return {"description": "Done; no body"}
    if endpoint.text:
        return {"description": "Success", "content": {"text/plain": {"schema": {"type": "string"}}}}
    if isinstance(endpoint.response, type):
        data: dict[str, Any] = {"$ref": REF.format(name=endpoint.response.__name__)}
    else:
        data = {"type": "object"}
    if endpoint.listed:
        data = {"type": "array", "items": data}
    content: dict[str, Any] = {"schema": _envelope(data)}
    example = EXAMPLES.get(endpoint.response)
    if example is not None:
        items = [example] if endpoint.listed else example
        content["example"] = {"data": items, "meta": EXAMPLE_META, "errors": []}
    return {"description": "Success", "content": {"application/json": content}}


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
    """The document of the app's API (``app.state.api``), made once per app and kept."""
    document = getattr(request.app.state, "openapi", None)
    if document is None:
        document = json.dumps(openapi_document(request.app.state.api)).encode()
        request.app.state.openapi = document
    return Response(document, media_type=JSON_MEDIA_TYPE)
