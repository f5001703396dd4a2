"""The rule of intersecting channel patterns, and the index keys that find them: a table of
cases, and every pair of generated patterns checked both ways."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from projections.channels import index_keys, intersects, lookup_keys

CASES = [
    # plain vs plain
    ("chat", "chat", True),
    ("chat", "chats", False),
    ("chat.room1", "chat.room1", True),
    ("chat.room1", "chat.room2", False),
    # plain vs p.*
    ("chat.*", "chat.room1", True),
    ("chat.*", "chat.a.b", True),
    ("chat.*", "chat", False),
    ("chat.*", "chats.x", False),
    ("chat.*", "chat.", False),  # no segment after the dot
    ("chat.*", "chat..", True),  # one more (empty) segment and a dot: one character more
    ("a.b.*", "a.b.c", True),
    ("a.b.*", "a.b", False),
    ("a.b.*", "a.c.d", False),
    ("a.b.*", "a.bc.d", False),
    # p.* vs q.*
    ("chat.*", "chat.*", True),  # equal
    ("chat.*", "chat.a.*", True),  # q starts with p and a dot
    ("chat.a.*", "chat.*", True),
    ("chat.*", "chats.*", False),  # a prefix, but not at a segment's end
    ("chat.a.*", "chat.b.*", False),  # disjoint
    ("news.*", "chat.*", False),
    # one vs two segments
    ("a.*", "a.b.*", True),
    ("a.b.*", "a.b", False),
    ("a.b.*", "a", False),
    ("a", "a.*", False),
]


@pytest.mark.parametrize(("first", "second", "expected"), CASES)
def test_patterns_intersect_when_some_channel_matches_both(
    first: str, second: str, expected: bool
) -> None:
    assert intersects(first, second) is expected
    assert intersects(second, first) is expected


@pytest.mark.parametrize(("first", "second", "expected"), CASES)
def test_the_index_finds_a_deployed_pattern_exactly_when_they_intersect(
    first: str, second: str, expected: bool
) -> None:
    assert bool(set(index_keys(first)) & set(lookup_keys(second))) is expected
    assert bool(set(index_keys(second)) & set(lookup_keys(first))) is expected


segment = st.text(alphabet="ab-", min_size=0, max_size=3)
plain = st.lists(segment, min_size=1, max_size=4).map(".".join).filter(bool)
wildcard = st.lists(segment.filter(bool), min_size=1, max_size=2).map(
    lambda parts: ".".join(parts) + ".*"
)
pattern = st.one_of(plain, wildcard)


@given(first=pattern, second=pattern)
def test_any_two_patterns_the_index_and_the_rule_agree(first: str, second: str) -> None:
    found = bool(set(index_keys(first)) & set(lookup_keys(second)))

    assert found is intersects(first, second) is intersects(second, first)


@given(base=st.lists(segment.filter(bool), min_size=1, max_size=2).map(".".join), rest=plain)
def test_a_wildcard_intersects_every_channel_it_matches(base: str, rest: str) -> None:
    assert intersects(f"{base}.*", f"{base}.{rest}")
