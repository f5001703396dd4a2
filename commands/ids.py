"""Random (version 4) UUIDs, drawn from the system's random source a page at a time.

``uuid.uuid4()`` makes one system call per id. Each call lets go of the interpreter lock,
and under load taking it back can cost the event loop milliseconds while the writer thread
runs. A create makes several ids, so they are cut from one larger read instead.
"""

from __future__ import annotations

import os
import threading
from uuid import UUID

PAGE_BYTES = 4096
ID_BYTES = 16

_lock = threading.Lock()
_page = b""
_offset = PAGE_BYTES
_pid = -1


def new_id() -> UUID:
    """A new random UUID (version 4), as ``uuid.uuid4()`` makes."""
    return UUID(bytes=_random_bytes(), version=4)


def new_id_text() -> str:
    """``str(new_id())``, without making the ``UUID`` (for ids that are only ever text, such
    as a request's correlation id)."""
    chunk = bytearray(_random_bytes())
    chunk[6] = (chunk[6] & 0x0F) | 0x40  # version 4
    chunk[8] = (chunk[8] & 0x3F) | 0x80  # the RFC 4122 variant
    text = chunk.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def _random_bytes() -> bytes:
    global _page, _offset, _pid
    with _lock:
        # A forked child must never cut the same ids from its parent's page.
        if _offset + ID_BYTES > len(_page) or _pid != os.getpid():
            _page, _offset, _pid = os.urandom(PAGE_BYTES), 0, os.getpid()
        chunk = _page[_offset : _offset + ID_BYTES]
        _offset += ID_BYTES
    return chunk
