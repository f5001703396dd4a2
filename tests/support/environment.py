"""Where the tests run."""

from __future__ import annotations

import os


def in_ci() -> bool:
    """In CI (``CI=true``) what a test needs must be there: missing, it fails the test."""
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}
