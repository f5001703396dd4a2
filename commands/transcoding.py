"""Event state (de)serialisation: the library's JSON format, decoded with msgspec."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from eventsourcing.persistence import DatetimeAsISO, JSONTranscoder

TYPE_MARK = b'"_type_"'
DATETIME = DatetimeAsISO.name
JSON_SCALARS = frozenset({str, int, bool, float, type(None)})


class FastJSONTranscoder(JSONTranscoder):
    """The library's ``JSONTranscoder`` format (typed values as ``{"_type_": name,
    "_data_": value}``), read and written several times faster with msgspec. Writing takes
    the fast way for what our events hold (JSON values, and datetimes at the top level, such
    as ``timestamp``); anything else is written by the library."""

    _decoder = msgspec.json.Decoder()
    _encoder = msgspec.json.Encoder()

    def encode(self, obj: Any) -> bytes:
        if type(obj) is not dict:
            return super().encode(obj)
        plain: dict[str, Any] = {}
        for key, value in obj.items():
            kind = type(value)
            if kind is datetime:
                value = {"_type_": DATETIME, "_data_": value.isoformat()}
            elif type(key) is not str or (kind not in JSON_SCALARS and not _is_json(value)):
                return super().encode(obj)
            plain[key] = value
        return self._encoder.encode(plain)

    def decode(self, data: bytes) -> Any:
        value = self._decoder.decode(data)
        marks = data.count(TYPE_MARK)
        if not marks:
            return value
        # Nearly always the one typed value is an event's timestamp: revive just that, and
        # walk the whole document only when the bytes hold other marks.
        if marks == 1 and isinstance(value, dict) and self._is_typed(value.get("timestamp")):
            value["timestamp"] = self._decode_obj(value["timestamp"])
            return value
        return self._revive(value)

    @staticmethod
    def _is_typed(value: Any) -> bool:
        return (
            isinstance(value, dict) and len(value) == 2 and "_type_" in value and "_data_" in value
        )

    def _revive(self, value: Any) -> Any:
        """Typed values from the inside out, as the library's ``object_hook`` does (a
        snapshot's revision holds datetimes and functions of their own)."""
        if isinstance(value, dict):
            revived = {key: self._revive(item) for key, item in value.items()}
            return self._decode_obj(revived) if self._is_typed(revived) else revived
        if isinstance(value, list):
            return [self._revive(item) for item in value]
        return value


def _is_json(value: Any) -> bool:
    """Whether the value is made of JSON types only (exact types: a subclass may be
    something the library writes differently). Loops, not ``all()`` over generators: every
    event of every command goes through here."""
    kind = type(value)
    if kind in JSON_SCALARS:
        return True
    if kind is list:
        for item in value:  # noqa: SIM110
            if type(item) not in JSON_SCALARS and not _is_json(item):
                return False
        return True
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or (type(item) not in JSON_SCALARS and not _is_json(item)):
                return False
        return True
    return False
