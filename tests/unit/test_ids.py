"""Random ids cut from one read of the system's random source."""

from __future__ import annotations

import os
from uuid import UUID

from commands.ids import ID_BYTES, PAGE_BYTES, new_id, new_id_text


def test_ids_are_version_4_uuids_and_never_repeat_across_pages() -> None:
    count = 3 * PAGE_BYTES // ID_BYTES
    ids = [new_id() for _ in range(count)]
    texts = [new_id_text() for _ in range(count)]

    parsed = [UUID(text) for text in texts]
    assert all(uuid.version == 4 and uuid.variant == "specified in RFC 4122" for uuid in ids)
    assert all(uuid.version == 4 and uuid.variant == "specified in RFC 4122" for uuid in parsed)
    assert [str(uuid) for uuid in parsed] == texts  # the canonical form, as str(uuid) gives
    assert len({*ids, *parsed}) == 2 * count


def test_a_forked_child_never_cuts_its_parents_ids() -> None:
    new_id()  # the parent holds a page it has only begun to cut
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        os.close(reading)
        os.write(writing, "".join(str(new_id()) for _ in range(4)).encode())
        os._exit(0)
    os.close(writing)
    os.waitpid(child, 0)
    with os.fdopen(reading) as received:
        text = received.read()
    in_child = {text[i : i + 36] for i in range(0, len(text), 36)}
    in_parent = {str(new_id()) for _ in range(4)}

    assert len(in_child) == 4
    assert not in_child & in_parent
