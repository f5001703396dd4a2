"""The notary's hash chain over the log, on both stores: it follows the log, a rebuild leaves it
alone, and ``verify-log`` finds an event changed, deleted or inserted by hand at its position,
and a log rewritten together with its notary against an anchored head."""

from __future__ import annotations

import io
import itertools
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from commands.export import export_log, import_log
from projections.log_verification import CHANGED, DELETED, INSERTED, Finding, verify_log
from projections.rebuild import rebuild
from service.bootstrap import Container
from tests.conftest import STORES
from tests.support.commands import context, create_package
from tests.support.stores import new_store, opened, run_sql
from tests.support.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
TABLE = {"sqlite": "stored_events", "postgres": "packages_events"}
POSITION = {"sqlite": "rowid", "postgres": "notification_id"}


@contextmanager
def notarized_store(kind: str, folder: Path) -> Iterator[tuple[str, Container, list[int]]]:
    """A store of the test's own whose log has a gap (a write PostgreSQL rolled back; a
    SQLite store has one when it was moved from PostgreSQL), notarized; its positions."""
    with new_store("postgres", folder) as source, opened(source) as container:
        for _ in range(2):
            container.commands.run(create_package(), context())
        _leave_a_gap(container)
        container.commands.run(create_package(), context())
        if kind == "postgres":
            container.notary.catch_up()
            yield source, container, _positions(container)
            return
        exported = io.BytesIO()
        export_log(container.store.recorder, exported, "2026-01-15T10:30:00.000Z")
    with new_store("sqlite", folder) as url, opened(url) as container:
        import_log(container.store.recorder, io.BytesIO(exported.getvalue()))
        container.notary.catch_up()
        yield url, container, _positions(container)


def _positions(container: Container) -> list[int]:
    return [row[0] for row in container.projector.log.rows(0, 1000)]


def _leave_a_gap(container: Container) -> None:
    recorder = container.store.recorder
    with recorder.datastore.get_connection() as connection:  # type: ignore[attr-defined]
        connection.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'notification_id'))",
            (recorder.events_table.as_string(connection),),  # type: ignore[attr-defined]
        )


def _gap(positions: list[int]) -> int:
    return next(p + 1 for p, q in itertools.pairwise(positions) if q > p + 1)


def _changed(kind: str, position: int) -> str:
    appended = "state || '\\x20'::bytea" if kind == "postgres" else "CAST(state || ' ' AS BLOB)"
    return f"UPDATE {TABLE[kind]} SET state = {appended} WHERE {POSITION[kind]} = {position}"


def _inserted(kind: str, position: int, copied: int) -> str:
    new_id = "gen_random_uuid()" if kind == "postgres" else "lower(hex(randomblob(16)))"
    columns = "originator_id, originator_version, topic, state"
    return (
        f"INSERT INTO {TABLE[kind]} ({POSITION[kind]}, {columns}) SELECT {position}, {new_id}, "
        f"1, topic, state FROM {TABLE[kind]} WHERE {POSITION[kind]} = {copied}"
    )


@pytest.mark.parametrize("kind", STORES)
def test_an_untouched_log_is_as_notarized(kind: str, tmp_path: Path) -> None:
    with notarized_store(kind, tmp_path) as (_, container, positions):
        result = verify_log(container.database, container.projector.log)

    assert result.intact
    assert (result.events, result.head.position) == (len(positions), positions[-1])


@pytest.mark.parametrize("kind", STORES)
def test_an_event_changed_by_hand_is_found_at_its_position(kind: str, tmp_path: Path) -> None:
    with notarized_store(kind, tmp_path) as (url, container, positions):
        run_sql(url, _changed(kind, positions[5]))

        result = verify_log(container.database, container.projector.log)

    assert result.finding == Finding(positions[5], CHANGED)


@pytest.mark.parametrize("kind", STORES)
def test_an_event_deleted_by_hand_is_found_at_its_position(kind: str, tmp_path: Path) -> None:
    with notarized_store(kind, tmp_path) as (url, container, positions):
        run_sql(url, f"DELETE FROM {TABLE[kind]} WHERE {POSITION[kind]} = {positions[7]}")

        result = verify_log(container.database, container.projector.log)

    assert result.finding == Finding(positions[7], DELETED)


@pytest.mark.parametrize("kind", STORES)
def test_a_row_inserted_by_hand_is_found_at_its_position(kind: str, tmp_path: Path) -> None:
    with notarized_store(kind, tmp_path) as (url, container, positions):
        gap = _gap(positions)
        run_sql(url, _inserted(kind, gap, positions[0]))

        result = verify_log(container.database, container.projector.log)

    assert result.finding == Finding(gap, INSERTED)


@pytest.mark.parametrize("kind", STORES)
def test_a_log_rewritten_with_its_notary_no_longer_extends_an_anchored_head(
    kind: str, tmp_path: Path
) -> None:
    with notarized_store(kind, tmp_path) as (url, container, positions):
        anchored = container.notary.head()
        container.commands.run(create_package(), context())
        container.notary.catch_up()
        extended = verify_log(container.database, container.projector.log, anchored)
        # Whoever can change the store can make the notary's chain again too:
        run_sql(url, _changed(kind, positions[2]))
        with container.database.write() as cursor:
            cursor.execute("DELETE FROM log_notary")
        container.notary.catch_up()

        rewritten = verify_log(container.database, container.projector.log, anchored)

    assert extended.intact
    assert extended.anchored is True
    assert rewritten.finding is None
    assert rewritten.anchored is False
    assert not rewritten.intact


@pytest.mark.parametrize("kind", STORES)
def test_the_projection_leader_notarizes_new_events_and_a_rebuild_leaves_the_notary_alone(
    kind: str, tmp_path: Path
) -> None:
    with new_store(kind, tmp_path) as url, opened(url) as container:
        container.start()
        for _ in range(3):
            container.commands.run(create_package(), context())
        head = container.projector.log.head()
        wait_until(lambda: container.notary.head().position == head)
        notarized = container.notary.head()

        rebuild(container.projector)

        assert container.notary.head() == notarized
        assert verify_log(container.database, container.projector.log).intact


def faas(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scripts.cli", *args],
        cwd=ROOT,
        env={**os.environ, "FAAS_DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("kind", STORES)
def test_verify_log_prints_the_head_and_exits_1_where_the_log_was_changed(
    kind: str, tmp_path: Path
) -> None:
    with notarized_store(kind, tmp_path) as (url, _, positions):
        head = faas(url, "verify-log", "--head")
        intact = faas(url, "verify-log", "--against", head.stdout.strip())
        run_sql(url, _changed(kind, positions[3]))
        changed = faas(url, "verify-log", "--against", head.stdout.strip())
        malformed = faas(url, "verify-log", "--against", "12:beef")

    assert head.returncode == 0
    assert head.stdout.strip().startswith(f"{positions[-1]}:")
    assert intact.returncode == 0, intact.stdout + intact.stderr
    assert "extends the anchored head" in intact.stdout
    assert changed.returncode == 1
    assert f"position {positions[3]}: {CHANGED}" in changed.stdout
    assert "does not extend the anchored head" in changed.stdout
    assert malformed.returncode == 2


@pytest.mark.parametrize("kind", STORES)
def test_a_moved_store_still_extends_a_head_anchored_before_the_move(
    kind: str, tmp_path: Path
) -> None:
    other = "postgres" if kind == "sqlite" else "sqlite"
    with notarized_store(kind, tmp_path) as (_, container, _positions):
        anchored = container.notary.head()
        file = io.BytesIO()
        export_log(container.store.recorder, file, "2026-01-15T10:30:00.000Z")
    with new_store(other, tmp_path) as url, opened(url) as container:
        import_log(container.store.recorder, io.BytesIO(file.getvalue()))

        moved = container.notary.catch_up()
        result = verify_log(container.database, container.projector.log, anchored)

    assert moved == anchored
    assert result.intact
    assert result.anchored is True
