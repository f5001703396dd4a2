"""The audit trail over HTTP: a package's events, and a package as it stood at a moment."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from starlette.requests import Request
from starlette.responses import Response

from commands.keys import PACKAGE_READ
from projections.audit import AuditRecord, package_as_of, package_events, stream_account
from projections.queries import ListQuery, Page
from projections.rows import PackageRow, parse_zoned_time
from projections.source import EventLog
from service import responses
from service.calls import begin
from service.endpoint import BASE_PATH, Endpoint, not_found, path_id
from service.errors import validation_failed
from service.paging import NEWEST_FIRST, list_query

# Events sort by time, which is their order in the stream.
EVENT_SORTS = {"createdDttm": "created_dttm"}
# Times a request may name: the whole span in which events can have been stored, with room
# to move to any zone without leaving what a datetime can hold.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 12, 31, tzinfo=UTC)
LONGEST_TIME_TEXT = 64
AS_OF_RULE = (
    "asOf: must be an ISO-8601 time with a zone, e.g. 2026-01-15T10:30:00Z, "
    "from 1970-01-01T00:00:00Z to 9999-12-31T00:00:00Z"
)


def parse_as_of(text: str) -> datetime:
    """``asOf``: an ISO-8601 time with a zone, within [``EARLIEST``, ``LATEST``]."""
    try:
        moment = parse_zoned_time(text) if len(text) <= LONGEST_TIME_TEXT else None
    except OverflowError:  # in range in its zone, out of range in UTC
        moment = None
    if moment is None or not EARLIEST <= moment <= LATEST:
        raise validation_failed(AS_OF_RULE)
    return moment


def package_at(
    log: EventLog, account_id: int, package_id: UUID, moment: datetime
) -> PackageRow | None:
    """The account's package as it stood at ``moment``; another account's is refused before
    its history is read (as cheaply as an unknown id)."""
    if stream_account(log, package_id) != account_id:
        return None
    rows = package_as_of(log, package_id, moment)
    return None if rows is None else rows.packages[str(package_id)]


async def list_package_events(request: Request) -> Response:
    call = await begin(request, PACKAGE_READ)
    query = list_query(request.query_params, EVENT_SORTS, NEWEST_FIRST, search_filter=False)
    log = call.container.projector.log
    package_id = path_id(request, "package_id")
    page = await call.read(_events_page, log, call.account_id, package_id, query)
    if page is None:
        raise not_found()
    return call.ok(page.items, paging=responses.paging(page))


def _events_page(
    log: EventLog, account_id: int, stream: UUID, query: ListQuery
) -> Page[AuditRecord] | None:
    if stream_account(log, stream) != account_id:
        return None
    newest_first = query.sort[0][1]
    items, total = package_events(
        log, stream, newest_first=newest_first, offset=query.page * query.size, limit=query.size
    )
    return Page(items, total, query)


ENDPOINTS = [
    Endpoint(
        "GET",
        f"{BASE_PATH}/packages/{{package_id}}/events",
        list_package_events,
        tag="Audit",
        summary="A package's audit trail",
        description="Every event of the package, newest first by default: what happened, "
        "who did it (the key's id), through which request (the correlation id), and when. "
        "`search` is accepted and ignored (events have no name).",
        status=200,
        response=AuditRecord,
        listed=True,
        permission=PACKAGE_READ,
        query=("page", "size", "sort", "search"),
    ),
]
