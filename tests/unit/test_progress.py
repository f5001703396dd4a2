"""The progress line of a rebuild never shows a time left that is not a number."""

from __future__ import annotations

import io

from scripts.progress import ProgressLine


def drawn(*calls: tuple[int, int]) -> list[str]:
    stream = io.StringIO()
    progress = ProgressLine(stream)
    for position, head in calls:
        progress(position, head)
    progress.done()
    return [line for line in stream.getvalue().split("\r") if line.strip()]


def test_a_rebuild_done_in_its_first_page_shows_no_time_left() -> None:
    (line,) = drawn((5000, 5000))

    assert "nan" not in line
    assert "ETA 0.0 s" in line


def test_no_progress_yet_shows_an_unknown_time_left_rather_than_nan() -> None:
    (line,) = drawn((0, 5000))

    assert "nan" not in line
    assert "ETA -" in line


def test_a_nothing_to_replay_rebuild_shows_no_nan() -> None:
    assert all("nan" not in line and "inf" not in line for line in drawn((0, 0)))
