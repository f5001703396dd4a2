"""Page tokens: a token gives back the key it was made for, and only to the list it was made
for; any change to it, or a token of another keyset, kind or prefix, is refused."""

from __future__ import annotations

import pytest

from service.page_tokens import MAX_TOKEN_CHARACTERS, BadPageTokenError, key_after, page_token

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))


@pytest.mark.parametrize("last_key", ["a", "user/42/score", "界" * 1000, "a.b=c"])
def test_a_token_gives_back_its_key_to_its_own_list(last_key: str) -> None:
    token = page_token(KEY, "string", "user/", last_key)

    assert key_after(KEY, "string", "user/", token) == last_key
    assert len(token) <= MAX_TOKEN_CHARACTERS


def test_a_token_of_another_keyset_kind_or_prefix_is_refused() -> None:
    token = page_token(KEY, "string", "user/", "user/42")

    for signing_key, kind, prefix in [
        (OTHER_KEY, "string", "user/"),
        (KEY, "json", "user/"),
        (KEY, "string", "user"),
        (KEY, "string", ""),
    ]:
        with pytest.raises(BadPageTokenError):
            key_after(signing_key, kind, prefix, token)


def test_any_change_to_a_token_is_refused() -> None:
    token = page_token(KEY, "counter", "", "hits")
    changed = [
        token[:-1] + ("A" if token[-1] != "A" else "B"),
        "x" + token,
        token.replace(".", ".!"),
        token + "=",
        token.replace(".", ".."),
        "",
        ".",
        "not a token",
        "ÿ" + token,
    ]
    for text in changed:
        with pytest.raises(BadPageTokenError):
            key_after(KEY, "counter", "", text)
