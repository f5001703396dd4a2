"""The catalog: package blueprints, their function blueprints and parameters, read with any
valid key (the catalog is public). Retired blueprints, and their functions and parameters, are
not in it (404). An id that is not a UUID is a 400 naming the parameter."""

from __future__ import annotations

import dataclasses
from uuid import NAMESPACE_URL, UUID, uuid5

from starlette.requests import Request
from starlette.responses import Response

from projections.catalog import (
    BLUEPRINT_SORTS,
    PARAM_SORTS,
    BlueprintRecord,
    FunctionBlueprintRecord,
    ParamRecord,
)
from service import responses
from service.calls import begin
from service.endpoint import BASE_PATH, Endpoint, not_found, parse_id, query_id
from service.errors import validation_failed
from service.paging import NEWEST_FIRST, list_query, text_filter
from service.wire.catalog import (
    BlueprintTagResponse,
    BlueprintTestInputResponse,
    FunctionBlueprintParamResponse,
    FunctionBlueprintResponse,
    PackageBlueprintResponse,
)
from service.wire.common import ID_RULE

TAG = "Catalog"
BLUEPRINTS = f"{BASE_PATH}/package-blueprints"
BLUEPRINT = f"{BLUEPRINTS}/{{package_blueprint_id}}"
PARAMS = f"{BASE_PATH}/function-blueprint-params"
TAG_NAMESPACE = uuid5(NAMESPACE_URL, "urn:faas-packages:blueprint-tag")


def catalog_id(request: Request, name: str) -> UUID:
    """A path id of the catalog; one that is not a UUID is a 400 naming the parameter."""
    parsed = parse_id(request.path_params[name])
    if parsed is None:
        raise validation_failed(f"{name}: {ID_RULE}")
    return parsed


def blueprint_of(record: BlueprintRecord) -> PackageBlueprintResponse:
    return PackageBlueprintResponse(
        id=record.id,
        parent_id=None,
        name=record.name,
        version=record.version,
        description=record.description,
        icon_base64=record.icon_base64,
        icon_media_type=record.icon_media_type,
        state="GENERAL_AVAILABILITY",
        tags=[
            BlueprintTagResponse(
                id=str(uuid5(TAG_NAMESPACE, tag)),
                name=tag,
                visibility="PUBLIC",
                created_dttm=at,
                updated_dttm=at,
            )
            for tag, at in record.tags
        ],
        created_dttm=record.created_dttm,
        updated_dttm=record.updated_dttm,
    )


def param_of(record: ParamRecord) -> FunctionBlueprintParamResponse:
    fields = dataclasses.asdict(record)
    del fields["package_blueprint_id"]
    return FunctionBlueprintParamResponse(**fields)


def function_of(record: FunctionBlueprintRecord) -> FunctionBlueprintResponse:
    fields = dataclasses.asdict(record)
    fields["params"] = [param_of(param) for param in record.params]
    fields["test_inputs"] = [
        BlueprintTestInputResponse(
            name=item["name"], payload=item["payload"], mime_type=item["mimeType"]
        )
        for item in record.test_inputs
    ]
    return FunctionBlueprintResponse(**fields)


async def list_package_blueprints(request: Request) -> Response:
    call = await begin(request, None)
    params = request.query_params
    query = list_query(params, BLUEPRINT_SORTS, NEWEST_FIRST, tag_filter=True)
    name = text_filter(params, "name")
    if name is not None:
        query = dataclasses.replace(query, search=name)
    page = await call.read(call.container.catalog.blueprints, query)
    return call.ok([blueprint_of(r) for r in page.items], paging=responses.paging(page))


async def get_package_blueprint(request: Request) -> Response:
    call = await begin(request, None)
    blueprint_id = catalog_id(request, "package_blueprint_id")
    record = await call.read(call.container.catalog.blueprint, blueprint_id)
    if record is None:
        raise not_found()
    return call.ok(blueprint_of(record))


async def list_function_blueprints(request: Request) -> Response:
    call = await begin(request, None)
    blueprint_id = catalog_id(request, "package_blueprint_id")
    functions = await call.read(call.container.catalog.function_blueprints, blueprint_id)
    if functions is None:
        raise not_found()
    return call.ok([function_of(function) for function in functions])


async def list_params_of_function(request: Request) -> Response:
    call = await begin(request, None)
    function_id = catalog_id(request, "function_blueprint_id")
    params = await call.read(call.container.catalog.params_of_function, function_id)
    if params is None:
        raise not_found()
    return call.ok([param_of(param) for param in params])


async def list_params(request: Request) -> Response:
    call = await begin(request, None)
    params = request.query_params
    query = list_query(params, PARAM_SORTS, NEWEST_FIRST)
    name = text_filter(params, "name")
    if name is not None:
        query = dataclasses.replace(query, search=name)
    blueprint_id = query_id(request, "packageBlueprintId")
    page = await call.read(call.container.catalog.params, query, blueprint_id)
    return call.ok([param_of(r) for r in page.items], paging=responses.paging(page))


async def get_param(request: Request) -> Response:
    call = await begin(request, None)
    param_id = catalog_id(request, "function_blueprint_param_id")
    record = await call.read(call.container.catalog.param, param_id)
    if record is None:
        raise not_found()
    return call.ok(param_of(record))


def _endpoint(
    path: str, handler: object, summary: str, description: str, **kwargs: object
) -> Endpoint:
    return Endpoint(
        "GET",
        path,
        handler,  # type: ignore[arg-type]
        tag=TAG,
        summary=summary,
        description=description,
        status=200,
        any_key=True,
        **kwargs,  # type: ignore[arg-type]
    )


ENDPOINTS = [
    _endpoint(
        BLUEPRINTS,
        list_package_blueprints,
        "List package blueprints",
        "The catalog's package blueprints, a page at a time (retired ones are not listed); "
        "`name` (or `search`) matches a substring of the name in any case, `tag` one tag "
        "exactly.",
        response=PackageBlueprintResponse,
        listed=True,
        query=("page", "size", "sort", "search", "name", "tag"),
    ),
    _endpoint(
        BLUEPRINT,
        get_package_blueprint,
        "Get a package blueprint",
        "The blueprint's current version; a retired or unknown one is 404.",
        response=PackageBlueprintResponse,
    ),
    _endpoint(
        f"{BLUEPRINT}/function-blueprints",
        list_function_blueprints,
        "List a blueprint's function blueprints",
        "Every function blueprint of the blueprint's current version, in `sortOrder`, with "
        "its code, parameters and test inputs (not paged).",
        response=FunctionBlueprintResponse,
        listed=True,
    ),
    _endpoint(
        f"{BASE_PATH}/function-blueprints/{{function_blueprint_id}}/function-blueprint-params",
        list_params_of_function,
        "List a function blueprint's parameters",
        "The parameters a package made from the blueprint asks for (not paged).",
        response=FunctionBlueprintParamResponse,
        listed=True,
    ),
    _endpoint(
        PARAMS,
        list_params,
        "List function blueprint parameters",
        "Parameters of every listed blueprint, a page at a time; `name` (or `search`) matches "
        "a substring of the name in any case, `packageBlueprintId` keeps one blueprint's.",
        response=FunctionBlueprintParamResponse,
        listed=True,
        query=("page", "size", "sort", "search", "name", "packageBlueprintId"),
    ),
    _endpoint(
        f"{PARAMS}/{{function_blueprint_param_id}}",
        get_param,
        "Get a function blueprint parameter",
        "One parameter of a listed blueprint; unknown, or of a retired blueprint: 404.",
        response=FunctionBlueprintParamResponse,
    ),
]
