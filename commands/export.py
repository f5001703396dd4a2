"""The whole store into one portable file, and from it into an empty store: the events with
their positions and metadata, and the side tables (format: ``commands.log_file``). Both ways
stream, so memory stays flat whatever the size of the store."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import groupby
from typing import Any, BinaryIO

from commands.log_file import (
    FORMAT,
    FORMAT_VERSION,
    ExportFileError,
    Header,
    SideRow,
    StoreNotEmptyError,
    Trailer,
    encode_object,
    read_event,
    read_header,
    read_object,
)
from commands.persistence import LogLoad, LogRow, LogView, ServiceRecorder
from commands.side_tables import SIDE_TABLES, SideTable

Progress = Callable[[int, int], None]
# Lines written, and rows loaded, at a time.
CHUNK = 5000


@dataclass(frozen=True, slots=True)
class Summary:
    events: int
    last_position: int
    side_rows: int
    sha256: str


def export_log(
    recorder: ServiceRecorder, out: BinaryIO, exported_at: str, progress: Progress | None = None
) -> Summary:
    """Write the store as of one moment: the log up to its head, then the side tables."""
    with recorder.viewing() as view:
        head = view.head()
        header = Header(
            format=FORMAT,
            format_version=FORMAT_VERSION,
            source=view.kind,
            exported_at=exported_at,
            events=view.count(head),
            last_position=head,
            side_tables={table.name: table.count(view.cursor, view.kind) for table in SIDE_TABLES},
        )
        out.write(encode_object(header) + b"\n")
        digest = hashlib.sha256()
        events = _write_chunks(out, digest, _event_lines(view, head, header.events, progress))
        rows = _write_chunks(out, digest, _side_lines(view))
    if (events, rows) != (header.events, sum(header.side_tables.values())):
        raise RuntimeError("the store changed while it was read")  # one snapshot: never
    trailer = Trailer(events=events, side_rows=rows, sha256=digest.hexdigest())
    out.write(encode_object(trailer) + b"\n")
    out.flush()
    return Summary(events, head, rows, trailer.sha256)


def _event_lines(
    view: LogView, head: int, total: int, progress: Progress | None
) -> Iterator[bytes]:
    for count, line in enumerate(view.lines(0, head), 1):
        yield line
        if progress is not None and count % CHUNK == 0:
            progress(count, total)
    if progress is not None:
        progress(total, total)


def _side_lines(view: LogView) -> Iterator[bytes]:
    for table in SIDE_TABLES:
        for row in table.rows(view.cursor, view.kind):
            yield encode_object(SideRow(table=table.name, row=row)) + b"\n"


def _write_chunks(out: BinaryIO, digest: Any, lines: Iterable[bytes]) -> int:
    """Write lines in chunks (one write and one digest update per chunk); how many."""
    written, chunk = 0, []
    for line in lines:
        chunk.append(line)
        if len(chunk) == CHUNK:
            written += _flush(out, digest, chunk)
    return written + _flush(out, digest, chunk)


def _flush(out: BinaryIO, digest: Any, chunk: list[bytes]) -> int:
    data = b"".join(chunk)
    digest.update(data)
    out.write(data)
    count = len(chunk)
    chunk.clear()
    return count


def import_log(
    recorder: ServiceRecorder, lines: Iterable[bytes], progress: Progress | None = None
) -> Summary:
    """Load an export into an empty store in one transaction, which commits only once the
    whole file is read and its digest and counts agree with its trailer."""
    source = iter(lines)
    header = read_header(next(source, b""))
    tables = {table.name: table for table in SIDE_TABLES}
    unknown = sorted(set(header.side_tables) - set(tables))
    if unknown:
        raise ExportFileError(f"side tables this release does not have: {', '.join(unknown)}")
    with recorder.loading() as load:
        if not load.is_empty() or any(t.count(load.cursor, load.kind) for t in tables.values()):
            raise StoreNotEmptyError("the store has events already: import into an empty store")
        reading = _Reading(source)
        last = _load_events(load, reading, header, progress)
        rows = _load_side_rows(load, reading, tables)
        trailer = reading.trailer()
        found = (reading.events, rows, reading.digest.hexdigest())
        if found != (trailer.events, trailer.side_rows, trailer.sha256):
            raise ExportFileError(
                f"the file is damaged: it holds {found[0]} events, {found[1]} side-table rows "
                f"and content of SHA-256 {found[2]}; its trailer says {trailer.events}, "
                f"{trailer.side_rows} and {trailer.sha256}"
            )
        if (trailer.events, last) != (header.events, header.last_position):
            raise ExportFileError("the file's header and trailer disagree")
    return Summary(reading.events, last, rows, trailer.sha256)


class _Reading:
    """The lines after the header, each added to the digest; the first line that is not an
    event, decoded, waits in ``pending``."""

    def __init__(self, lines: Iterator[bytes]) -> None:
        self.lines = lines
        self.digest = hashlib.sha256()
        self.events = 0
        self.pending: Header | SideRow | Trailer | None = None

    def event_rows(self) -> Iterator[LogRow]:
        for line in self.lines:
            if line[:1] != b"[":
                self.pending = self._object(line)
                return
            self.digest.update(line)
            self.events += 1
            yield read_event(line)

    def side_rows(self) -> Iterator[SideRow]:
        while isinstance(self.pending, SideRow):
            yield self.pending
            self.pending = self._object(next(self.lines, b""))

    def trailer(self) -> Trailer:
        if not isinstance(self.pending, Trailer):
            raise ExportFileError("the file ends before its trailer: it is incomplete")
        if next(self.lines, None) is not None:
            raise ExportFileError("the file goes on after its trailer")
        return self.pending

    def _object(self, line: bytes) -> Header | SideRow | Trailer:
        if not line:
            raise ExportFileError("the file ends before its trailer: it is incomplete")
        found = read_object(line)
        if isinstance(found, SideRow):
            self.digest.update(line)
        return found


def _load_events(
    load: LogLoad, reading: _Reading, header: Header, progress: Progress | None
) -> int:
    """Every event line, streamed into the store in one statement; the last position."""
    last = 0

    def rows() -> Iterator[LogRow]:
        nonlocal last
        for row in reading.event_rows():
            if row[0] <= last:
                raise ExportFileError(f"position {row[0]} comes after position {last}")
            last = row[0]
            yield row
            if progress is not None and reading.events % CHUNK == 0:
                progress(reading.events, header.events)

    load.write(rows())
    if progress is not None:
        progress(reading.events, header.events)
    return last


def _load_side_rows(load: LogLoad, reading: _Reading, tables: dict[str, SideTable]) -> int:
    loaded = 0
    for name, rows in groupby(reading.side_rows(), key=lambda side: side.table):
        table = tables.get(name)
        if table is None:
            raise ExportFileError(f"a row of side table {name!r}, which this release lacks")
        chunk: list[dict[str, Any]] = []
        for side in rows:
            chunk.append(side.row)
            if len(chunk) == CHUNK:
                table.load(load.cursor, load.kind, chunk)
                loaded, chunk = loaded + len(chunk), []
        if chunk:
            table.load(load.cursor, load.kind, chunk)
            loaded += len(chunk)
    return loaded
