"""Secrets in the store, on both stores: a value never appears anywhere but as ciphertext
(the store's bytes, the read model, replay, the audit trail, logs, metrics, errors); a
replaced or deleted value can never be read again while the log still replays; the master
key is checked at start, rotated, and carried with the store by export and import."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx2 as httpx
import psycopg
import pytest
from psycopg import sql

from commands.events import SecretSet
from commands.handlers.secrets import DeleteSecret, RevealedSecret, SecretKey, SetSecret
from commands.secret_store import read_value
from commands.secrets import secret_id
from commands.vault import SealedError, SecretPlace, make_key_file
from projections.rebuild import verify
from service.bootstrap import Container, bootstrap
from service.settings import Settings, SettingsError
from tests.conftest import STORES
from tests.support.commands import context
from tests.support.keys import issue_key
from tests.support.kv import RegisteredKeyset, register_keyset
from tests.support.secrets import key_file_for
from tests.support.server import run_cli, server_process
from tests.support.stores import new_store

SECRETS = "/v2/faas/kv/secrets"


def new_marker() -> str:
    return f"MARKER-{uuid4().hex}"


def opened(url: str, key_file: str | None = None) -> Container:
    chosen = key_file_for(url) if key_file is None else key_file
    return bootstrap(Settings(database_url=url, secrets_key_file=chosen), secrets=True)


def forms(marker: str) -> list[bytes]:
    """How the marker would show if it were stored: as text, as hex and as base64 (each
    of its three alignments)."""
    raw = marker.encode()
    shown = [raw, raw.hex().encode()]
    for skip in range(3):
        shown.append(base64.b64encode(raw[skip:])[4:-4])
    return shown


def store_bytes(url: str) -> bytes:
    """Every byte the store holds: the files of the log and the read model (with their
    write-ahead logs) on SQLite; every row of every table of the database, as text, on
    PostgreSQL."""
    if url.startswith("sqlite"):
        folder = Path(url.removeprefix("sqlite:///")).parent
        return b"".join(path.read_bytes() for path in sorted(folder.glob("faas*sqlite3*")))
    dumped: list[str] = []
    with psycopg.connect(url, autocommit=True) as connection:
        tables = connection.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        ).fetchall()
        for (table,) in tables:
            query = sql.SQL("SELECT t::text FROM {} AS t").format(sql.Identifier(table))
            dumped += [row[0] for row in connection.execute(query)]
    return "\n".join(dumped).encode()


def assert_nowhere(marker: str, *places: bytes | str) -> None:
    for place in places:
        data = place.encode() if isinstance(place, str) else place
        for form in forms(marker):
            assert form not in data


def test_a_secrets_value_is_nowhere_but_in_ciphertext(own_store_url: str, tmp_path: Path) -> None:
    url, marker, log = own_store_url, new_marker(), tmp_path / "server.log"
    container = opened(url)
    try:
        key = issue_key(container)
        keyset = register_keyset(container, key.account_id)
    finally:
        container.close()
    with (
        server_process(url, log=log, env={"FAAS_LOG_LEVEL": "DEBUG"}) as (base, _),
        httpx.Client(base_url=base, headers=key.headers, timeout=30) as client,
    ):
        answers = exercise(client, keyset, marker)
        # The control: a KV string is stored as it is sent, and the search finds it.
        control = new_marker()
        stored = client.put(
            "/v2/faas/kv/strings/control", params=keyset.query, json={"value": control}
        )
        assert stored.status_code == 200
    replayed = run_cli(url, "replay", "--json")
    assert replayed.returncode == 0, replayed.stderr
    assert '"SecretCreated"' in replayed.stdout
    assert '"SecretSet"' in replayed.stdout
    dumped = store_bytes(url)
    assert control.encode() in dumped
    assert control in replayed.stdout
    assert b"faas.access" in log.read_bytes()

    assert_nowhere(marker, dumped, log.read_bytes(), replayed.stdout, *answers)


def exercise(client: httpx.Client, keyset: RegisteredKeyset, marker: str) -> list[str]:
    """Every way a request could show the marker; the answers."""
    query = keyset.query
    answers = [
        client.put(f"{SECRETS}/API_KEY", params=query, json={"value": marker}),
        client.put(f"{SECRETS}/API_KEY", params=query, json={"value": f"{marker}-2"}),
        client.put(f"{SECRETS}/OTHER", params=query, json={"value": marker, "extra": 1}),
        client.put(f"{SECRETS}/OTHER", params=query, json={"value": f"{marker}\u0000"}),
        client.put(f"{SECRETS}/OTHER", params=query, json={"value": [marker]}),
        client.put(
            f"{SECRETS}/OTHER",
            params=query,
            content=f'{{"value": "{marker}',
            headers={"Content-Type": "application/json"},
        ),
        client.put(f"{SECRETS}/OTHER", params=query, json={"value": marker + "x" * 32_000}),
        client.get(SECRETS, params=query),
    ]
    assert [answer.status_code for answer in answers] == [200, 200, 400, 400, 400, 400, 400, 200]
    created = client.post(
        "/v2/faas/packages",
        json={
            "name": f"p-{uuid4().hex[:8]}",
            "functions": [
                {"name": "f", "type": "ON_REQUEST", "code": "x", "config": {"path": "p"}}
            ],
        },
    ).json()["data"]
    answers += [
        client.get(f"/v2/faas/packages/{created['id']}/events"),
        client.get(f"/v2/faas/packages/{created['id']}", params={"asOf": created["updatedDttm"]}),
        client.get("/metrics"),
    ]
    assert client.delete(f"{SECRETS}/API_KEY", params=query).status_code == 204
    return [answer.text for answer in answers]


def logged_values(container: Container, keyset: RegisteredKeyset, key: str) -> list[RevealedSecret]:
    """Each value the log holds for the secret, as the code would open it."""
    stream = secret_id(keyset.registration_id, key)
    return [
        RevealedSecret(
            SecretPlace(event.account_id, event.keyset_id, event.key),
            event.value_id,
            event.nonce,
            event.ciphertext,
        )
        for event in container.store.events.get(stream)
        if isinstance(event, SecretSet)
    ]


def reveal(url: str, keyset: RegisteredKeyset, key: str, key_file: str | None = None) -> Any:
    env = {} if key_file is None else {"FAAS_SECRETS_KEY_FILE": key_file}
    return run_cli(url, "secrets", "reveal", "--subkey", keyset.subscribe_key, key, env=env)


def test_a_replaced_or_deleted_value_can_never_be_read_again_and_the_log_still_replays(
    own_store_url: str,
) -> None:
    url = own_store_url
    container = opened(url)
    try:
        account = issue_key(container).account_id
        keyset = register_keyset(container, account)
        for value in ("first", "second"):
            container.commands.run(SetSecret(secret_key(keyset, "A"), value), context(account))
        container.commands.run(SetSecret(secret_key(keyset, "B"), "kept"), context(account))
        container.commands.run(DeleteSecret(secret_key(keyset, "B")), context(account))
        replaced, current = logged_values(container, keyset, "A")
        [deleted] = logged_values(container, keyset, "B")
        recorder: Any = container.store.recorder
        assert container.vault is not None
        assert read_value(recorder, container.vault, current) == "second"
        for gone in (replaced, deleted):
            with pytest.raises(SealedError):
                read_value(recorder, container.vault, gone)
        container.projector.catch_up()
        assert verify(container.projector) == []
    finally:
        container.close()

    assert reveal(url, keyset, "A").stdout == "second\n"
    refused = reveal(url, keyset, "B")
    assert refused.returncode == 1
    assert "no secret 'B'" in refused.stderr
    replayed = run_cli(url, "replay", "--json")
    assert replayed.returncode == 0
    assert replayed.stdout.count('"SecretRevealed"') == 1


def secret_key(keyset: RegisteredKeyset, key: str) -> SecretKey:
    return SecretKey(keyset.keyset_id, keyset.registration_id, key)


def test_a_wrong_master_key_stops_the_start_with_one_line(
    own_store_url: str, tmp_path: Path
) -> None:
    opened(own_store_url).close()
    wrong = tmp_path / "wrong.key"
    make_key_file(wrong)

    with pytest.raises(SettingsError, match="FAAS_SECRETS_KEY_FILE: the master key is not"):
        opened(own_store_url, str(wrong))
    served = run_cli(
        own_store_url, "serve", "--port", "1", env={"FAAS_SECRETS_KEY_FILE": str(wrong)}
    )
    assert served.returncode == 2
    assert served.stderr.strip().count("\n") == 0
    assert "the master key is not the one" in served.stderr


def test_postgresql_without_a_key_file_does_not_serve(own_store_url: str) -> None:
    if own_store_url.startswith("sqlite"):
        pytest.skip("the embedded store makes its key file")
    served = run_cli(own_store_url, "serve", "--port", "1", env={"FAAS_SECRETS_KEY_FILE": ""})

    assert served.returncode == 2
    assert "FAAS_SECRETS_KEY_FILE must name the master key's file" in served.stderr


def test_the_embedded_store_makes_its_key_file_readable_by_its_owner_only(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/store/faas.sqlite3"
    opened(url).close()

    made = tmp_path / "store" / "faas.secrets.key"
    assert made.stat().st_mode & 0o777 == 0o600
    assert len(bytes.fromhex(made.read_text().strip())) == 32


def test_after_a_rotation_the_new_key_reads_every_value_and_the_old_one_opens_nothing(
    own_store_url: str, tmp_path: Path
) -> None:
    url, old, new = own_store_url, key_file_for(own_store_url), str(tmp_path / "new.key")
    keyset = stored_secret(url, "rotated")
    if not old:
        old = str(Path(url.removeprefix("sqlite:///")).with_name("faas.secrets.key"))

    rotated = run_cli(url, "secrets", "rotate-master-key", "--new-key-file", new)

    assert rotated.returncode == 0, rotated.stderr
    assert "rewrapped 1 data keys" in rotated.stdout
    assert reveal(url, keyset, "K", new).stdout == "rotated\n"
    refused = reveal(url, keyset, "K", old)
    assert refused.returncode == 2
    assert "the master key is not the one" in refused.stderr
    with pytest.raises(SettingsError):
        opened(url, old)


def stored_secret(url: str, value: str) -> RegisteredKeyset:
    container = opened(url)
    try:
        account = issue_key(container).account_id
        keyset = register_keyset(container, account)
        container.commands.run(SetSecret(secret_key(keyset, "K"), value), context(account))
    finally:
        container.close()
    return keyset


@pytest.mark.parametrize("kind", STORES)
def test_export_and_import_carry_the_data_keys_and_the_imported_store_reveals(
    kind: str, tmp_path: Path
) -> None:
    key_file, file = tmp_path / "shared.key", tmp_path / "store.export"
    make_key_file(key_file)
    env = {"FAAS_SECRETS_KEY_FILE": str(key_file)}
    other = "sqlite" if kind == "postgres" else "postgres"
    with new_store(kind, tmp_path) as source, new_store(other, tmp_path) as target:
        container = opened(source, str(key_file))
        try:
            account = issue_key(container).account_id
            keyset = register_keyset(container, account)
            container.commands.run(SetSecret(secret_key(keyset, "K"), "moved"), context(account))
        finally:
            container.close()
        made = run_cli(source, "export", str(file), env=env)
        assert made.returncode == 0, made.stderr
        assert "secret_data_keys" in file.read_text()
        loaded = run_cli(target, "import", str(file), env=env)
        assert loaded.returncode == 0, loaded.stderr

        assert reveal(target, keyset, "K", str(key_file)).stdout == "moved\n"
