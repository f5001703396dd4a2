from __future__ import annotations

import json
import logging

from service.logs import JsonFormatter


def test_a_record_is_one_json_line_with_its_fields() -> None:
    record = logging.LogRecord("faas.access", logging.INFO, "x", 1, "GET %s", ("/p",), None)
    record.correlation_id = "c-1"
    record.status = 200

    line = JsonFormatter().format(record)

    entry = json.loads(line)
    assert "\n" not in line
    assert (entry["level"], entry["message"], entry["correlation_id"], entry["status"]) == (
        "INFO",
        "GET /p",
        "c-1",
        200,
    )


def test_an_error_carries_its_traceback() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = logging.LogRecord(
            "faas.service", logging.ERROR, "x", 1, "failed", (), sys.exc_info()
        )

    entry = json.loads(JsonFormatter().format(record))

    assert "ValueError: boom" in entry["traceback"]
