"""A read model changed behind the projection's back, as one that drifted from the log."""

from __future__ import annotations

from projections.schema import live_generation
from service.bootstrap import Container


def drift_revisions_total(container: Container, package_id: str, total: int) -> None:
    """Set a package row's ``revisions_total`` in the live generation, without an event."""
    with container.database.write() as cursor:
        live = live_generation(container.database, cursor)
        assert live is not None
        cursor.execute(
            container.database.sql(
                f"UPDATE {live.table('packages')} SET revisions_total = ? WHERE id = ?"
            ),
            (total, package_id),
        )
