"""``faas-packages export`` and ``import``: the whole store moves between the two kinds of
store and back with the same events (the same digest) and the same read model; a damaged or
incomplete file, or a store that has events, imports nothing."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from commands.export import export_log, import_log
from commands.log_file import ExportFileError, StoreNotEmptyError
from projections.rebuild import verify
from tests.conftest import STORES
from tests.support.commands import context, create_package
from tests.support.stores import new_store, opened, read_model_rows, run_sql, some_history

ROOT = Path(__file__).resolve().parents[2]
MOMENT = "2026-01-15T10:30:00.000Z"


def faas(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scripts.cli", *args],
        cwd=ROOT,
        env={**os.environ, "FAAS_DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def content(path: Path) -> list[bytes]:
    """The lines of an export after its header (which names the source and the time)."""
    return path.read_bytes().splitlines(keepends=True)[1:]


def exported(container: Any) -> bytes:
    out = io.BytesIO()
    export_log(container.store.recorder, out, MOMENT)
    return out.getvalue()


def test_a_store_moved_from_sqlite_to_postgresql_and_back_keeps_its_events_and_read_model(
    tmp_path: Path,
) -> None:
    files = [tmp_path / f"export-{hop}.jsonl" for hop in range(3)]
    models = []
    with (
        new_store("sqlite", tmp_path) as first,
        new_store("postgres", tmp_path) as second,
        new_store("sqlite", tmp_path) as third,
    ):
        with opened(first) as container:
            some_history(container)
            container.projector.catch_up()
            models.append(read_model_rows(container.database))
        for hop, (source, target) in enumerate(((first, second), (second, third))):
            made = faas(source, "export", str(files[hop]))
            assert made.returncode == 0, made.stderr
            loaded = faas(target, "import", str(files[hop]))
            assert loaded.returncode == 0, loaded.stderr
            with opened(target) as container:
                models.append(read_model_rows(container.database))
                assert verify(container.projector) == []
        made = faas(third, "export", str(files[2]))
        assert made.returncode == 0, made.stderr

    assert content(files[0]) == content(files[1]) == content(files[2])
    assert models[0] == models[1] == models[2]
    assert models[0]["packages"]
    assert models[0]["deployments"]


@pytest.mark.parametrize("kind", STORES)
def test_positions_are_kept_and_new_events_come_after_them(kind: str, tmp_path: Path) -> None:
    with new_store("postgres", tmp_path) as source, new_store(kind, tmp_path) as target:
        with opened(source) as container:
            container.commands.run(create_package(), context())
            # A write that rolled back leaves a gap in PostgreSQL's positions.
            _leave_a_gap(container)
            container.commands.run(create_package(), context())
            file = exported(container)
            positions = [row[0] for row in container.projector.log.rows(0, 100)]
        with opened(target) as container:
            import_log(container.store.recorder, io.BytesIO(file))
            assert [row[0] for row in container.projector.log.rows(0, 100)] == positions
            after = container.commands.run(create_package(), context()).position

    assert positions[-1] - positions[0] + 1 > len(positions)  # the gap
    assert after > positions[-1]


def _leave_a_gap(container: Any) -> None:
    recorder = container.store.recorder
    with recorder.datastore.get_connection() as connection:
        connection.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'notification_id'))",
            (recorder.events_table.as_string(connection),),
        )


@pytest.mark.parametrize("kind", STORES)
def test_a_store_with_events_imports_nothing(kind: str, tmp_path: Path) -> None:
    with new_store(kind, tmp_path) as url, opened(url) as container:
        container.commands.run(create_package(), context())
        file = exported(container)
        head = container.projector.log.head()

        with pytest.raises(StoreNotEmptyError):
            import_log(container.store.recorder, io.BytesIO(file))

        assert container.projector.log.head() == head


@pytest.mark.parametrize("kind", STORES)
@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda lines: lines[:-1], id="no trailer"),
        pytest.param(lambda lines: lines[:2] + lines[3:], id="an event left out"),
        pytest.param(
            lambda lines: [lines[0], lines[1].replace(b'"name":"', b'"name":"x'), *lines[2:]],
            id="an event changed",
        ),
        pytest.param(
            lambda lines: [lines[0].replace(b"faas-", b"other-"), *lines[1:]], id="foreign"
        ),
    ],
)
def test_a_damaged_export_imports_nothing(kind: str, damage: Any, tmp_path: Path) -> None:
    with new_store("sqlite", tmp_path) as source, opened(source) as container:
        container.commands.run(create_package(), context())
        lines = exported(container).splitlines(keepends=True)

    with new_store(kind, tmp_path) as target, opened(target) as container:
        with pytest.raises(ExportFileError):
            import_log(container.store.recorder, io.BytesIO(b"".join(damage(lines))))

        assert container.projector.log.head() == 0


@pytest.mark.parametrize("kind", STORES)
def test_an_empty_store_exports_a_header_and_a_trailer_and_imports(
    kind: str, tmp_path: Path
) -> None:
    with new_store(kind, tmp_path) as url, opened(url) as container:
        file = exported(container)
    with new_store(kind, tmp_path) as url, opened(url) as container:
        summary = import_log(container.store.recorder, io.BytesIO(file))

    assert len(file.splitlines()) == 2
    assert (summary.events, summary.last_position) == (0, 0)


def test_a_missing_file_imports_nothing_and_an_export_leaves_only_its_file(tmp_path: Path) -> None:
    with new_store("sqlite", tmp_path) as url:
        missing = faas(url, "import", str(tmp_path / "nothing-here.jsonl"))
        written = faas(url, "export", str(tmp_path / "out.jsonl"))

    assert missing.returncode == 1
    assert "nothing imported" in missing.stderr
    assert written.returncode == 0, written.stderr
    assert sorted(path.name for path in tmp_path.iterdir() if path.is_file()) == ["out.jsonl"]


class Notes:
    """A side table of the test's own, in each store's dialect."""

    name = "test-notes"

    def count(self, cursor: Any, kind: str) -> int:
        cursor.execute("SELECT count(*) FROM test_notes")
        return int(cursor.fetchone()[0])

    def rows(self, cursor: Any, kind: str) -> Any:
        cursor.execute("SELECT id, note FROM test_notes ORDER BY id")
        for note_id, note in cursor.fetchall():
            yield {"id": note_id, "note": note}

    def load(self, cursor: Any, kind: str, rows: Any) -> None:
        mark = "?" if kind == "sqlite" else "%s"
        cursor.executemany(
            f"INSERT INTO test_notes (id, note) VALUES ({mark}, {mark})",
            [(row["id"], row["note"]) for row in rows],
        )


NOTES_TABLE = "CREATE TABLE test_notes (id INTEGER PRIMARY KEY, note TEXT NOT NULL)"


@pytest.mark.parametrize("kind", STORES)
def test_side_tables_move_with_the_events(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("commands.export.SIDE_TABLES", (Notes(),))
    other = "postgres" if kind == "sqlite" else "sqlite"
    with new_store(kind, tmp_path) as source, new_store(other, tmp_path) as target:
        with opened(source) as container:
            run_sql(source, NOTES_TABLE, "INSERT INTO test_notes VALUES (1, 'a'), (2, 'b\nc')")
            container.commands.run(create_package(), context())
            file = exported(container)
        with opened(target) as container:
            run_sql(target, NOTES_TABLE)
            summary = import_log(container.store.recorder, io.BytesIO(file))
            again = exported(container)

    assert summary.side_rows == 2
    assert again.splitlines()[1:] == file.splitlines()[1:]
    assert b'{"kind":"row","table":"test-notes","row":{"id":2,"note":"b\\nc"}}' in file


def test_a_state_that_is_not_one_line_of_json_moves_byte_for_byte_as_base64(
    tmp_path: Path,
) -> None:
    odd = ["'\\x00ff0a7b'::bytea", "convert_to(E'{\"a\":\\n1}', 'UTF8')", "''::bytea"]
    with new_store("postgres", tmp_path) as source, new_store("sqlite", tmp_path) as target:
        with opened(source) as container:
            container.commands.run(create_package(), context())
            run_sql(
                source,
                *(
                    "INSERT INTO packages_events (originator_id, originator_version, topic, "
                    f"state) VALUES (gen_random_uuid(), 1, 'faas.Odd', {state})"
                    for state in odd
                ),
            )
            file = exported(container)
            states = [row[4] for row in container.projector.log.rows(0, 100)]
        with opened(target) as container:
            import_log(container.store.recorder, io.BytesIO(file))
            again = exported(container)
            moved = [row[4] for row in container.projector.log.rows(0, 100)]

    assert states[-3:] == [b"\x00\xff\n{", b'{"a":\n1}', b""]
    assert moved == states
    assert again.splitlines()[1:] == file.splitlines()[1:]
    assert b',"faas.Odd","AP8Kew=="]' in file
