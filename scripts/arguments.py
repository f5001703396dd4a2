"""Command-line values, each checked and bounded where it enters: whatever the command line
writes into the event log, the read model can store (its integers are 64-bit), so no event
written here can stop the projection."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from commands.keys import Grant, GrantError
from projections.rows import parse_zoned_time

# The read model's integer columns are BIGINT (PostgreSQL) and 64-bit INTEGER (SQLite); the
# HTTP side takes keyset ids up to the same bound.
MAX_ID = 2**63 - 1
MAX_KEYSETS_PER_GRANT = 1000
MAX_KEY_NAME_CHARACTERS = 100
# An expiry further ahead than this is almost certainly a typo (and a year past 9999 is no
# time at all).
MAX_EXPIRY_YEARS = 100
# Events per transaction: the same bound as FAAS_PROJECTION_BATCH_SIZE.
MAX_BATCH_SIZE = 100_000
MAX_WORKERS = 64
DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")
# ``sub-c-`` and up to 100 letters, digits, ``-`` or ``_`` (a UUID, in the keys issued today).
SUBSCRIBE_KEY = re.compile(r"sub-c-[A-Za-z0-9_-]{1,100}")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def whole_number(low: int, high: int) -> Callable[[str], int]:
    """An argument type: a whole number from ``low`` to ``high``."""

    def parse(text: str) -> int:
        if not text.isascii() or not text.isdigit() or not low <= int(text) <= high:
            raise argparse.ArgumentTypeError(
                f"must be a whole number from {low:,} to {high:,}: {text!r}"
            )
        return int(text)

    return parse


account_id = whole_number(1, MAX_ID)
keyset_id = whole_number(1, MAX_ID)
log_position = whole_number(0, MAX_ID)
batch_size = whole_number(1, MAX_BATCH_SIZE)
workers = whole_number(1, MAX_WORKERS)
port = whole_number(1, 65_535)


def grant(text: str) -> Grant:
    """``functions.package:write`` or ``functions.package-deployment:write@keyset:1,2``."""
    try:
        parsed = Grant.parse(text)
    except GrantError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    keysets = parsed.keysets or frozenset()
    if any(keyset > MAX_ID for keyset in keysets):
        raise argparse.ArgumentTypeError(f"keyset ids must be at most {MAX_ID:,}: {text!r}")
    if len(keysets) > MAX_KEYSETS_PER_GRANT:
        raise argparse.ArgumentTypeError(
            f"at most {MAX_KEYSETS_PER_GRANT:,} keysets per grant (grant the whole account)"
        )
    return parsed


def moment(text: str) -> datetime:
    """An ISO-8601 time with a zone, in UTC; or a date alone, meaning its midnight in UTC."""
    if DATE_ONLY.fullmatch(text.strip()):
        try:
            day = date.fromisoformat(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a date: {text!r}") from None
        return datetime(day.year, day.month, day.day, tzinfo=UTC)
    try:
        parsed = parse_zoned_time(text)
    except OverflowError:  # a time at the edge of year 1 or 9999, moved to UTC
        parsed = None
    if parsed is None:
        raise argparse.ArgumentTypeError(
            "not an ISO-8601 time with a zone (e.g. 2026-01-15T10:30:00Z) or a date "
            f"(2026-01-15): {text!r}"
        )
    return parsed


def expiry(text: str) -> str:
    """A key's expiry: a time (or a date's midnight, UTC) in the future, within 100 years."""
    when = moment(text)
    now = datetime.now(UTC)
    if when <= now:
        raise argparse.ArgumentTypeError(f"is in the past: {text!r}")
    if when > now + timedelta(days=365 * MAX_EXPIRY_YEARS):
        raise argparse.ArgumentTypeError(f"is more than {MAX_EXPIRY_YEARS} years ahead: {text!r}")
    return when.isoformat()


def key_name(text: str) -> str:
    """A name to recognise a key by: at most 100 characters, no control characters."""
    if len(text) > MAX_KEY_NAME_CHARACTERS or CONTROL_CHARACTERS.search(text):
        raise argparse.ArgumentTypeError(
            f"at most {MAX_KEY_NAME_CHARACTERS} characters, none of them control characters"
        )
    return text


def key_id(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a key id: {text!r}") from None


def subscribe_key(text: str) -> str:
    """A keyset's subscribe key: ``sub-c-`` then 1 to 100 of A-Z a-z 0-9 - _."""
    if not SUBSCRIBE_KEY.fullmatch(text):
        raise argparse.ArgumentTypeError(
            f"must be sub-c- followed by 1 to 100 of A-Z a-z 0-9 - _: {text[:120]!r}"
        )
    return text
