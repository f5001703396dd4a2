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
    global _page, _offset
    with _lock:
        if _offset + ID_BYTES > len(_page):
            _page, _offset = os.urandom(PAGE_BYTES), 0
        chunk = _page[_offset : _offset + ID_BYTES]
        _offset += ID_BYTES
    return chunk


def _forget_page_in_child() -> None:
    """A forked child must never cut the same ids from its parent's page (nor wait on a lock
    a parent's thread held at the fork)."""
    global _lock, _page, _offset
    _lock, _page, _offset = threading.Lock(), b"", PAGE_BYTES


os.register_at_fork(after_in_child=_forget_page_in_child)
