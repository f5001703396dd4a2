"""Scheduled events: start a deployment at a time and stop it at another (the scheduler,
``service/scheduler.py``, carries them out); list, read (now or as they stood at a
moment), change and delete them.

Permissions are those of the deployment's keyset: a scheduled event of the caller's account
on a keyset its key has no grant for is a 403; one of another account is a 404.
"""

from __future__ import annotations

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from commands.handlers.schedules import DeleteSchedule, ScheduleChange
from commands.idempotency import RecordedAnswer
from commands.keys import DEPLOYMENT_READ, DEPLOYMENT_WRITE
from projections.rows import iso_millis
from projections.schedules import SCHEDULE_SORTS, ScheduleReads
from service import responses
from service.calls import Call, begin
from service.decoding import decode
from service.endpoint import (
    BASE_PATH,
    WRITE_ERRORS,
    Endpoint,
    expected_version,
    not_found,
    path_id,
)
from service.errors import lacks_permission
from service.idempotency import stored
from service.paging import NEWEST_FIRST, list_query
from service.routes.audit import parse_as_of
from service.routes.deployments import writable_keysets
from service.schedule_requests import create_schedule_command, update_schedule_command
from service.wire.schedules import (
    CreateScheduledEventRequest,
    ScheduledEventResponse,
    UpdateScheduledEventRequest,
)

create_schedule_decoder = msgspec.json.Decoder(CreateScheduledEventRequest)
update_schedule_decoder = msgspec.json.Decoder(UpdateScheduledEventRequest)
SCHEDULES = f"{BASE_PATH}/scheduled/events"
SCHEDULE = f"{SCHEDULES}/{{scheduled_event_id}}"
TIMES = (
    "`dttmBegin` must be in the future, at most 366 days ahead, and before `dttmEnd`, which is "
    "at most 366 days after it (400 FAAS-1007). Two scheduled events of one deployment that "
    "are SCHEDULED or ACTIVE never overlap (409 FAAS-1036); one may begin when another ends."
)


def _render(change: ScheduleChange, status: int = 200) -> RecordedAnswer:
    headers = {"ETag": f'"{change.schedule.version}"'}
    if status == 201:
        headers["Location"] = f"{SCHEDULES}/{change.schedule_id}"
    return stored(status, responses.schedule_of(change), headers)


def _render_created(change: ScheduleChange) -> RecordedAnswer:
    return _render(change, 201)


def _as_of(request: Request) -> str | None:
    """``asOf`` as the read model compares times (UTC text, to the millisecond)."""
    as_of = request.query_params.get("asOf")
    return None if as_of is None else iso_millis(parse_as_of(as_of))


def _reads(call: Call) -> ScheduleReads:
    return ScheduleReads(call.container.database)


async def create_schedule(request: Request) -> Response:
    call = await begin(request, None)
    keysets = writable_keysets(call)
    body = await call.body()
    command = create_schedule_command(decode(create_schedule_decoder, body), keysets)
    return await call.answer_once(body, command, _render_created)


async def list_schedules(request: Request) -> Response:
    call = await begin(request, None)
    if not call.principal.holds(DEPLOYMENT_READ):
        raise lacks_permission(DEPLOYMENT_READ)
    query = list_query(request.query_params, SCHEDULE_SORTS, NEWEST_FIRST, search_filter=False)
    keysets = call.principal.keysets_for(DEPLOYMENT_READ)
    page = await call.read(_reads(call).schedules, call.account_id, keysets, query, _as_of(request))
    data = [responses.schedule(row) for row in page.items]
    return call.ok(data, paging=responses.paging(page))


async def get_schedule(request: Request) -> Response:
    call = await begin(request, None)
    schedule_id = path_id(request, "scheduled_event_id")
    row = await call.read(_reads(call).schedule, call.account_id, schedule_id, _as_of(request))
    if row is None:
        raise not_found()
    call.require(DEPLOYMENT_READ, row.keyset_id)
    return call.ok(responses.schedule(row), headers={"ETag": f'"{row.version}"'})


async def update_schedule(request: Request) -> Response:
    call = await begin(request, None)
    schedule_id = path_id(request, "scheduled_event_id")
    keysets = writable_keysets(call)
    wire = decode(update_schedule_decoder, await call.body())
    command = update_schedule_command(wire, schedule_id, keysets, expected_version(request))
    return await call.answer(await call.run(command), _render)


async def delete_schedule(request: Request) -> Response:
    call = await begin(request, None)
    schedule_id = path_id(request, "scheduled_event_id")
    command = DeleteSchedule(schedule_id, writable_keysets(call), expected_version(request))
    committed = await call.run(command)
    return call.no_content(await call.settled(committed.position))


ENDPOINTS = [
    Endpoint(
        "GET",
        SCHEDULES,
        list_schedules,
        tag="Scheduled events",
        summary="List scheduled events",
        description="The account's scheduled events on keysets the key may read, a page at a "
        "time (sort `dttmBegin` or `createdDttm`); with `asOf`, as they stood at that moment. "
        "`search` is accepted and ignored (scheduled events have no name).",
        status=200,
        response=ScheduledEventResponse,
        listed=True,
        permission=DEPLOYMENT_READ,
        query=("page", "size", "sort", "search", "asOf"),
    ),
    Endpoint(
        "GET",
        SCHEDULE,
        get_schedule,
        tag="Scheduled events",
        summary="Get a scheduled event (or as it stood at asOf)",
        description="Needs `functions.package-deployment:read` on its deployment's keyset. "
        "The `ETag` is its version, for `If-Match`.",
        status=200,
        response=ScheduledEventResponse,
        permission=DEPLOYMENT_READ,
        query=("asOf",),
    ),
    Endpoint(
        "POST",
        SCHEDULES,
        create_schedule,
        tag="Scheduled events",
        summary="Schedule a deployment's start and stop",
        description="The service starts the deployment at `dttmBegin` and stops it at "
        f"`dttmEnd`, each exactly once. {TIMES} Needs `functions.package-deployment:write` on "
        "the deployment's keyset.",
        status=201,
        request=CreateScheduledEventRequest,
        response=ScheduledEventResponse,
        permission=DEPLOYMENT_WRITE,
        errors=WRITE_ERRORS,
    ),
    Endpoint(
        "PUT",
        SCHEDULE,
        update_schedule,
        tag="Scheduled events",
        summary="Change a scheduled event",
        description="Replaces `dttmBegin`, `dttmEnd` and `description`, those sent, while it "
        f"is SCHEDULED (else 409 FAAS-1011). {TIMES} Honours `If-Match`.",
        status=200,
        request=UpdateScheduledEventRequest,
        response=ScheduledEventResponse,
        permission=DEPLOYMENT_WRITE,
        errors=WRITE_ERRORS,
    ),
    Endpoint(
        "DELETE",
        SCHEDULE,
        delete_schedule,
        tag="Scheduled events",
        summary="Delete a scheduled event",
        description="Refused while it is ACTIVE (409 FAAS-1010): its deployment would be left "
        "running with no stop planned. Honours `If-Match`.",
        status=204,
        permission=DEPLOYMENT_WRITE,
        errors=WRITE_ERRORS,
    ),
]
