"""Request builders with unique names, so tests never need to clean up after each other."""

from __future__ import annotations

from itertools import count
from typing import Any
from uuid import uuid4

_sequence = count(1)


def unique_name(prefix: str = "pkg") -> str:
    return f"{prefix}-{next(_sequence)}-{uuid4().hex[:10]}"


def unique_account() -> int:
    """An account id no other test uses, for tests that count or compare per account."""
    return 10_000 + uuid4().int % 1_000_000_000


def function_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": unique_name("fn"),
        "type": "ON_REQUEST",
        "code": "export default (request) => request.ok();",
        "config": {"path": "hello/world"},
    }
    body.update(overrides)
    return body


def package_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": unique_name(),
        "description": "a package made by a test",
        "tags": ["test"],
        "functions": [function_body()],
    }
    body.update(overrides)
    return body
