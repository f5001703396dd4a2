"""The export format: the whole store as one file of JSON lines (``docs/log.md``).

1. A header object: ``{"kind": "header", "format": "faas-packages-export", "formatVersion":
   1, "source": "sqlite"|"postgres", "exportedAt": time, "events": N, "lastPosition": P,
   "sideTables": {name: rows}}``.
2. One line per event, in log order: ``[position, "stream id", version, "topic", state]``,
   where ``state`` is the stored state itself when it is one line of JSON (an object, as
   this service stores every event), else a string: the stored bytes in base64.
3. One line per row of each side table (``commands.side_tables``), table after table:
   ``{"kind": "row", "table": name, "row": {...}}``.
4. A trailer object: ``{"kind": "trailer", "events": N, "sideRows": M, "sha256": hex}``,
   the SHA-256 of every line between the header and the trailer, as written (newlines
   included): the content, which is the same whichever store it came from.

A reader ignores header and trailer fields it does not know; a new ``formatVersion`` is for
changes an older reader could not read.
"""

from __future__ import annotations

import base64
from typing import Any
from uuid import UUID

import msgspec

FORMAT = "faas-packages-export"
FORMAT_VERSION = 1


class ExportFileError(Exception):
    """The file is not a complete, intact export this code can read."""


class StoreNotEmptyError(Exception):
    """An export is imported only into a store with no events and no side-table rows."""


class Header(msgspec.Struct, tag_field="kind", tag="header", rename="camel", kw_only=True):
    format: str
    format_version: int
    source: str
    exported_at: str
    events: int
    last_position: int
    side_tables: dict[str, int] = {}


class SideRow(msgspec.Struct, tag_field="kind", tag="row", kw_only=True):
    table: str
    row: dict[str, Any]


class Trailer(msgspec.Struct, tag_field="kind", tag="trailer", rename="camel", kw_only=True):
    events: int
    side_rows: int
    sha256: str


class EventLine(msgspec.Struct, array_like=True):
    position: int
    stream_id: UUID
    version: int
    topic: str
    state: msgspec.Raw


encode_object = msgspec.json.Encoder().encode
_decode_object = msgspec.json.Decoder(Header | SideRow | Trailer).decode
_decode_event = msgspec.json.Decoder(EventLine).decode
_topics: dict[str, bytes] = {}


def event_line(position: int, stream_id: str, version: int, topic: str, state: bytes) -> bytes:
    """An event's line. Stream ids are UUIDs (hex and dashes), written as they come."""
    written = _topics.get(topic)
    if written is None:
        written = _topics[topic] = msgspec.json.encode(topic)
    if not (state[:1] == b"{" and state[-1:] == b"}" and b"\n" not in state):
        state = msgspec.json.encode(base64.b64encode(state).decode())
    return b'[%d,"%s",%d,%s,%s]\n' % (position, stream_id.encode(), version, written, state)


def read_event(line: bytes) -> tuple[int, UUID, int, str, bytes]:
    """An event line as ``(position, stream id, version, topic, stored state)``."""
    try:
        event = _decode_event(line)
    except msgspec.DecodeError as error:
        raise ExportFileError(f"an event line cannot be read: {error}") from None
    state = bytes(event.state)
    if state[:1] == b'"':
        state = base64.b64decode(msgspec.json.decode(state, type=str), validate=True)
    return event.position, event.stream_id, event.version, event.topic, state


def read_object(line: bytes) -> Header | SideRow | Trailer:
    try:
        found: Header | SideRow | Trailer = _decode_object(line)
    except msgspec.DecodeError as error:
        raise ExportFileError(f"a line cannot be read: {error}") from None
    return found


def read_header(line: bytes) -> Header:
    try:
        header = read_object(line)
    except ExportFileError:
        header = None
    if not isinstance(header, Header) or header.format != FORMAT:
        raise ExportFileError(f"not a {FORMAT} file: its first line is no header")
    if header.format_version != FORMAT_VERSION:
        raise ExportFileError(
            f"format version {header.format_version}: this release reads version "
            f"{FORMAT_VERSION} only"
        )
    return header
