"""When two channel patterns intersect, and how an index finds the patterns that intersect one.

A pattern is a plain channel, which matches only itself, or a wildcard ``p.*``, which matches
every channel that starts with ``p.`` and has at least one more character after it (one more
segment). Two patterns *intersect* when some channel matches both: two plain channels when
they are equal; a plain channel ``c`` and ``p.*`` when ``p.*`` matches ``c``; ``p.*`` and
``q.*`` when ``p == q``, or one of them starts with the other followed by a dot (``chat.*`` and
``chat.a.*``). The bound on a channel's length is not considered.

The index stores, for each deployed pattern, the keys under which a query may meet it, so that
a query asks a few exact keys (never a prefix range, whose order would depend on a collation):

| deployed pattern       | its keys                                                  |
|------------------------|-----------------------------------------------------------|
| plain ``c``            | (EXACT, c); (UNDER, p) for each ``p`` that ``p.*`` matches  |
| wildcard ``p.*``       | (WILDCARD, p); (WILDCARD_UNDER, q) for each ``q.`` that ``p``  |
|                        | starts with                                               |

and a query for a pattern asks the keys that ``lookup_keys`` lists. ``intersects`` is the rule
itself; the index only finds candidates, and every candidate is checked with it.
"""

from __future__ import annotations

WILDCARD_SUFFIX = ".*"
EXACT, UNDER, WILDCARD, WILDCARD_UNDER = "exact", "under", "wildcard", "wildcard-under"


def is_wildcard(pattern: str) -> bool:
    return pattern.endswith(WILDCARD_SUFFIX)


def _base(wildcard: str) -> str:
    """``p`` of ``p.*``."""
    return wildcard[: -len(WILDCARD_SUFFIX)]


def matches(wildcard_base: str, channel: str) -> bool:
    """Whether ``<wildcard_base>.*`` matches the plain ``channel``."""
    return channel.startswith(wildcard_base + ".") and len(channel) > len(wildcard_base) + 1


def intersects(first: str, second: str) -> bool:
    """Whether some channel matches both patterns."""
    if not is_wildcard(first) and not is_wildcard(second):
        return first == second
    if not is_wildcard(first):
        return matches(_base(second), first)
    if not is_wildcard(second):
        return matches(_base(first), second)
    one, other = _base(first), _base(second)
    return one == other or one.startswith(other + ".") or other.startswith(one + ".")


def _wildcards_matching(channel: str) -> list[str]:
    """Every ``p`` whose ``p.*`` matches the plain ``channel``."""
    return [channel[:i] for i, c in enumerate(channel) if c == "." and i + 1 < len(channel)]


def _dotted_prefixes(base: str) -> list[str]:
    """Every ``q`` such that ``base`` starts with ``q.``."""
    return [base[:i] for i, c in enumerate(base) if c == "."]


def index_keys(pattern: str) -> list[tuple[str, str]]:
    """The (kind, key) pairs under which the index stores a deployed pattern."""
    if not is_wildcard(pattern):
        return [(EXACT, pattern)] + [(UNDER, p) for p in _wildcards_matching(pattern)]
    base = _base(pattern)
    return [(WILDCARD, base)] + [(WILDCARD_UNDER, q) for q in _dotted_prefixes(base)]


def lookup_keys(pattern: str) -> list[tuple[str, str]]:
    """The (kind, key) pairs a query for ``pattern`` asks: every deployed pattern that
    intersects it is stored under at least one of them."""
    if not is_wildcard(pattern):
        return [(EXACT, pattern)] + [(WILDCARD, p) for p in _wildcards_matching(pattern)]
    base = _base(pattern)
    return [(UNDER, base), (WILDCARD, base), (WILDCARD_UNDER, base)] + [
        (WILDCARD, q) for q in _dotted_prefixes(base)
    ]
