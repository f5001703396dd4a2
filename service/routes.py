"""Thin endpoints: decode, build the command, call the application, encode."""

from __future__ import annotations

import logging

import msgspec
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from commands.commands import CommandContext
from commands.keys import PACKAGE_READ, PACKAGE_WRITE
from projections.queries import FUNCTION_SORTS, PACKAGE_SORTS, REVISION_SORTS
from service import responses
from service.auth import Principal, authorize
from service.body import read_json_body
from service.bootstrap import Container
from service.decoding import decode
from service.envelope import correlation_id_of, success
from service.errors import ApiError
from service.paging import list_query
from service.validation import create_package_command
from service.wire import CreatePackageRequest

BASE_PATH = "/v2/faas"
NEWEST_FIRST = (("created_dttm", True),)
IN_SORT_ORDER = (("sort_order", False), ("position", False))
STALE_HEADER = "X-Read-Model-Stale"

logger = logging.getLogger("faas.service")

create_package_decoder = msgspec.json.Decoder(CreatePackageRequest)


def container_of(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


async def caller(request: Request, permission: str) -> Principal:
    """The authenticated caller, holding ``permission`` (else 401 or 403)."""
    return await authorize(request, container_of(request).keys, permission)


def command_context(request: Request, principal: Principal) -> CommandContext:
    """The caller, the request and its time: the metadata of the events it causes."""
    return CommandContext(
        account_id=principal.account_id,
        actor=principal.key_id,
        correlation_id=correlation_id_of(request),
        requested_at=request.scope["state"]["received_at"],
    )


def not_found() -> ApiError:
    """Unknown, or another account's: the same answer either way."""
    return ApiError(404, "FAAS-404", "Entity not found")


async def read_your_writes(request: Request, position: int) -> dict[str, str]:
    """Wait until the read model includes ``position``; past the bound, answer anyway (the
    write is durable) and say so in a header."""
    container = container_of(request)
    timeout = container.settings.read_your_writes_timeout_seconds
    if await container.watch.wait_for(position, timeout):
        return {}
    logger.warning(
        "read model behind position %s after %s s correlation_id=%s",
        position,
        timeout,
        correlation_id_of(request),
    )
    return {STALE_HEADER: "true"}


async def create_package(request: Request) -> Response:
    principal = await caller(request, PACKAGE_WRITE)
    container = container_of(request)
    body = await read_json_body(request, container.settings.max_body_bytes)
    wire = decode(create_package_decoder, body)
    command = create_package_command(wire, container.settings.max_code_bytes)
    context = command_context(request, principal)
    saved = await run_in_threadpool(container.packages.create_package, command, context)
    headers = await read_your_writes(request, saved.position)
    headers["Location"] = f"{BASE_PATH}/packages/{saved.package.id}"
    return success(request, 201, responses.created_package(saved.package), headers=headers)


async def list_packages(request: Request) -> Response:
    principal = await caller(request, PACKAGE_READ)
    query = list_query(request.query_params, PACKAGE_SORTS, NEWEST_FIRST, tag_filter=True)
    read_model = container_of(request).read_model
    page = await run_in_threadpool(read_model.packages, principal.account_id, query)
    data = [responses.package(row) for row in page.items]
    return success(request, 200, data, paging=responses.paging(page))


async def get_package(request: Request) -> Response:
    principal = await caller(request, PACKAGE_READ)
    read_model = container_of(request).read_model
    row = await run_in_threadpool(
        read_model.package, principal.account_id, request.path_params["package_id"]
    )
    if row is None:
        raise not_found()
    return success(request, 200, responses.package(row), headers={"ETag": f'"{row.version}"'})


async def list_revisions(request: Request) -> Response:
    principal = await caller(request, PACKAGE_READ)
    query = list_query(request.query_params, REVISION_SORTS, NEWEST_FIRST)
    read_model = container_of(request).read_model
    page = await run_in_threadpool(
        read_model.revisions, principal.account_id, request.path_params["package_id"], query
    )
    if page is None:
        raise not_found()
    data = [responses.revision(view) for view in page.items]
    return success(request, 200, data, paging=responses.paging(page))


async def get_revision(request: Request) -> Response:
    principal = await caller(request, PACKAGE_READ)
    read_model = container_of(request).read_model
    view = await run_in_threadpool(
        read_model.revision, principal.account_id, request.path_params["revision_id"]
    )
    if view is None:
        raise not_found()
    return success(request, 200, responses.revision(view))


async def list_functions(request: Request) -> Response:
    principal = await caller(request, PACKAGE_READ)
    query = list_query(request.query_params, FUNCTION_SORTS, IN_SORT_ORDER)
    read_model = container_of(request).read_model
    page = await run_in_threadpool(
        read_model.functions, principal.account_id, request.path_params["revision_id"], query
    )
    if page is None:
        raise not_found()
    data = [responses.function(row) for row in page.items]
    return success(request, 200, data, paging=responses.paging(page))
