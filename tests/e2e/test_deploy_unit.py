"""The example systemd unit is valid (``systemd-analyze verify``, where systemd is installed)
and says what the README says: serve behind a proxy, SIGTERM to serve alone, and time enough
for the workers to drain and the projection to stop before SIGKILL."""

from __future__ import annotations

import configparser
import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from scripts.cli import _parser
from scripts.serving import PROJECTION_STOP_SECONDS
from service.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "docs" / "deploy" / "faas-packages.service"
CLI = ROOT / ".venv" / "bin" / "faas-packages"


def unit() -> configparser.ConfigParser:
    parsed = configparser.ConfigParser(interpolation=None, strict=True)
    parsed.optionxform = str  # type: ignore[assignment,method-assign]  # keys keep their case
    parsed.read_string(UNIT.read_text())
    return parsed


def test_the_unit_serves_on_loopback_and_stops_serve_alone_with_time_to_drain() -> None:
    service = unit()["Service"]

    command = shlex.split(service["ExecStart"])
    args = _parser().parse_args(command[1:])
    assert (Path(command[0]).name, args.command) == ("faas-packages", "serve")
    assert args.host == "127.0.0.1"
    assert args.workers > 1
    assert service["KillMode"] == "mixed"
    assert service["KillSignal"] == "SIGTERM"
    drain = Settings().shutdown_timeout_seconds + PROJECTION_STOP_SECONDS
    assert int(service["TimeoutStopSec"]) > drain
    assert service["User"] != "root"
    assert {"EnvironmentFile", "Restart"} <= set(service)
    assert unit()["Install"]["WantedBy"] == "multi-user.target"


def test_systemd_finds_the_unit_valid(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail("systemd-analyze must be installed in CI (.ci/run installs systemd)")
        pytest.skip("systemd-analyze is not installed")
    if not CLI.exists():
        pytest.skip(f"no {CLI} to stand in for the installed command")
    # This checkout's command and an empty environment file stand in for the installed ones.
    environment = tmp_path / "environment"
    environment.touch()
    text = UNIT.read_text().replace("/opt/faas-packages/.venv/bin/faas-packages", str(CLI))
    text = text.replace("/etc/faas-packages/environment", str(environment))
    copy = tmp_path / UNIT.name
    copy.write_text(text)

    checked = subprocess.run(
        [analyze, "verify", str(copy)], capture_output=True, text=True, timeout=60, check=False
    )

    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stderr.strip() == "", checked.stderr
