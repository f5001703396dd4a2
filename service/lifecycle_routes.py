"""Changing packages and revisions: PUT and DELETE of a package, and a revision's POST, PUT
and DELETE; each honours ``If-Match`` and answers once the read model has the change."""

from __future__ import annotations

import re
from functools import partial

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from commands.application import SavedRevision
from commands.commands import DeletePackage, DeleteRevision
from commands.idempotency import StoredResponse
from commands.keys import PACKAGE_WRITE
from service import responses
from service.body import read_json_body
from service.commanding import run_command
from service.consistency import read_your_writes
from service.context import caller, command_context, container_of
from service.decoding import decode
from service.envelope import CORRELATION_HEADER, correlation_id_of, success
from service.idempotency import answer_once, stored
from service.ids import path_id
from service.routes import BASE_PATH
from service.validation import (
    add_revision_command,
    update_package_command,
    update_revision_command,
)
from service.wire import CreateRevisionRequest, UpdatePackageRequest, UpdateRevisionRequest

update_package_decoder = msgspec.json.Decoder(UpdatePackageRequest)
create_revision_decoder = msgspec.json.Decoder(CreateRevisionRequest)
update_revision_decoder = msgspec.json.Decoder(UpdateRevisionRequest)

ENTITY_TAG = re.compile(r'\s*(?:W/)?"?(\d{1,18})"?\s*')
NEVER = -1  # an If-Match no version equals


def expected_version(request: Request) -> int | None:
    """The version ``If-Match`` asks for; ``None`` without one (or with ``*``)."""
    header = request.headers.get("if-match")
    if header is None or header.strip() == "*":
        return None
    match = ENTITY_TAG.fullmatch(header)
    return int(match[1]) if match else NEVER


def no_content(request: Request, headers: dict[str, str]) -> Response:
    return Response(
        status_code=204, headers={**headers, CORRELATION_HEADER: correlation_id_of(request)}
    )


async def update_package(request: Request) -> Response:
    principal = await caller(request, PACKAGE_WRITE)
    container = container_of(request)
    package_id = path_id(request, "package_id")
    body = await read_json_body(request, container.settings.max_body_bytes)
    command = update_package_command(
        decode(update_package_decoder, body), package_id, expected_version(request)
    )
    context = command_context(request, principal)
    saved = await run_command(request, partial(container.packages.update_package, command, context))
    headers = await read_your_writes(request, saved.position)
    headers["ETag"] = f'"{saved.package.version}"'
    return success(request, 200, responses.created_package(saved.package), headers=headers)


async def delete_package(request: Request) -> Response:
    principal = await caller(request, PACKAGE_WRITE)
    container = container_of(request)
    command = DeletePackage(path_id(request, "package_id"), expected_version(request))
    context = command_context(request, principal)
    position = await run_command(
        request, partial(container.packages.delete_package, command, context)
    )
    return no_content(request, await read_your_writes(request, position))


async def create_revision(request: Request) -> Response:
    principal = await caller(request, PACKAGE_WRITE)
    container = container_of(request)
    body = await read_json_body(request, container.settings.max_body_bytes)
    command = add_revision_command(
        decode(create_revision_decoder, body), container.settings.max_code_bytes
    )
    context = command_context(request, principal)
    return await answer_once(
        request,
        body,
        partial(container.packages.add_revision, command, context),
        _render_created_revision,
    )


def _render_created_revision(saved: SavedRevision) -> StoredResponse:
    location = f"{BASE_PATH}/package-revisions/{saved.revision_id}"
    data = responses.revision_of(saved.package, saved.revision_id)
    return stored(201, data, {"Location": location})


async def update_revision(request: Request) -> Response:
    principal = await caller(request, PACKAGE_WRITE)
    container = container_of(request)
    revision_id = path_id(request, "revision_id")
    body = await read_json_body(request, container.settings.max_body_bytes)
    command = update_revision_command(
        decode(update_revision_decoder, body), revision_id, expected_version(request)
    )
    context = command_context(request, principal)
    saved = await run_command(
        request, partial(container.packages.update_revision, command, context)
    )
    headers = await read_your_writes(request, saved.position)
    revision = saved.package.revisions[saved.revision_id]
    headers["ETag"] = f'"{revision.version}"'
    return success(
        request, 200, responses.revision_of(saved.package, saved.revision_id), headers=headers
    )


async def delete_revision(request: Request) -> Response:
    principal = await caller(request, PACKAGE_WRITE)
    container = container_of(request)
    command = DeleteRevision(path_id(request, "revision_id"), expected_version(request))
    context = command_context(request, principal)
    position = await run_command(
        request, partial(container.packages.delete_revision, command, context)
    )
    return no_content(request, await read_your_writes(request, position))
