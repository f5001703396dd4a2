"""The KV store: strings, JSON values and counters of a keyset, named by its subscribe key
(``?subkey=``); list, read, write and delete each kind, and increment or decrement a counter.

Keys may hold any character but NUL, ``/`` included (sent as is, or as ``%2F``): the path
takes the rest of it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from commands.handlers.kv import (
    ChangeCounter,
    DeleteKvValue,
    KvValue,
    SetCounter,
    WriteKvValue,
)
from commands.keys import KV_READ, KV_WRITE
from commands.kv import COUNTER, JSON, STRING
from projections.kv import KvRecord, kv_entries, kv_entry, now_text
from service import kv_requests
from service.calls import begin
from service.endpoint import BASE_PATH, WRITE_ERRORS, Endpoint
from service.errors import kv_key_not_found
from service.idempotency import stored
from service.keysets import keyset_of
from service.page_tokens import page_token
from service.wire.kv import (
    CounterChangeRequest,
    CounterEntryResponse,
    CounterValueRequest,
    JsonEntryResponse,
    JsonValueRequest,
    StringEntryResponse,
    StringValueRequest,
)

KV = f"{BASE_PATH}/kv"
TAG = "KV store"
PATHS = {STRING: f"{KV}/strings", JSON: f"{KV}/jsons", COUNTER: f"{KV}/counters"}
_string = msgspec.json.Decoder(str)
Handler = Callable[[Request], Awaitable[Response]]


def entry_of(kind: str, record: KvRecord) -> Any:
    """An entry as the read model holds it (its value as JSON text)."""
    if kind == COUNTER:
        return CounterEntryResponse(key=record.key, value=int(record.value))
    expires = str(record.expires_dttm)
    if kind == STRING:
        return StringEntryResponse(
            key=record.key, value=_string.decode(record.value), expires_dttm=expires
        )
    return JsonEntryResponse(
        key=record.key, value=msgspec.Raw(record.value.encode()), expires_dttm=expires
    )


def written(kind: str, value: KvValue) -> Any:
    """An entry as its write left it."""
    if kind == COUNTER:
        return CounterEntryResponse(key=value.key, value=value.value)
    response = StringEntryResponse if kind == STRING else JsonEntryResponse
    return response(key=value.key, value=value.value, expires_dttm=str(value.expires_at))


async def list_entries(request: Request, kind: str) -> Response:
    call = await begin(request, None)
    keyset = await keyset_of(call, KV_READ)
    page = kv_requests.page_request(request, keyset, kind)
    # One more than the page holds: whether there is a next page.
    query = partial(
        kv_entries, prefix=page.prefix, after=page.after, limit=page.size + 1, now=now_text()
    )
    records = await call.read(query, call.container.database, keyset.registration_id, kind)
    token = None
    if len(records) > page.size:
        records = records[: page.size]
        token = page_token(keyset.token_key, kind, page.prefix, records[-1].key)
    return call.ok([entry_of(kind, record) for record in records], next_page_token=token)


async def get_entry(request: Request, kind: str) -> Response:
    call = await begin(request, None)
    place = kv_requests.place_of(request, await keyset_of(call, KV_READ), kind)
    record = await call.read(kv_entry, call.container.database, place.stream_id, now_text())
    if record is None:
        raise kv_key_not_found()
    return call.ok(entry_of(kind, record))


async def put_entry(request: Request, kind: str) -> Response:
    call = await begin(request, None)
    place = kv_requests.place_of(request, await keyset_of(call, KV_WRITE), kind)
    body = await call.body()
    command: Any
    if kind == COUNTER:
        command = SetCounter(place, kv_requests.counter_value(body).value)
    else:
        sent = kv_requests.string_value(body) if kind == STRING else kv_requests.json_value(body)
        command = WriteKvValue(place, sent.value, sent.ttl_seconds)
    committed = await call.run(command)
    headers = await call.settled(committed.position)
    return call.ok(written(kind, committed.value), headers=headers)


async def delete_entry(request: Request, kind: str) -> Response:
    call = await begin(request, None)
    place = kv_requests.place_of(request, await keyset_of(call, KV_WRITE), kind)
    committed = await call.run(DeleteKvValue(place))
    return call.no_content(await call.settled(committed.position))


async def change_counter(request: Request, sign: int) -> Response:
    call = await begin(request, None)
    place = kv_requests.place_of(request, await keyset_of(call, KV_WRITE), COUNTER)
    body = await call.optional_body()
    command = ChangeCounter(place, sign * kv_requests.counter_change(body))
    return await call.answer_once(body, command, lambda value: stored(200, written(COUNTER, value)))


def _handler(name: str, run: Callable[[Request], Awaitable[Response]]) -> Handler:
    """``run`` under its operation's name (the document's ``operationId``)."""

    async def handler(request: Request) -> Response:
        return await run(request)

    handler.__name__ = handler.__qualname__ = name
    return handler


def _kind_endpoints(
    kind: str, name: str, noun: str, types: tuple[type, type], rules: str
) -> list[Endpoint]:
    """The four operations of one kind of entry (``name``: ``string``, ``json``, ...)."""
    request, response = types
    listing, entry = PATHS[kind], f"{PATHS[kind]}/{{key:path}}"
    return [
        Endpoint(
            "GET",
            listing,
            _handler(f"list_{name}s", lambda r: list_entries(r, kind)),
            tag=TAG,
            summary=f"List a keyset's {noun}s",
            description="In key order (by code point), `size` at a time (default 20), only "
            "keys that start with `prefix` if one is given. `meta.nextPageToken` names the "
            "next page (absent at the end), `page_token` asks for it (with the same `prefix`). "
            "Entries past their time are never listed.",
            status=200,
            response=response,
            listed=True,
            permission=KV_READ,
            query=("subkey", "size", "page_token", "prefix"),
        ),
        Endpoint(
            "GET",
            entry,
            _handler(f"get_{name}", lambda r: get_entry(r, kind)),
            tag=TAG,
            summary=f"Read a {noun}",
            description="Unknown, deleted or past its time: 400 FAAS-1021.",
            status=200,
            response=response,
            permission=KV_READ,
            query=("subkey",),
        ),
        Endpoint(
            "PUT",
            entry,
            _handler(f"put_{name}", lambda r: put_entry(r, kind)),
            tag=TAG,
            summary=f"Write a {noun}",
            description=rules,
            status=200,
            request=request,
            response=response,
            permission=KV_WRITE,
            query=("subkey",),
            errors=WRITE_ERRORS,
        ),
        Endpoint(
            "DELETE",
            entry,
            _handler(f"delete_{name}", lambda r: delete_entry(r, kind)),
            tag=TAG,
            summary=f"Delete a {noun}",
            description="Also 204 when there is no such entry.",
            status=204,
            permission=KV_WRITE,
            query=("subkey",),
            errors=WRITE_ERRORS,
        ),
    ]


def _change_endpoint(verb: str, sign: int) -> Endpoint:
    return Endpoint(
        "POST",
        f"{PATHS[COUNTER]}/{{key:path}}/{verb}",
        _handler(f"{verb}_counter", lambda r: change_counter(r, sign)),
        tag=TAG,
        summary=f"{verb.capitalize()} a counter",
        description="By `value` (default 1; the body may be empty); a missing counter starts at "
        "0. Answers the value after the change: concurrent changes never lose one. Past the "
        "64-bit signed range: 400 FAAS-400, and nothing changes.",
        status=200,
        request=CounterChangeRequest,
        response=CounterEntryResponse,
        permission=KV_WRITE,
        query=("subkey",),
        errors=WRITE_ERRORS,
    )


ENDPOINTS = [
    *_kind_endpoints(
        STRING,
        "string",
        "string",
        (StringValueRequest, StringEntryResponse),
        "At most 32,000 characters; `ttlSeconds` 20 to 31,536,000 (default 86,400).",
    ),
    *_kind_endpoints(
        JSON,
        "json",
        "JSON value",
        (JsonValueRequest, JsonEntryResponse),
        "Any JSON value of at most 32,000 bytes as JSON and 64 levels of arrays and objects; "
        "`ttlSeconds` 20 to 31,536,000 (default 86,400).",
    ),
    *_kind_endpoints(
        COUNTER,
        "counter",
        "counter",
        (CounterValueRequest, CounterEntryResponse),
        "A 64-bit signed integer; counters never expire.",
    ),
    _change_endpoint("increment", 1),
    _change_endpoint("decrement", -1),
]
