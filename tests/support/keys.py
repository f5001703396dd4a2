"""API keys for tests: real keys, issued through the application into the test's store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from starlette.testclient import TestClient

from commands.handlers.keys import IssueApiKey
from commands.keys import PERMISSIONS, Grant
from service.app import create_app
from service.bootstrap import Container, bootstrap
from service.settings import Settings
from tests.support.builders import unique_account
from tests.support.commands import context

ALL_GRANTS = tuple(Grant(permission) for permission in PERMISSIONS)


@dataclass(frozen=True)
class IssuedKey:
    plain: str
    key_id: str
    account_id: int

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.plain}"}


def issue_key(
    container: Container,
    account_id: int | None = None,
    grants: tuple[Grant, ...] = ALL_GRANTS,
    expires_at: str | None = None,
) -> IssuedKey:
    account = account_id or unique_account()
    command = IssueApiKey("test key", grants, expires_at)
    issued = container.commands.run(command, context(account)).value
    container.keys.refresh()
    return IssuedKey(issued.plain, str(issued.key.id), account)


def issue_key_in(database_url: str, account_id: int | None = None) -> IssuedKey:
    """A key with every grant, made in the store at ``database_url``."""
    container = bootstrap(Settings(database_url=database_url))
    try:
        return issue_key(container, account_id)
    finally:
        container.close()


@contextmanager
def keyed_client(
    settings: Settings, grants: tuple[Grant, ...] = ALL_GRANTS, account_id: int | None = None
) -> Iterator[tuple[TestClient, IssuedKey]]:
    """A client of the app whose requests carry a fresh key of its own account."""
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        key = issue_key(client.app.state.container, account_id, grants)  # type: ignore[attr-defined]
        client.headers.update(key.headers)
        yield client, key
