"""What a KV request says, checked: the key in its path, a page request of a list, a value
in its body; each refused with the answer the contract gives."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, TypeVar

import msgspec
from starlette.requests import Request

from commands.kv import KvPlace
from projections.keysets import KeysetRecord
from service.decoding import decode
from service.errors import bad_page_token, from_http_status, validation_failed
from service.page_tokens import BadPageTokenError, key_after
from service.paging import size_parameter
from service.validation import read_only_problems
from service.wire.kv import (
    MAX_JSON_BYTES,
    MAX_JSON_DEPTH,
    MAX_KEY_CHARACTERS,
    CounterChangeRequest,
    CounterValueRequest,
    JsonValueRequest,
    StringValueRequest,
)

T = TypeVar("T", bound=msgspec.Struct)
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
KEY_RULE = f"key: 1 to {MAX_KEY_CHARACTERS:,} characters, without NUL"
PREFIX_RULE = f"prefix: at most {MAX_KEY_CHARACTERS:,} characters, without NUL, given once"
string_decoder = msgspec.json.Decoder(StringValueRequest)
json_decoder = msgspec.json.Decoder(JsonValueRequest)
counter_decoder = msgspec.json.Decoder(CounterValueRequest)
change_decoder = msgspec.json.Decoder(CounterChangeRequest)
_encoder = msgspec.json.Encoder()


@dataclass(frozen=True, slots=True)
class PageRequest:
    size: int
    prefix: str
    after: str | None


def place_of(request: Request, keyset: KeysetRecord, kind: str) -> KvPlace:
    """The entry the path names in the keyset. An empty key is no route at all (as a path
    with a slash too many is), a key past its bounds a 400."""
    return place_of_key(request, keyset.keyset_id, keyset.registration_id, kind)


def place_of_key(request: Request, keyset_id: int, registration_id: str, kind: str) -> KvPlace:
    """``place_of`` for a keyset registration named by its ids (secrets' keys too)."""
    key: str = request.path_params["key"]
    if not key:
        raise from_http_status(404, None)
    if len(key) > MAX_KEY_CHARACTERS or _UNSTORABLE.search(key):
        raise validation_failed(KEY_RULE)
    return KvPlace(keyset_id, registration_id, kind, key)


def page_request(request: Request, keyset: KeysetRecord, kind: str) -> PageRequest:
    """``size`` (400 ``FAAS-1019``), ``prefix`` (400), ``page_token`` (400 ``FAAS-1018``
    unless this list, with this prefix, made it)."""
    params = request.query_params
    size = size_parameter(params)
    prefixes = params.getlist("prefix")
    prefix = prefixes[0] if prefixes else ""
    if len(prefixes) > 1 or len(prefix) > MAX_KEY_CHARACTERS or _UNSTORABLE.search(prefix):
        raise validation_failed(PREFIX_RULE)
    tokens = params.getlist("page_token")
    if not tokens:
        return PageRequest(size, prefix, None)
    if len(tokens) > 1:
        raise bad_page_token()
    try:
        return PageRequest(size, prefix, key_after(keyset.token_key, kind, prefix, tokens[0]))
    except BadPageTokenError:
        raise bad_page_token() from None


def string_value(body: bytes) -> StringValueRequest:
    return checked(decode(string_decoder, body))


def json_value(body: bytes) -> JsonValueRequest:
    """A JSON value of at most ``MAX_JSON_BYTES`` (as we write it) and ``MAX_JSON_DEPTH``
    levels."""
    request = checked(decode(json_decoder, body))
    if _depth(request.value) > MAX_JSON_DEPTH:
        raise validation_failed(f"$.value: at most {MAX_JSON_DEPTH} levels of arrays and objects")
    if len(_encoder.encode(request.value)) > MAX_JSON_BYTES:
        raise validation_failed(f"$.value: at most {MAX_JSON_BYTES:,} bytes as JSON")
    return request


def counter_value(body: bytes) -> CounterValueRequest:
    return checked(decode(counter_decoder, body))


def counter_change(body: bytes) -> int:
    """The change an increment asks for: its ``value``, 1 when the body is empty."""
    return decode(change_decoder, body).value if body.strip() else 1


def checked(request: T) -> T:
    """Fields the server sets are refused by name."""
    problems = list(read_only_problems(request))
    if problems:
        raise validation_failed(*problems)
    return request


def _depth(value: Any) -> int:
    """Levels of arrays and objects, counted without recursion."""
    deepest, level = 0, [(value, 1)]
    while level:
        item, depth = level.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            children = item.values() if isinstance(item, dict) else item
            level += [(child, depth + 1) for child in children]
    return deepest
