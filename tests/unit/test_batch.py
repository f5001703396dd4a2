"""A batch hands what it read for its commands to one command at a time: an aggregate that a
command only read goes back for the next (as a copy), one it changed does not."""

from __future__ import annotations

from uuid import UUID

from commands.batch import UNREAD, Batch
from commands.usage import AccountUsage
from tests.support.commands import context


def usage(account_id: int = 7) -> AccountUsage:
    return AccountUsage.open(None, context(account_id))


def test_an_aggregate_a_command_only_read_is_read_again_by_the_next_from_a_copy() -> None:
    read = usage()
    read.collect_events()
    batch = Batch({read.id: read})

    first = batch.get(read.id)
    batch.keep()
    second = batch.get(read.id)

    assert first is read
    assert second is not first
    assert second == first


def test_an_aggregate_a_refused_command_changed_is_not_handed_on() -> None:
    changed = usage()
    changed.collect_events()
    batch = Batch({changed.id: changed})

    batch.get(changed.id).change(context(7), packages=1)  # then the command is refused
    batch.discard()

    assert batch.get(changed.id) is UNREAD


def test_a_stream_known_to_be_missing_stays_known_for_every_command() -> None:
    missing = UUID(int=1)
    batch = Batch({missing: None})

    assert batch.get(missing) is None
    batch.keep()
    assert batch.get(missing) is None
    assert batch.exists(missing) is False
