"""Running a command from an endpoint: handed to the writer's queue, awaited without holding
a thread (the writer answers every command of its batch at once, with one wake-up of the
event loop for all of them)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from starlette.requests import Request

from commands.group_commit import answered
from service.context import container_of

T = TypeVar("T")


async def run_command(request: Request, command: Callable[[], T]) -> T:
    """The answer of ``command``, a call of one of the application's command methods."""
    return await answered(container_of(request).packages.submit(command))
