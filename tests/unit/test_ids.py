"""Random ids cut from one read of the system's random source."""

from __future__ import annotations

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
