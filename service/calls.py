"""A request to the API as its endpoint sees it, resolved once at its start: the container
it runs on, the authenticated caller and the command context. Everything an endpoint does
with its request goes through it: reading the body, running a command (once per
``Idempotency-Key``), waiting until the read model has the change, answering."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import msgspec
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from commands.answering import answered
from commands.command import Command
from commands.context import CommandContext
from commands.group_commit import Committed
from commands.idempotency import AnsweredBefore, RecordedAnswer
from service.auth import Principal, authenticate, authorize
from service.body import read_json_body, read_optional_json_body
from service.bootstrap import Container
from service.envelope import CORRELATION_HEADER, correlation_id_of, success
from service.errors import lacks_permission, store_unavailable
from service.idempotency import REPLAYED_HEADER, idempotency_of
from service.settings import Settings
from service.wire.common import Paging, to_the_millisecond

R = TypeVar("R")
STALE_HEADER = "X-Read-Model-Stale"
_PROCESS_FINGERPRINT_KEY = os.urandom(32)
logger = logging.getLogger("faas.service")


def container_of(request: Request) -> Container:
    """What the service runs on; a 503 while this process has not reached the store yet."""
    container = opened_container(request)
    if container is None:
        raise store_unavailable("The event store has not been reached yet. Retry later.")
    return container


def opened_container(request: Request) -> Container | None:
    container: Container | None = getattr(request.app.state, "container", None)
    return container


async def begin(request: Request, permission: str | None) -> Call:
    """The call of an authenticated caller holding ``permission`` if one is named (else 401
    or 403); with ``None``, any valid key (the grant is checked once its keyset is known)."""
    container = container_of(request)
    if permission is None:
        principal = await authenticate(request, container.keys)
    else:
        principal = await authorize(request, container.keys, permission)
    request.scope["state"]["account_id"] = principal.account_id
    return Call(request, container, principal)


@dataclass(slots=True)
class Call:
    request: Request
    container: Container
    principal: Principal
    _context: CommandContext | None = field(default=None, repr=False)

    @property
    def settings(self) -> Settings:
        return self.container.settings

    @property
    def account_id(self) -> int:
        return self.principal.account_id

    @property
    def context(self) -> CommandContext:
        """The caller, the request and its time: the metadata of the events it causes."""
        if self._context is None:
            self._context = CommandContext(
                account_id=self.principal.account_id,
                actor=self.principal.key_id,
                correlation_id=correlation_id_of(self.request),
                requested_at=to_the_millisecond(self.request.scope["state"]["received_at"]),
            )
        return self._context

    def require(self, permission: str, keyset: int | None) -> None:
        """403 unless the key holds ``permission`` (on ``keyset``, when one is named)."""
        if not self.principal.allows(permission, keyset):
            raise lacks_permission(permission)

    async def body(self) -> bytes:
        """The JSON body (415 if not declared JSON, 413 past the limit)."""
        return await read_json_body(self.request, self.settings.max_body_bytes)

    async def optional_body(self) -> bytes:
        """A body that may be empty; when sent, it must be JSON."""
        return await read_optional_json_body(self.request, self.settings.max_body_bytes)

    async def read(self, query: Callable[..., R], *args: Any) -> R:
        """A read-model query, in a worker thread."""
        return await run_in_threadpool(query, *args)

    async def run(self, command: Command[R]) -> Committed[R]:
        """The command's committed result (or its domain error, raised)."""
        return await answered(self.container.commands.submit(command, self.context))

    async def answer_once(
        self,
        body: bytes,
        command: Command[R],
        render: Callable[[R], RecordedAnswer],
        *,
        body_holds_secrets: bool = False,
    ) -> Response:
        """Run a POST's command and answer; for a repeat of an ``Idempotency-Key``, the first
        answer again, byte for byte in ``data``. A body that holds secret values is
        fingerprinted under a key of the master key's (a process's own without one: such a
        command is refused anyway)."""
        secret_key = None
        if body_holds_secrets:
            vault = self.container.vault
            secret_key = _PROCESS_FINGERPRINT_KEY if vault is None else vault.fingerprint_key
        once = idempotency_of(self.request, body, render, secret_key)
        submitted = self.container.commands.submit(command, self.context, once)
        try:
            committed = await answered(submitted)
        except AnsweredBefore as repeat:
            headers = {**repeat.response.headers, REPLAYED_HEADER: "true"}
            return self._recorded(repeat.response, headers)
        return await self.answer(committed, render)

    async def answer(
        self, committed: Committed[R], render: Callable[[R], RecordedAnswer]
    ) -> Response:
        """A command's answer, once the read model has its change."""
        response = render(committed.value)
        headers = {**await self.settled(committed.position), **response.headers}
        return self._recorded(response, headers)

    async def settled(self, position: int) -> dict[str, str]:
        """Wait until the read model includes ``position``; past the bound, answer anyway (the
        write is durable) and say so in a header."""
        timeout = self.settings.read_your_writes_timeout_seconds
        if await self.container.watch.wait_for(position, timeout):
            return {}
        logger.warning(
            "read model behind position %s after %s s correlation_id=%s",
            position,
            timeout,
            correlation_id_of(self.request),
        )
        return {STALE_HEADER: "true"}

    def ok(
        self,
        data: Any,
        status: int = 200,
        headers: dict[str, str] | None = None,
        paging: Paging | None = None,
        next_page_token: str | None = None,
    ) -> Response:
        return success(self.request, status, data, headers, paging, next_page_token)

    def no_content(self, headers: dict[str, str]) -> Response:
        correlation = {CORRELATION_HEADER: correlation_id_of(self.request)}
        return Response(status_code=204, headers={**headers, **correlation})

    def _recorded(self, response: RecordedAnswer, headers: dict[str, str]) -> Response:
        data = msgspec.Raw(response.data.encode())
        return success(self.request, response.status, data, headers)
