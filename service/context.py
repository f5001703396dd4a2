"""What every endpoint needs of a request: the container, the caller, the command context."""

from __future__ import annotations

from starlette.requests import Request

from commands.context import CommandContext
from service.auth import Principal, authenticate, authorize
from service.bootstrap import Container
from service.envelope import correlation_id_of
from service.errors import ApiError, store_unavailable
from service.wire import to_the_millisecond


def container_of(request: Request) -> Container:
    """What the service runs on; a 503 while this process has not reached the store yet."""
    container = opened_container(request)
    if container is None:
        raise store_unavailable("The event store has not been reached yet. Retry later.")
    return container


def opened_container(request: Request) -> Container | None:
    container: Container | None = getattr(request.app.state, "container", None)
    return container


async def caller(request: Request, permission: str | None) -> Principal:
    """The authenticated caller, holding ``permission`` if one is named (else 401 or 403)."""
    keys = container_of(request).keys
    if permission is None:
        principal = await authenticate(request, keys)
    else:
        principal = await authorize(request, keys, permission)
    request.scope["state"]["account_id"] = principal.account_id
    return principal


def command_context(request: Request, principal: Principal) -> CommandContext:
    """The caller, the request and its time: the metadata of the events it causes."""
    return CommandContext(
        account_id=principal.account_id,
        actor=principal.key_id,
        correlation_id=correlation_id_of(request),
        requested_at=to_the_millisecond(request.scope["state"]["received_at"]),
    )


def not_found() -> ApiError:
    """Unknown, or another account's: the same answer either way."""
    return ApiError(404, "FAAS-404", "Entity not found")
