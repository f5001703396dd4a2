"""The notary's chain is a documented format (``docs/log.md``): heads anchored outside must
stay checkable by every later release, so its bytes never change."""

from __future__ import annotations

import hashlib
import struct

import pytest

from projections.notary import GENESIS, START, Head, event_digest, link_after

STREAM = "0b6f6f0e-3c8e-4a36-9a4e-4f8d1c1f2a10"
STATE = b'{"deployment_id":"x"}'


def test_an_event_digest_hashes_its_position_version_stream_topic_and_state() -> None:
    expected = hashlib.sha256(
        struct.pack(">qq", 7, 3)
        + struct.pack(">i", 36) + STREAM.encode()
        + struct.pack(">i", 22) + b"faas.DeploymentStarted"
        + STATE
    ).digest()  # fmt: skip

    digest = event_digest(7, STREAM, 3, "faas.DeploymentStarted", STATE)

    assert digest == expected
    assert digest.hex() == "183c39ba0e26be65ae228b576fe2b6a9866435b4e8ab98f896960a01896fc52e"


def test_a_link_hashes_the_previous_link_and_the_event_digest() -> None:
    digest = event_digest(7, STREAM, 3, "faas.DeploymentStarted", STATE)

    link = link_after(GENESIS, digest)

    assert link == hashlib.sha256(bytes(32) + digest).digest()
    assert link.hex() == "56f549bd174a028ec42d52e7561a9d8adf7099042b5b07186bd8e9a8e29fab77"


def test_a_head_reads_back_as_printed() -> None:
    head = Head(12, "ab" * 32)

    assert Head.parse(str(head)) == head
    assert Head.parse(f" 12:{'AB' * 32}\n") == head
    assert str(START) == "0:" + "0" * 64


@pytest.mark.parametrize(
    "text", ["12", "12:beef", "x:" + "a" * 64, "12:" + "g" * 64, "-1:" + "a" * 64]
)
def test_anything_else_is_not_a_head(text: str) -> None:
    with pytest.raises(ValueError, match="not a head"):
        Head.parse(text)
