"""The KV store on the wire: strings, JSON values and counters, each addressed by the
keyset's subscribe key and a key."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from msgspec import UNSET, Meta

from commands.kv import MAX_COUNTER, MIN_COUNTER
from service.wire.common import STORABLE_TEXT, ReadOnly, StrictRequest

MAX_KEY_CHARACTERS = 1000
MAX_STRING_CHARACTERS = 32_000
MAX_JSON_BYTES = 32_000
# Levels of arrays and objects in a JSON value: far more than data needs, far fewer than
# the interpreter's recursion limit, which every layer that walks the value must stay under.
MAX_JSON_DEPTH = 64
MIN_TTL_SECONDS, MAX_TTL_SECONDS, DEFAULT_TTL_SECONDS = 20, 31_536_000, 86_400

TtlSeconds = Annotated[
    int,
    Meta(
        ge=MIN_TTL_SECONDS,
        le=MAX_TTL_SECONDS,
        description="seconds until the entry expires (default 86,400)",
    ),
]
CounterValue = Annotated[int, Meta(ge=MIN_COUNTER, le=MAX_COUNTER)]


class StringValueRequest(StrictRequest):
    value: Annotated[str, Meta(max_length=MAX_STRING_CHARACTERS, pattern=STORABLE_TEXT)]
    ttl_seconds: TtlSeconds = DEFAULT_TTL_SECONDS
    key: ReadOnly = UNSET
    expires_dttm: ReadOnly = UNSET


class JsonValueRequest(StrictRequest):
    value: Annotated[
        Any, Meta(description=f"any JSON value, at most {MAX_JSON_BYTES:,} bytes as JSON")
    ]
    ttl_seconds: TtlSeconds = DEFAULT_TTL_SECONDS
    key: ReadOnly = UNSET
    expires_dttm: ReadOnly = UNSET


class CounterValueRequest(StrictRequest):
    """Counters never expire: they take no ``ttlSeconds``."""

    value: CounterValue
    key: ReadOnly = UNSET


class CounterChangeRequest(StrictRequest):
    """An increment or decrement: by ``value`` (default 1). The body may be empty."""

    value: CounterValue = 1


class StringEntryResponse(msgspec.Struct, rename="camel", kw_only=True):
    key: str
    value: str
    expires_dttm: str


class JsonEntryResponse(msgspec.Struct, rename="camel", kw_only=True):
    key: str
    value: Any
    expires_dttm: str


class CounterEntryResponse(msgspec.Struct, rename="camel", kw_only=True):
    key: str
    value: int
