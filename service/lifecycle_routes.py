"""Changing packages and revisions: PUT and DELETE of a package, and a revision's POST, PUT
and DELETE; each honours ``If-Match`` and answers once the read model has the change."""

from __future__ import annotations

import re

import msgspec
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from commands.handlers.packages import DeletePackage
from commands.handlers.revisions import DeleteRevision, RevisionChange
from commands.idempotency import RecordedAnswer
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
    committed = await run_command(request, command, context)
    package = committed.value
    headers = await read_your_writes(request, committed.position)
    headers["ETag"] = f'"{package.version}"'
    return success(request, 200, responses.package_of(package), headers=headers)


async def delete_package(request: Request) -> Response:
    principal = await caller(request, PACKAGE_WRITE)
    command = DeletePackage(path_id(request, "package_id"), expected_version(request))
    context = command_context(request, principal)
    committed = await run_command(request, command, context)
    return no_content(request, await read_your_writes(request, committed.position))


async def create_revision(request: Request) -> Response:
    principal = await caller(request, PACKAGE_WRITE)
    container = container_of(request)
    body = await read_json_body(request, container.settings.max_body_bytes)
    command = add_revision_command(
        decode(create_revision_decoder, body), container.settings.max_code_bytes
    )
    context = command_context(request, principal)
    return await answer_once(request, body, command, context, _render_created_revision)


def _render_created_revision(added: RevisionChange) -> RecordedAnswer:
    location = f"{BASE_PATH}/package-revisions/{added.revision_id}"
    functions = responses.recorded_functions(
        added.package, added.revision_id, added.functions or []
    )
    data = responses.revision_of(added.package, added.revision_id, functions)
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
    committed = await run_command(request, command, context)
    changed = committed.value
    headers = await read_your_writes(request, committed.position)
    headers["ETag"] = f'"{changed.package.revisions[changed.revision_id].version}"'
    # A revision's functions never change: the read model's are its own, with their code.
    view = await run_in_threadpool(
        container.read_model.revision, principal.account_id, command.revision_id
    )
    functions = [] if view is None else [responses.function(row) for row in view.functions]
    data = responses.revision_of(changed.package, changed.revision_id, functions)
    return success(request, 200, data, headers=headers)


async def delete_revision(request: Request) -> Response:
    principal = await caller(request, PACKAGE_WRITE)
    command = DeleteRevision(path_id(request, "revision_id"), expected_version(request))
    context = command_context(request, principal)
    committed = await run_command(request, command, context)
    return no_content(request, await read_your_writes(request, committed.position))
