"""Running a command from an endpoint: handed to the writer's queue, awaited without holding
a thread (the writer answers every command of its batch at once, with one wake-up of the
event loop for all of them)."""

from __future__ import annotations

from typing import TypeVar

from starlette.requests import Request

from commands.answering import answered
from commands.command import Command
from commands.context import CommandContext
from commands.group_commit import Committed
from commands.idempotency import Idempotency
from service.context import container_of

R = TypeVar("R")


async def run_command(
    request: Request,
    command: Command[R],
    context: CommandContext,
    idempotency: Idempotency | None = None,
) -> Committed[R]:
    """The command's committed result (or its domain error, raised)."""
    commands = container_of(request).commands
    return await answered(commands.submit(command, context, idempotency))
