from __future__ import annotations

import pytest

from service.negotiation import accepts_json


@pytest.mark.parametrize(
    "accept",
    [
        None,
        "",
        "application/json",
        "*/*",
        "application/*",
        "text/html, application/json;q=0.5",
        "Application/JSON; charset=utf-8",
    ],
)
def test_json_is_acceptable(accept: str | None) -> None:
    assert accepts_json(accept)


@pytest.mark.parametrize(
    "accept", ["text/html", "application/xml, text/plain", "application/json;q=0", "image/*"]
)
def test_json_is_not_acceptable(accept: str) -> None:
    assert not accepts_json(accept)
