"""What every wire type shares: constraints, the strict request base, the envelope, times."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

from projections.rows import iso_millis

# Patterns end in \Z, not $: msgspec searches with them, and $ also matches before a final
# newline, which would then pass unchecked.
# Strings we store must be valid Unicode that PostgreSQL can hold: no NUL, no lone surrogate.
STORABLE_TEXT = "^[^\x00\ud800-\udfff]*\\Z"
FUNCTION_PATH = r"^[A-Za-z0-9_-][A-Za-z0-9_/-]*\Z"
# The one form of an id on the wire: lowercase, with hyphens (``service.endpoint.parse_id``).
CANONICAL_ID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z"
ID_RULE = "must be a UUID in lowercase with hyphens (8-4-4-4-12 hex digits)"
# A media type: ``type/subtype`` of RFC 6838's characters, then any parameters.
MIME_TYPE = (
    r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}"
    r"( *;[\x20-\x7e]*)?\Z"
)

# Human descriptions of our patterns, used in validation messages instead of the regex.
PATTERN_RULES = {
    STORABLE_TEXT: "must not contain NUL characters",
    FUNCTION_PATH: "must use only a-z A-Z 0-9 - _ / and not start with a slash",
    CANONICAL_ID: ID_RULE,
    MIME_TYPE: "must be a media type (type/subtype, then any parameters)",
}

MAX_INT32 = 2**31 - 1
# The largest integer a JSON client reads exactly (a double's 53 bits: JavaScript's
# Number.MAX_SAFE_INTEGER); well inside PostgreSQL's BIGINT and SQLite's INTEGER.
MAX_KEYSET_ID = 2**53 - 1
MAX_NAME_LENGTH = 100

# Names are limited after trimming (``service.validation``): spaces around do not count. The
# document still says 100, the most a client need ever send.
Name = Annotated[
    str,
    Meta(
        min_length=1,
        pattern=STORABLE_TEXT,
        description=f"1 to {MAX_NAME_LENGTH} characters after trimming spaces",
        extra_json_schema={"maxLength": MAX_NAME_LENGTH},
    ),
]
Description = Annotated[str, Meta(max_length=1000, pattern=STORABLE_TEXT)]
Tag = Annotated[str, Meta(min_length=1, max_length=50, pattern=STORABLE_TEXT)]
Code = Annotated[str, Meta(min_length=1, pattern=STORABLE_TEXT)]
Channel = Annotated[str, Meta(min_length=1, max_length=92)]
FunctionPath = Annotated[str, Meta(min_length=1, max_length=100, pattern=FUNCTION_PATH)]
IntervalSeconds = Annotated[int, Meta(ge=1, le=3600)]
SortOrder = Annotated[int, Meta(ge=0, le=MAX_INT32)]
# Kept as its text here; ``service.validation`` turns it into a ``UUID``.
Id = Annotated[str, Meta(pattern=CANONICAL_ID)]

FunctionType = Literal[
    "BEFORE_PUBLISH",
    "AFTER_PUBLISH",
    "BEFORE_PUBLISH_FILE",
    "AFTER_PUBLISH_FILE",
    "BEFORE_SIGNAL",
    "AFTER_SIGNAL",
    "AFTER_PRESENCE",
    "ON_INTERVAL",
    "ON_REQUEST",
    "SUBSCRIBE_ON_INTERVAL",
]
Language = Literal["JAVASCRIPT"]

# A field the server owns: accepted by the decoder only so that it can be refused by name
# (``service.validation.read_only_problems``, for every request type). Kept as raw JSON: its
# value is never looked at, nor turned into Python objects.
ReadOnly = msgspec.Raw | UnsetType


class StrictRequest(msgspec.Struct, forbid_unknown_fields=True, rename="camel", kw_only=True):
    """Base of request bodies: camelCase on the wire, unknown fields refused."""


class Paging(msgspec.Struct, rename="camel", kw_only=True):
    total_elements: int
    total_pages: int
    page_size: int
    page_number: int
    page_offset: int


class ErrorItem(msgspec.Struct):
    code: str
    message: str


class ResponseMeta(msgspec.Struct, rename="camel", omit_defaults=True):
    timestamp: str
    correlation_id: str
    paging: Paging | UnsetType = UNSET
    # Cursor-paged lists (the KV store's): the next page's token, absent at the end.
    next_page_token: str | UnsetType = UNSET


class Envelope(msgspec.Struct, omit_defaults=True, kw_only=True):
    """Every response body: ``data`` is absent on errors."""

    data: Any = UNSET
    meta: ResponseMeta
    errors: list[ErrorItem]


format_timestamp = iso_millis


def now_to_the_millisecond() -> datetime:
    """The current time as stored in events, so stored and shown times are equal."""
    return to_the_millisecond(time.time())


def to_the_millisecond(seconds: float) -> datetime:
    """A ``time.time()`` as stored in events."""
    moment = datetime.fromtimestamp(seconds, UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)
