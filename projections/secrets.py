"""Reads of secrets: the names of a keyset's secrets with their times (never a value)."""

from __future__ import annotations

from dataclasses import dataclass

from projections.database import Database
from projections.parts.secrets import ENTITY


@dataclass(frozen=True, slots=True)
class SecretRecord:
    key: str
    created_dttm: str
    updated_dttm: str


def secret_names(database: Database, registration_id: str) -> list[SecretRecord]:
    """Every secret of a keyset registration, in key order (code point order)."""
    rows = database.query(
        f"SELECT secret_key, created_dttm, updated_dttm FROM rm_{ENTITY} "
        "WHERE registration_id = ? ORDER BY key_head, secret_key",
        (registration_id,),
    )
    return [SecretRecord(*row) for row in rows]
