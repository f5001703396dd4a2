"""Queries of scheduled events: the account's, now or as they stood at a moment, and those
the scheduler must act on next (of every account)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from projections.database import Database
from projections.queries import ListQuery, Page
from projections.rows import ScheduleRow

# API sort field → column.
SCHEDULE_SORTS = {"dttmBegin": "dttm_begin", "createdDttm": "created_dttm"}
CURRENT = "valid_to IS NULL"
# The version in effect at a moment (ISO text, to the millisecond).
STANDING = "valid_from <= ? AND (valid_to IS NULL OR valid_to > ?)"


@dataclass(frozen=True, slots=True)
class DueSchedule:
    """A schedule's current version as the scheduler sees it: when it must act on it."""

    id: str
    version: int
    account_id: int
    due_dttm: str


class ScheduleReads:
    """Reads the live generation's schedules through the ``rm_schedules`` view."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def schedules(
        self,
        account_id: int,
        keysets: frozenset[int] | None,
        query: ListQuery,
        as_of: str | None = None,
    ) -> Page[ScheduleRow]:
        """A page of the account's schedules on the keysets given (all when ``None``), as
        they are, or as they stood at ``as_of``."""
        conditions = ["account_id = ?"]
        params: list[Any] = [account_id]
        _standing(as_of, conditions, params)
        if keysets is not None:
            conditions.append(f"keyset_id IN ({', '.join('?' * len(keysets)) or 'NULL'})")
            params += sorted(keysets)
        where = " AND ".join(conditions)
        order = ", ".join(f"{column} {'DESC' if down else 'ASC'}" for column, down in query.sort)
        with self.database.read() as cursor:
            cursor.execute(
                self.database.sql(f"SELECT COUNT(*) FROM rm_schedules WHERE {where}"), params
            )
            total = int(cursor.fetchone()[0])
            if query.page * query.size >= total:
                return Page([], total, query)
            cursor.execute(
                self.database.sql(
                    f"SELECT * FROM rm_schedules WHERE {where} ORDER BY {order}, id ASC "
                    "LIMIT ? OFFSET ?"
                ),
                [*params, query.size, query.page * query.size],
            )
            rows = [ScheduleRow(*row) for row in cursor.fetchall()]
        return Page(rows, total, query)

    def schedule(
        self, account_id: int, schedule_id: UUID, as_of: str | None = None
    ) -> ScheduleRow | None:
        """One of the account's schedules, as it is or as it stood at ``as_of``; another
        account's is ``None``, like an unknown one."""
        conditions = ["id = ?", "account_id = ?"]
        params: list[Any] = [str(schedule_id), account_id]
        _standing(as_of, conditions, params)
        rows = self.database.query(
            f"SELECT * FROM rm_schedules WHERE {' AND '.join(conditions)}", params
        )
        return ScheduleRow(*rows[0]) if rows else None

    def upcoming(self, limit: int) -> list[DueSchedule]:
        """The ``limit`` schedules to act on soonest, of every account: ends before begins
        at the same moment, so that a deployment handed from one schedule to the next is
        stopped by the first before the second starts it."""
        rows = self.database.query(
            "SELECT id, version, account_id, due_dttm FROM rm_schedules "
            "WHERE due_dttm IS NOT NULL ORDER BY due_dttm, state, id LIMIT ?",
            (limit,),
        )
        return [DueSchedule(str(row[0]), int(row[1]), int(row[2]), str(row[3])) for row in rows]


def _standing(as_of: str | None, conditions: list[str], params: list[Any]) -> None:
    if as_of is None:
        conditions.append(CURRENT)
    else:
        conditions.append(STANDING)
        params += [as_of, as_of]
