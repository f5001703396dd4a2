"""A PostgreSQL store that a test can take away and bring back.

Preferred: a throwaway PostgreSQL cluster of the test's own (fsync on), really stopped with
``pg_ctl stop -m immediate`` and started again, so the machine's shared server, which other
tests use, is never touched. Where no cluster can be made here (no server binaries, or no
``postgres`` user to run them as root), a loopback proxy in front of the shared server cuts
every connection and refuses new ones instead."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from tests.support.server import free_port
from tests.support.tcp_proxy import TcpProxy

PG_BIN = Path(os.environ.get("FAAS_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
PG_TIMEOUT_SECONDS = 60


class ClusterUnavailableError(Exception):
    """No private PostgreSQL cluster can be made on this machine."""


class Outage(Protocol):
    """A store whose URL a server can use, and that can go away and come back."""

    @property
    def url(self) -> str: ...

    def down(self) -> None: ...

    def up(self) -> None: ...


class PrivateCluster:
    """A PostgreSQL cluster in a temporary folder, on a free loopback port."""

    def __init__(self, folder: Path, as_owner: list[str], password: str | None = None) -> None:
        self.folder = folder
        self.port = free_port()
        self._as_owner = as_owner
        self.password = password

    @property
    def url(self) -> str:
        secret = "" if self.password is None else f":{self.password}"
        return f"postgresql://postgres{secret}@127.0.0.1:{self.port}/postgres"

    def initdb(self) -> None:
        # --no-sync only makes the empty cluster faster to create; the server runs fsync=on.
        flags = ["-U", "postgres", "-E", "UTF8", "--no-locale", "--no-sync"]
        if self.password is None:
            flags.append("--auth=trust")
        else:  # TCP connections need the password
            secret = self.folder / "password"
            secret.write_text(self.password)
            if self._as_owner:
                shutil.chown(secret, "postgres")
            flags += ["--auth-local=trust", "--auth-host=scram-sha-256", f"--pwfile={secret}"]
        self._run([str(PG_BIN / "initdb"), "-D", str(self.folder / "data"), *flags])

    def up(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} "
            "-c fsync=on -c synchronous_commit=on"
        )
        self._pg_ctl("-l", str(self.folder / "server.log"), "-o", options, "start")

    def down(self) -> None:
        """Stop at once, as a crash would: no checkpoint, every connection dropped."""
        self._pg_ctl("-m", "immediate", "stop")

    def _pg_ctl(self, *args: str) -> None:
        self._run([str(PG_BIN / "pg_ctl"), "-D", str(self.folder / "data"), "-w", *args])

    def _run(self, command: list[str]) -> None:
        done = subprocess.run(
            [*self._as_owner, *command],
            capture_output=True,
            text=True,
            timeout=PG_TIMEOUT_SECONDS,
            check=False,
            env={**os.environ, "PGCTLTIMEOUT": str(PG_TIMEOUT_SECONDS)},
        )
        if done.returncode != 0:
            log = self.folder / "server.log"
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise RuntimeError(f"{command[0]} failed: {done.stdout}{done.stderr}{tail}")


@contextmanager
def private_cluster(password: str | None = None) -> Iterator[PrivateCluster]:
    """A running cluster of this test's own, stopped and removed afterwards; with
    ``password``, its TCP connections need it (the ``postgres`` user's)."""
    folder = Path(tempfile.mkdtemp(prefix="faas-pg-"))
    try:
        cluster = _initialised(folder, password)
        cluster.up()
        try:
            yield cluster
        finally:
            with contextlib.suppress(RuntimeError):  # the test may have left it stopped
                cluster.down()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _initialised(folder: Path, password: str | None = None) -> PrivateCluster:
    if not (PG_BIN / "initdb").is_file():
        raise ClusterUnavailableError(f"no PostgreSQL server binaries in {PG_BIN}")
    as_owner: list[str] = []
    try:
        if os.geteuid() == 0:  # initdb refuses to run as root: run the cluster as postgres
            if shutil.which("runuser") is None:
                raise ClusterUnavailableError("running as root, and no runuser to become postgres")
            shutil.chown(folder, "postgres")
            as_owner = ["runuser", "-u", "postgres", "--"]
        cluster = PrivateCluster(folder, as_owner, password)
        cluster.initdb()
    except (RuntimeError, LookupError, OSError, subprocess.SubprocessError) as error:
        raise ClusterUnavailableError(f"cannot make a cluster: {error}") from error
    return cluster


class ProxiedStore:
    """The fallback: the shared server behind a proxy that cuts and refuses connections."""

    def __init__(self, url: str, proxy: TcpProxy) -> None:
        self.url = url
        self.proxy = proxy

    def down(self) -> None:
        self.proxy.cut()

    def up(self) -> None:
        self.proxy.restore()


@contextmanager
def proxied(database_url: str) -> Iterator[ProxiedStore]:
    """``database_url`` reached through a loopback proxy that the test can cut."""
    target = urlsplit(database_url)
    proxy = TcpProxy(target.hostname or "127.0.0.1", target.port or 5432)
    url = database_url.replace(target.netloc, f"{target.username}@127.0.0.1:{proxy.port}")
    try:
        yield ProxiedStore(url, proxy)
    finally:
        proxy.cut()
