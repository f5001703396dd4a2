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
    global _page, _offset, _pid
    with _lock:
        # A forked child must never cut the same ids from its parent's page.
        if _offset + ID_BYTES > len(_page) or _pid != os.getpid():
            _page, _offset, _pid = os.urandom(PAGE_BYTES), 0, os.getpid()
        chunk = _page[_offset : _offset + ID_BYTES]
        _offset += ID_BYTES
    return UUID(bytes=chunk, version=4)
