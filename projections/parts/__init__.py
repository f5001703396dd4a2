"""The read model, a part per feature. A part names its tables and the event types it reads,
and applies a batch's events of those types inside the batch's transaction, which also moves
the tracking position: so every part is exactly as far along the log as every other.

To add one: a module here with its ``Table`` values and a class with ``tables``, ``events``
and ``apply``, listed in ``PARTS``; bump ``projections.schema.SCHEMA_VERSION`` so that a store
made before it is rebuilt with its tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from projections.database import Cursor, Database
from projections.parts.catalog import CatalogPart
from projections.parts.channels import ChannelsPart
from projections.parts.kv import KvPart
from projections.parts.packages import PackagesPart
from projections.parts.schedules import SchedulesPart
from projections.parts.secrets import SecretsPart
from projections.parts.test_inputs import TestInputsPart
from projections.tables import Table

if TYPE_CHECKING:
    from projections.schema import Generation


class Part(Protocol):
    tables: tuple[Table, ...]
    events: frozenset[type]

    def apply(
        self,
        database: Database,
        cursor: Cursor,
        generation: Generation,
        events: Sequence[tuple[str, Any]],
    ) -> None:
        """Apply ``(stream id, event)`` pairs of this part's types, in log order."""


PARTS: tuple[Part, ...] = (
    PackagesPart(),
    SchedulesPart(),
    TestInputsPart(),
    ChannelsPart(),
    KvPart(),
    CatalogPart(),
    SecretsPart(),
)
TABLES: tuple[Table, ...] = tuple(table for part in PARTS for table in part.tables)
EVENT_TYPES: frozenset[type] = frozenset().union(*(part.events for part in PARTS))
