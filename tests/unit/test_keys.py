from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import pytest

from commands.context import CommandContext
from commands.keys import (
    DEPLOYMENT_WRITE,
    KV_READ,
    KV_WRITE,
    PACKAGE_READ,
    SECRET_READ,
    SECRET_WRITE,
    ApiKey,
    Grant,
    GrantError,
    parse_key,
    secret_digest,
)

CONTEXT = CommandContext(5, "cli:test", "c", datetime(2026, 1, 1, tzinfo=UTC))


def test_a_new_key_is_recognisable_and_carries_256_random_bits() -> None:
    key, plain = ApiKey.issue("ci", [Grant(PACKAGE_READ)], None, CONTEXT)

    parsed = parse_key(plain)

    assert plain.startswith("faaspk_")
    assert parsed is not None
    assert parsed[0] == key.id
    assert len(parsed[1]) == 43  # 32 bytes, base64url
    assert key.secret_sha256 == secret_digest(parsed[1])
    assert parsed[1] not in repr(key.pending_events)


def test_two_keys_never_share_a_secret() -> None:
    plains = {ApiKey.issue("k", [], None, CONTEXT)[1].split("_", 2)[2] for _ in range(50)}
    assert len(plains) == 50


@pytest.mark.parametrize(
    "text",
    [
        "",
        "faaspk_",
        "faaspk_notahexid_abc",
        "Bearer faaspk_" + "0" * 32 + "_" + "a" * 43,
        "faaspk_" + "0" * 32 + "_" + "a" * 42,
        "xx_" + "0" * 32 + "_" + "a" * 43,
    ],
)
def test_malformed_keys_are_not_parsed(text: str) -> None:
    assert parse_key(text) is None


def test_a_well_formed_key_parses() -> None:
    assert parse_key("faaspk_" + "0" * 31 + "1_" + "a" * 43) == (UUID(int=1), "a" * 43)


def test_grants_parse_with_and_without_keysets() -> None:
    assert Grant.parse("functions.package:read") == Grant(PACKAGE_READ)
    assert Grant.parse("functions.package-deployment:write@keyset:12,7") == Grant(
        DEPLOYMENT_WRITE, frozenset({7, 12})
    )


def test_kv_and_secret_grants_are_on_the_account_or_on_listed_keysets() -> None:
    assert Grant.parse("functions.kv:read") == Grant(KV_READ)
    assert Grant.parse("functions.kv:write@keyset:3") == Grant(KV_WRITE, frozenset({3}))
    assert Grant.parse("functions.secret:read@keyset:4,5") == Grant(SECRET_READ, frozenset({4, 5}))
    assert Grant.parse("functions.secret:write") == Grant(SECRET_WRITE)


@pytest.mark.parametrize(
    "text",
    [
        "functions.package:admin",
        "functions.package:read@keyset:1",
        "functions.package-deployment:write@keyset:",
        "functions.package-deployment:write@keyset:0",
        "functions.package-deployment:write@keyset:a",
    ],
)
def test_unknown_or_badly_scoped_grants_are_refused(text: str) -> None:
    with pytest.raises(GrantError):
        Grant.parse(text)


def test_a_keyset_grant_covers_only_its_keysets() -> None:
    grant = Grant(DEPLOYMENT_WRITE, frozenset({12}))

    assert grant.covers(DEPLOYMENT_WRITE, 12)
    assert not grant.covers(DEPLOYMENT_WRITE, 13)
    assert not grant.covers(DEPLOYMENT_WRITE, None)
    assert Grant(DEPLOYMENT_WRITE).covers(DEPLOYMENT_WRITE, 13)


def test_revoking_twice_records_one_event() -> None:
    key, _ = ApiKey.issue("k", [], None, CONTEXT)
    key.collect_events()

    key.revoke(CONTEXT)
    key.revoke(CONTEXT)

    assert len(key.collect_events()) == 1
    assert key.revoked
