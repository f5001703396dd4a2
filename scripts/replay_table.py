"""``faas-packages replay`` on a terminal: one aligned line per event, as wide as the
terminal. The columns that do not fit are left out, least telling first, so that a summary
of the payload always has room; every cell and line longer than its room ends in ``…``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec

from projections.audit import AuditRecord

GAP = "  "
CUT = "…"
# Every column but the payload, in order, with its width.
COLUMNS = (
    ("POSITION", 9),
    ("TIME", 24),
    ("TYPE", 22),
    ("AGGREGATE", 36),
    ("V", 3),
    ("ACCOUNT", 8),
    ("ACTOR", 36),
    ("CORRELATION", 36),
)
ALWAYS = frozenset({"POSITION", "TIME", "TYPE"})
LEFT_OUT_FIRST = ("CORRELATION", "ACTOR", "V", "ACCOUNT", "AGGREGATE")
MIN_PAYLOAD = 24
MAX_VALUE = 40


@dataclass(frozen=True, slots=True)
class Table:
    """The columns chosen for a terminal ``width`` characters wide."""

    width: int
    columns: tuple[tuple[str, int], ...]

    @classmethod
    def for_width(cls, width: int) -> Table:
        shown = set(ALWAYS)
        for name in reversed(LEFT_OUT_FIRST):
            if _fixed_width(shown | {name}) + len(GAP) + MIN_PAYLOAD <= width:
                shown.add(name)
        return cls(width, tuple(column for column in COLUMNS if column[0] in shown))

    def header(self) -> str:
        return self._line({name: name for name, _ in COLUMNS}, "PAYLOAD")

    def row(self, record: AuditRecord) -> str:
        cells = {
            "POSITION": str(record.position),
            "TIME": record.time,
            "TYPE": record.type,
            "AGGREGATE": record.aggregate_id,
            "V": str(record.aggregate_version),
            "ACCOUNT": "" if record.account_id is None else str(record.account_id),
            "ACTOR": record.actor or "",
            "CORRELATION": record.correlation_id or "",
        }
        return self._line(cells, payload_summary(record.payload))

    def _line(self, cells: dict[str, str], payload: str) -> str:
        parts = [_cut(cells[name], width).ljust(width) for name, width in self.columns]
        return _cut(GAP.join([*parts, payload]).rstrip(), self.width)


def payload_summary(payload: dict[str, Any]) -> str:
    """``name=greetings tags=["demo"] functions=[1 item]``: each field, briefly."""
    return " ".join(f"{key}={_brief(value)}" for key, value in payload.items())


def _brief(value: Any) -> str:
    if isinstance(value, list) and any(isinstance(item, dict | list) for item in value):
        return f"[{len(value)} item{'' if len(value) == 1 else 's'}]"
    text = value if isinstance(value, str) else msgspec.json.encode(value).decode()
    return _cut(text, MAX_VALUE)


def _fixed_width(shown: set[str]) -> int:
    return sum(width + len(GAP) for name, width in COLUMNS if name in shown) - len(GAP)


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + CUT
