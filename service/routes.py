"""Thin endpoints: decode, build the command, call the application, encode."""

from __future__ import annotations

import msgspec
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from commands.idempotency import RecordedAnswer
from commands.keys import PACKAGE_READ, PACKAGE_WRITE
from commands.package import Package
from projections.queries import FUNCTION_SORTS, PACKAGE_SORTS, REVISION_SORTS
from service import responses
from service.audit_routes import package_as_of_time, parse_as_of
from service.body import read_json_body
from service.context import caller, command_context, container_of, not_found
from service.decoding import decode
from service.envelope import success
from service.idempotency import answer_once, stored
from service.ids import path_id
from service.paging import NEWEST_FIRST, list_query
from service.validation import create_package_command
from service.wire import CreatePackageRequest

BASE_PATH = "/v2/faas"
IN_SORT_ORDER = (("sort_order", False), ("position", False))

create_package_decoder = msgspec.json.Decoder(CreatePackageRequest)


async def create_package(request: Request) -> Response:
    principal = await caller(request, PACKAGE_WRITE)
    container = container_of(request)
    body = await read_json_body(request, container.settings.max_body_bytes)
    wire = decode(create_package_decoder, body)
    command = create_package_command(wire, container.settings.max_code_bytes)
    context = command_context(request, principal)
    return await answer_once(request, body, command, context, _render_created_package)


def _render_created_package(package: Package) -> RecordedAnswer:
    location = f"{BASE_PATH}/packages/{package.id}"
    return stored(201, responses.package_of(package), {"Location": location})


async def list_packages(request: Request) -> Response:
    principal = await caller(request, PACKAGE_READ)
    query = list_query(request.query_params, PACKAGE_SORTS, NEWEST_FIRST, tag_filter=True)
    read_model = container_of(request).read_model
    page = await run_in_threadpool(read_model.packages, principal.account_id, query)
    data = [responses.package(row) for row in page.items]
    return success(request, 200, data, paging=responses.paging(page))


async def get_package(request: Request) -> Response:
    principal = await caller(request, PACKAGE_READ)
    container = container_of(request)
    package_id = path_id(request, "package_id")
    # Nearly every GET has no query string: parsing an empty one is not free.
    as_of = request.query_params.get("asOf") if request.scope["query_string"] else None
    if as_of is None:
        kept = await container.package_cache.package(principal.account_id, package_id)
        if kept is None:
            raise not_found()
        return success(request, 200, kept.data, headers={"ETag": f'"{kept.version}"'})
    row = await run_in_threadpool(
        package_as_of_time, container, principal.account_id, package_id, parse_as_of(as_of)
    )
    if row is None:
        raise not_found()
    return success(request, 200, responses.package(row), headers={"ETag": f'"{row.version}"'})


async def list_revisions(request: Request) -> Response:
    principal = await caller(request, PACKAGE_READ)
    query = list_query(request.query_params, REVISION_SORTS, NEWEST_FIRST)
    read_model = container_of(request).read_model
    page = await run_in_threadpool(
        read_model.revisions, principal.account_id, path_id(request, "package_id"), query
    )
    if page is None:
        raise not_found()
    data = [responses.revision(view) for view in page.items]
    return success(request, 200, data, paging=responses.paging(page))


async def get_revision(request: Request) -> Response:
    principal = await caller(request, PACKAGE_READ)
    read_model = container_of(request).read_model
    view = await run_in_threadpool(
        read_model.revision, principal.account_id, path_id(request, "revision_id")
    )
    if view is None:
        raise not_found()
    etag = {"ETag": f'"{view.revision.version}"'}
    return success(request, 200, responses.revision(view), headers=etag)


async def list_functions(request: Request) -> Response:
    principal = await caller(request, PACKAGE_READ)
    query = list_query(request.query_params, FUNCTION_SORTS, IN_SORT_ORDER)
    read_model = container_of(request).read_model
    page = await run_in_threadpool(
        read_model.functions, principal.account_id, path_id(request, "revision_id"), query
    )
    if page is None:
        raise not_found()
    data = [responses.function(row) for row in page.items]
    return success(request, 200, data, paging=responses.paging(page))
