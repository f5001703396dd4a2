"""Test inputs of a function revision: list them (now, or as they stood at a moment), read,
add, change and delete one.

A path names only the function revision: its package is found in the read model (another
account's, like an unknown one, in one indexed read), and the package, reading its own
events, confirms it before anything is written.
"""

from __future__ import annotations

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from commands.events import TestInputAdded
from commands.handlers.test_inputs import DeleteTestInput, TestInputChange
from commands.idempotency import RecordedAnswer
from commands.keys import PACKAGE_READ, PACKAGE_WRITE
from projections.parts.test_inputs import InputRow
from projections.rows import iso_millis
from projections.test_inputs import (
    TEST_INPUT_SORTS,
    function_home,
    input_of,
    inputs_as_of,
    inputs_of,
)
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
from service.routes.audit import parse_as_of
from service.test_input_requests import add_test_input_command, update_test_input_command
from service.wire.test_inputs import (
    CreateTestInputRequest,
    TestInputResponse,
    UpdateTestInputRequest,
)

create_test_input_decoder = msgspec.json.Decoder(CreateTestInputRequest)
update_test_input_decoder = msgspec.json.Decoder(UpdateTestInputRequest)
TEST_INPUTS = f"{BASE_PATH}/function-revisions/{{function_revision_id}}/test-inputs"
TEST_INPUT = f"{TEST_INPUTS}/{{test_input_id}}"


def input_response(row: InputRow) -> TestInputResponse:
    return TestInputResponse(
        id=row.id,
        function_revision_id=row.function_revision_id,
        name=row.name,
        payload=msgspec.Raw(row.payload.encode()),
        mime_type=row.mime_type,
        description=row.description,
        created_dttm=row.created_dttm,
        updated_dttm=row.updated_dttm,
    )


def _added_response(event: TestInputAdded) -> TestInputResponse:
    moment = iso_millis(event.timestamp)
    return TestInputResponse(
        id=event.test_input_id,
        function_revision_id=event.function_revision_id,
        name=event.name,
        payload=msgspec.Raw(event.payload.encode()),
        mime_type=event.mime_type,
        description=event.description,
        created_dttm=moment,
        updated_dttm=moment,
    )


def _render_created(change: TestInputChange) -> RecordedAnswer:
    assert change.added is not None
    added = change.added
    location = f"{BASE_PATH}/function-revisions/{added.function_revision_id}/test-inputs"
    headers = {"Location": f"{location}/{added.test_input_id}", "ETag": f'"{change.version}"'}
    return stored(201, _added_response(added), headers)


async def list_test_inputs(request: Request) -> Response:
    call = await begin(request, PACKAGE_READ)
    query = list_query(request.query_params, TEST_INPUT_SORTS, NEWEST_FIRST)
    function_revision_id = path_id(request, "function_revision_id")
    as_of = request.query_params.get("asOf")
    database, account = call.container.database, call.account_id
    if as_of is None:
        page = await call.read(inputs_of, database, account, function_revision_id, query)
    else:
        log, moment = call.container.projector.log, parse_as_of(as_of)
        page = await call.read(
            inputs_as_of, database, log, account, function_revision_id, moment, query
        )
    if page is None:
        raise not_found()
    data = [input_response(row) for row in page.items]
    return call.ok(data, paging=responses.paging(page))


async def get_test_input(request: Request) -> Response:
    call = await begin(request, PACKAGE_READ)
    function_revision_id = path_id(request, "function_revision_id")
    test_input_id = path_id(request, "test_input_id")
    row = await call.read(input_of, call.container.database, call.account_id, test_input_id)
    if row is None or row.function_revision_id != str(function_revision_id):
        raise not_found()
    return call.ok(input_response(row), headers={"ETag": f'"{row.version}"'})


async def create_test_input(request: Request) -> Response:
    call = await begin(request, PACKAGE_WRITE)
    function_revision_id = path_id(request, "function_revision_id")
    body = await call.body()
    wire = decode(create_test_input_decoder, body)
    database = call.container.database
    home = await call.read(function_home, database, call.account_id, function_revision_id)
    if home is None:
        raise not_found()
    command = add_test_input_command(wire, home.package_id, function_revision_id)
    return await call.answer_once(body, command, _render_created)


async def update_test_input(request: Request) -> Response:
    call = await begin(request, PACKAGE_WRITE)
    function_revision_id = path_id(request, "function_revision_id")
    test_input_id = path_id(request, "test_input_id")
    wire = decode(update_test_input_decoder, await call.body())
    command = update_test_input_command(
        wire, function_revision_id, test_input_id, expected_version(request)
    )
    committed = await call.run(command)
    headers = await call.settled(committed.position)
    row = await call.read(input_of, call.container.database, call.account_id, test_input_id)
    if row is None:  # deleted since, by another request
        raise not_found()
    return call.ok(input_response(row), headers={**headers, "ETag": f'"{row.version}"'})


async def delete_test_input(request: Request) -> Response:
    call = await begin(request, PACKAGE_WRITE)
    command = DeleteTestInput(
        path_id(request, "function_revision_id"),
        path_id(request, "test_input_id"),
        expected_version(request),
    )
    committed = await call.run(command)
    return call.no_content(await call.settled(committed.position))


ENDPOINTS = [
    Endpoint(
        "GET",
        TEST_INPUTS,
        list_test_inputs,
        tag="Test inputs",
        summary="List a function revision's test inputs",
        description="With `asOf`, as they stood at that moment, rebuilt from the package's "
        "events. `search` matches a substring of the name (case-insensitively).",
        status=200,
        response=TestInputResponse,
        listed=True,
        permission=PACKAGE_READ,
        query=("page", "size", "sort", "search", "asOf"),
    ),
    Endpoint(
        "POST",
        TEST_INPUTS,
        create_test_input,
        tag="Test inputs",
        summary="Add a test input",
        description="A saved example event for the function revision: any JSON `payload` of "
        "at most 32,000 bytes. At most 20 per function revision (configurable; 422 "
        "FAAS-1035). Test inputs are not part of the revision's snapshot: they may be added "
        "to any revision, and they do not move the package's `updatedDttm` or `ETag`.",
        status=201,
        request=CreateTestInputRequest,
        response=TestInputResponse,
        permission=PACKAGE_WRITE,
        errors=WRITE_ERRORS,
    ),
    Endpoint(
        "GET",
        TEST_INPUT,
        get_test_input,
        tag="Test inputs",
        summary="Get a test input",
        description="One test input of the function revision; its `ETag` is for `If-Match`.",
        status=200,
        response=TestInputResponse,
        permission=PACKAGE_READ,
    ),
    Endpoint(
        "PUT",
        TEST_INPUT,
        update_test_input,
        tag="Test inputs",
        summary="Update a test input",
        description="Replaces the fields sent (`payload`, `name`, `mimeType`, `description`). "
        "Honours `If-Match`.",
        status=200,
        request=UpdateTestInputRequest,
        response=TestInputResponse,
        permission=PACKAGE_WRITE,
        errors=WRITE_ERRORS,
    ),
    Endpoint(
        "DELETE",
        TEST_INPUT,
        delete_test_input,
        tag="Test inputs",
        summary="Delete a test input",
        description="Honours `If-Match`.",
        status=204,
        permission=PACKAGE_WRITE,
        errors=WRITE_ERRORS,
    ),
]
