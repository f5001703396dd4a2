"""The starter catalog's code runs: each function, loaded as the Functions runtime loads it (an
ES module's default export, with ``require`` of vault, kvstore and xhr), does what its
blueprint says. Needs Node.js."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from service.catalog import starter_paths

HARNESS = Path(__file__).parents[1] / "support" / "js" / "starter_harness.mjs"


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_the_starter_functions_mask_forward_and_greet() -> None:
    code = starter_paths()[0].parent / "code"
    ran = subprocess.run(
        ["node", str(HARNESS), str(code)], capture_output=True, text=True, timeout=60, check=False
    )

    assert ran.returncode == 0, ran.stderr
    said = json.loads(ran.stdout)
    assert said["masked"] == ["What the ****, **** it; checkers", "****"]
    assert said["counters"] == {"profanity_filter_masked": 2, "hello_greetings": 1}
    (request,) = said["fetched"]
    assert request["url"] == "https://example.test/hook"
    assert request["headers"]["Authorization"] == "Bearer k1"
    assert json.loads(request["body"]) == {
        "channel": "webhooks.orders",
        "message": {"a": 1},
        "meta": None,
    }
    assert json.loads(said["answered"]["body"]) == {"greeting": "Hello, Ada!", "count": 1}
    assert said["answered"]["headers"] == {"Content-Type": "application/json"}
