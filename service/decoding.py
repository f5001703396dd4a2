"""Decode a JSON body once, strictly, and say what is wrong with it by JSON path."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, TypeVar

import msgspec

from service.errors import ApiError, echo, malformed_json, validation_failed
from service.wire.common import PATTERN_RULES

T = TypeVar("T")

# Matched whole (``fullmatch``): msgspec's messages quote what was sent, newlines included.
_AT_PATH = re.compile(r"(?P<text>.*?)(?: - at `(?P<path>\$[^`]*)`)?", re.DOTALL)
_UNKNOWN_FIELD = re.compile(r"Object contains unknown field `(?P<field>[^`]*)`", re.DOTALL)
_MISSING_FIELD = re.compile(r"Object missing required field `(?P<field>[^`]*)`", re.DOTALL)
_PATTERN = re.compile(r"Expected `str` matching regex '(?P<regex>.*)'", re.DOTALL)
_SURROGATE = re.compile("[\ud800-\udfff]")
_QUOTED = re.compile(r"'(?P<value>.*)'", re.DOTALL)
_top_level = msgspec.json.Decoder(dict[str, msgspec.Raw])
ENVELOPE_RULE = (
    "$.data: unknown field; a request sends the resource's fields at the top level of its "
    "body, not inside data (only answers wrap them in an envelope)"
)
TOO_DEEP_RULE = "$: nested too deeply"
# msgspec quotes a pattern in its message as Python's repr() would.
_PATTERN_RULES = {repr(regex)[1:-1]: rule for regex, rule in PATTERN_RULES.items()}


def decode(decoder: msgspec.json.Decoder[T], body: bytes) -> T:
    """The typed request, or an ``ApiError``: 400 ``FAAS-400`` naming the JSON path of
    the first invalid field, or 400 ``FAAS-1003`` when the body is not JSON in UTF-8."""
    try:
        return decoder.decode(body)
    except msgspec.ValidationError as error:
        if _sent_as_envelope(body):
            raise validation_failed(ENVELOPE_RULE) from None
        raise validation_failed(describe_validation_error(str(error))) from None
    except RecursionError:
        # Only a read-only field can hold nesting (it is kept as raw JSON, unread); the
        # decoder still walks it, and stops at the interpreter's recursion limit.
        raise validation_failed(TOO_DEEP_RULE) from None
    except (msgspec.DecodeError, UnicodeDecodeError):
        raise _undecodable(body) from None


def _sent_as_envelope(body: bytes) -> bool:
    """Whether the body holds its fields under ``data``, as the answers do."""
    try:
        document = _top_level.decode(body)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        return False
    return "data" in document


def describe_validation_error(message: str) -> str:
    """``Expected `int` - at `$.a[0]``` → ``$.a[0]: expected `int```; field-level
    messages name the field itself in the path."""
    match = _AT_PATH.fullmatch(message)
    assert match is not None
    text, path = match["text"], match["path"] or "$"
    if field := _UNKNOWN_FIELD.fullmatch(text):
        return f"{path}.{echo(field['field'])}: unknown field"
    if field := _MISSING_FIELD.fullmatch(text):
        return f"{path}.{field['field']}: required field is missing"
    if pattern := _PATTERN.fullmatch(text):
        rule = _PATTERN_RULES.get(pattern["regex"], f"must match {pattern['regex']}")
        return f"{path}: {rule}"
    # msgspec quotes a value it refuses (an enum's): only a prefix of it is repeated.
    text = _QUOTED.sub(lambda quoted: f"'{echo(quoted['value'])}'", text)
    return f"{path}: {text[0].lower()}{text[1:]}"


def _undecodable(body: bytes) -> ApiError:
    # msgspec refuses escaped lone surrogates ("\ud800") as malformed JSON; the
    # standard library accepts them, so it tells valid JSON with unstorable text
    # (a 400 naming the field) from a body that is not JSON at all.
    try:
        text = body.decode("utf-8")
        document = json.loads(text)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return malformed_json()
    for path, value in _strings(document, "$"):
        if _SURROGATE.search(value):
            return validation_failed(f"{path}: must be valid Unicode (a lone surrogate was sent)")
    return malformed_json()


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every string of a JSON document, keys included, with its JSON path."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield path, key
            yield from _strings(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")
