"""Revisions: add one to a package, list a package's, read one and its functions, rename
and delete one."""

from __future__ import annotations

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from commands.handlers.revisions import DeleteRevision, RevisionChange
from commands.idempotency import RecordedAnswer
from commands.keys import PACKAGE_READ, PACKAGE_WRITE
from projections.queries import FUNCTION_SORTS, REVISION_SORTS
from service import responses
from service.calls import begin
from service.decoding import decode
from service.endpoint import (
    BASE_PATH,
    WRITE_ERRORS,
    Endpoint,
    expected_version,
    not_found,
    path_id,
)
from service.idempotency import stored
from service.paging import NEWEST_FIRST, list_query
from service.validation import add_revision_command, update_revision_command
from service.wire.packages import (
    CreateRevisionRequest,
    FunctionResponse,
    RevisionResponse,
    UpdateRevisionRequest,
)

create_revision_decoder = msgspec.json.Decoder(CreateRevisionRequest)
update_revision_decoder = msgspec.json.Decoder(UpdateRevisionRequest)
REVISIONS = f"{BASE_PATH}/package-revisions"
REVISION = f"{REVISIONS}/{{revision_id}}"
IN_SORT_ORDER = (("sort_order", False), ("position", False))


async def create_revision(request: Request) -> Response:
    call = await begin(request, PACKAGE_WRITE)
    body = await call.body()
    wire = decode(create_revision_decoder, body)
    command = add_revision_command(wire, call.settings.max_code_bytes)
    return await call.answer_once(body, command, _render_created)


def _render_created(added: RevisionChange) -> RecordedAnswer:
    package, revision_id = added.package, added.revision_id
    functions = responses.recorded_functions(package, revision_id, added.functions or [])
    data = responses.revision_of(package, revision_id, functions)
    return stored(201, data, {"Location": f"{REVISIONS}/{revision_id}"})


async def list_revisions(request: Request) -> Response:
    call = await begin(request, PACKAGE_READ)
    query = list_query(request.query_params, REVISION_SORTS, NEWEST_FIRST)
    package_id = path_id(request, "package_id")
    page = await call.read(call.container.read_model.revisions, call.account_id, package_id, query)
    if page is None:
        raise not_found()
    return call.ok([responses.revision(view) for view in page.items], paging=responses.paging(page))


async def get_revision(request: Request) -> Response:
    call = await begin(request, PACKAGE_READ)
    revision_id = path_id(request, "revision_id")
    view = await call.read(call.container.read_model.revision, call.account_id, revision_id)
    if view is None:
        raise not_found()
    return call.ok(responses.revision(view), headers={"ETag": f'"{view.revision.version}"'})


async def list_functions(request: Request) -> Response:
    call = await begin(request, PACKAGE_READ)
    query = list_query(request.query_params, FUNCTION_SORTS, IN_SORT_ORDER)
    revision_id = path_id(request, "revision_id")
    read_model = call.container.read_model
    page = await call.read(read_model.functions, call.account_id, revision_id, query)
    if page is None:
        raise not_found()
    return call.ok([responses.function(row) for row in page.items], paging=responses.paging(page))


async def update_revision(request: Request) -> Response:
    call = await begin(request, PACKAGE_WRITE)
    revision_id = path_id(request, "revision_id")
    wire = decode(update_revision_decoder, await call.body())
    command = update_revision_command(wire, revision_id, expected_version(request))
    committed = await call.run(command)
    changed = committed.value
    headers = await call.settled(committed.position)
    headers["ETag"] = f'"{changed.package.revisions[changed.revision_id].version}"'
    # A revision's functions never change: the read model's are its own, with their code.
    view = await call.read(call.container.read_model.revision, call.account_id, revision_id)
    functions = [] if view is None else [responses.function(row) for row in view.functions]
    data = responses.revision_of(changed.package, changed.revision_id, functions)
    return call.ok(data, headers=headers)


async def delete_revision(request: Request) -> Response:
    call = await begin(request, PACKAGE_WRITE)
    command = DeleteRevision(path_id(request, "revision_id"), expected_version(request))
    committed = await call.run(command)
    return call.no_content(await call.settled(committed.position))


ENDPOINTS = [
    Endpoint(
        "POST",
        REVISIONS,
        create_revision,
        tag="Revisions",
        summary="Create a revision",
        description="A new immutable snapshot of a package's functions. `name` defaults to "
        "`v<n>`, n counting every revision the package ever had. A package holds at most 100 "
        "revisions (configurable; 422 FAAS-1037).",
        status=201,
        request=CreateRevisionRequest,
        response=RevisionResponse,
        permission=PACKAGE_WRITE,
        errors=WRITE_ERRORS,
    ),
    Endpoint(
        "GET",
        f"{BASE_PATH}/packages/{{package_id}}/package-revisions",
        list_revisions,
        tag="Revisions",
        summary="List a package's revisions",
        description="Each with its functions, without their code (read a revision, or its "
        "functions, for the code).",
        status=200,
        response=RevisionResponse,
        listed=True,
        permission=PACKAGE_READ,
        query=("page", "size", "sort", "search"),
    ),
    Endpoint(
        "GET",
        REVISION,
        get_revision,
        tag="Revisions",
        summary="Get a revision",
        description="The revision with its functions (and their code) in `sortOrder`.",
        status=200,
        response=RevisionResponse,
        permission=PACKAGE_READ,
    ),
    Endpoint(
        "PUT",
        REVISION,
        update_revision,
        tag="Revisions",
        summary="Update a revision",
        description="Replaces `name` and `description`, those sent (its functions never "
        "change). Honours `If-Match`.",
        status=200,
        request=UpdateRevisionRequest,
        response=RevisionResponse,
        permission=PACKAGE_WRITE,
        errors=WRITE_ERRORS,
    ),
    Endpoint(
        "DELETE",
        REVISION,
        delete_revision,
        tag="Revisions",
        summary="Delete a revision",
        description="Removes it with its stopped deployments; refused (409 FAAS-1017) while "
        "any of its deployments runs. Honours `If-Match`.",
        status=204,
        permission=PACKAGE_WRITE,
        errors=WRITE_ERRORS,
    ),
    Endpoint(
        "GET",
        f"{REVISION}/functions",
        list_functions,
        tag="Revisions",
        summary="List a revision's functions",
        description="In `sortOrder` by default, with their code.",
        status=200,
        response=FunctionResponse,
        listed=True,
        permission=PACKAGE_READ,
        query=("page", "size", "sort", "search"),
    ),
]
