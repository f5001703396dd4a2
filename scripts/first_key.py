"""A store with no API key yet: on the embedded store, with a terminal to show it on, a
development key is made and shown there once; otherwise one log line says how to make one.
A key is never written into the log stream, which is kept and shipped."""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from commands.handlers.keys import IssueApiKey
from commands.keys import PERMISSIONS, Grant
from scripts.keys_commands import cli_context
from service.bootstrap import Container
from service.store import is_embedded

logger = logging.getLogger("faas.service")

DEVELOPMENT_ACCOUNT = 1
HOW_TO_MAKE_ONE = (
    "no API key exists yet: make one with `faas-packages keys create --account N "
    "--grant functions.package:read --grant functions.package:write` "
    "(faas-packages keys create --help)"
)
EXAMPLE_BODY = (
    '{"name":"hello","functions":[{"name":"hello","type":"ON_REQUEST",'
    '"code":"export default () => 1;","config":{"path":"hello"}}]}'
)


def offer_a_first_key(container: Container, database_url: str, address: str) -> None:
    """Make and show a development key, or say how to make a key (``address``: host:port)."""
    with _terminal() as terminal:
        if terminal is not None and is_embedded(database_url):
            _show_development_key(container, terminal, address)
            return
    logger.warning(HOW_TO_MAKE_ONE)


@contextmanager
def _terminal() -> Iterator[TextIO | None]:
    """The terminal this process runs in: its stderr if that is one, else its controlling
    terminal; ``None`` under a service manager or with stderr sent to a file or pipe."""
    if sys.stderr.isatty():
        yield sys.stderr
        return
    try:
        tty = open("/dev/tty", "w")  # noqa: SIM115 - closed below
    except OSError:
        yield None
        return
    with contextlib.closing(tty):
        yield tty


def _show_development_key(container: Container, terminal: TextIO, address: str) -> None:
    """A key with every grant for account 1, shown once."""
    grants = tuple(Grant(permission) for permission in PERMISSIONS)
    issue = IssueApiKey("development key", grants)
    issued = container.commands.run(issue, cli_context(DEVELOPMENT_ACCOUNT)).value
    key, plain = issued.key, issued.plain
    base = f"http://{address}/v2/faas"
    terminal.write(
        f"""
No API key exists yet, so one was made for account {DEVELOPMENT_ACCOUNT} with every grant.
It is shown this once, here and in no log; keep it (list and revoke keys with
`faas-packages keys`).

    key id: {key.id}
    key:    {plain}

Try it:

    curl -s -X POST {base}/packages -H 'Authorization: Bearer {plain}' \\
      -H 'Content-Type: application/json' \\
      -d '{EXAMPLE_BODY}'

"""
    )
    terminal.flush()
