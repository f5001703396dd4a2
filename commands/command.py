"""What every command is: a request to change something, answered by its handler's result."""

from __future__ import annotations

from typing import Generic, TypeVar

R = TypeVar("R", covariant=True)


class Command(Generic[R]):
    """A command whose handler answers an ``R`` (commands are frozen dataclasses)."""

    __slots__ = ()
