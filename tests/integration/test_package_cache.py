"""Packages kept in memory for GET by id: never older than the read model was when asked."""

from __future__ import annotations

import asyncio
import time
from typing import Any
from uuid import UUID

import msgspec
import psycopg
import pytest

from commands.context import CommandContext
from commands.group_commit import Committed
from commands.handlers.packages import DeletePackage, UpdatePackage
from commands.package import Package
from projections.database import DatabaseUnavailableError
from projections.rebuild import rebuild
from service.bootstrap import Container
from service.package_cache import Copy
from tests.support.builders import unique_name
from tests.support.commands import context, create_package
from tests.support.drift import drift_revisions_total


def read(container: Container, account_id: int, package_id: UUID) -> Copy | None:
    async def on_a_loop_of_its_own() -> Copy | None:
        try:
            return await container.package_cache.package(account_id, package_id)
        finally:
            await container.package_cache.close()

    return asyncio.run(on_a_loop_of_its_own())


def shown(kept: Copy) -> dict[str, Any]:
    """The package as its GET shows it."""
    data: dict[str, Any] = msgspec.json.decode(kept.data)
    return data


def test_a_package_read_twice_unchanged_is_the_kept_copy(container: Container) -> None:
    caller = context()
    saved = container.commands.run(create_package(), caller)
    container.projector.catch_up()
    package_id = saved.value.id

    first = read(container, caller.account_id, package_id)

    assert first is not None
    assert shown(first)["name"] == saved.value.name
    assert read(container, caller.account_id, package_id) is first


def test_a_change_made_by_another_process_is_seen_at_once(instances: list[Container]) -> None:
    here, there = instances[0], instances[1]
    caller = context()
    saved = here.commands.run(create_package(), caller)
    here.projector.catch_up()
    package_id = saved.value.id
    assert read(here, caller.account_id, package_id) is not None  # now kept here

    renamed = unique_name()
    there.commands.run(UpdatePackage(saved.value.id, name=renamed), caller)
    there.projector.catch_up()

    again = read(here, caller.account_id, package_id)
    assert again is not None
    assert shown(again)["name"] == renamed
    there.commands.run(DeletePackage(saved.value.id), caller)
    there.projector.catch_up()
    assert read(here, caller.account_id, package_id) is None


def test_another_accounts_package_is_not_found_even_when_kept(container: Container) -> None:
    owner = context()
    saved = container.commands.run(create_package(), owner)
    container.projector.catch_up()
    package_id = saved.value.id
    assert read(container, owner.account_id, package_id) is not None

    assert read(container, context().account_id, package_id) is None


def test_a_rebuild_replaces_every_kept_copy(container: Container) -> None:
    caller = context()
    saved = container.commands.run(create_package(), caller)
    container.projector.catch_up()
    package_id = saved.value.id
    # A read model that drifted from the log: the copy kept is of the drifted row.
    drift_revisions_total(container, str(package_id), 9)
    drifted = read(container, caller.account_id, package_id)
    assert drifted is not None
    assert shown(drifted)["revisionsTotal"] == 9

    rebuild(container.projector)

    rebuilt = read(container, caller.account_id, package_id)
    assert rebuilt is not None
    assert shown(rebuilt)["revisionsTotal"] == 1


def test_a_check_whose_connection_was_lost_fails_once_then_reconnects(
    container: Container, store_url: str
) -> None:
    caller, saved = projected_package_on_postgres(container, store_url)
    package_id = saved.value.id
    cache = container.package_cache

    async def across_a_lost_connection() -> list[str]:
        outcomes = []
        try:
            await cache.package(caller.account_id, package_id)
            with psycopg.connect(store_url, autocommit=True) as admin:
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                    "AND query LIKE %s",
                    ("%rm_generations g%",),
                )
            for _ in range(2):
                try:
                    kept = await cache.package(caller.account_id, package_id)
                except DatabaseUnavailableError:
                    outcomes.append("unavailable")
                else:
                    outcomes.append("found" if kept is not None else "missing")
        finally:
            await cache.close()
        return outcomes

    assert asyncio.run(across_a_lost_connection()) == ["unavailable", "found"]


def test_a_check_that_outlasts_the_store_timeout_fails_its_round_then_the_next_succeeds(
    container: Container, store_url: str
) -> None:
    caller, saved = projected_package_on_postgres(container, store_url)
    package_id = saved.value.id
    timeout = container.settings.store_timeout_seconds

    with psycopg.connect(store_url) as admin:
        # Holds every check's read of where the read model stands, as a stuck server would.
        admin.execute("LOCK TABLE rm_generations IN ACCESS EXCLUSIVE MODE")
        started = time.monotonic()
        with pytest.raises(DatabaseUnavailableError):
            read(container, caller.account_id, package_id)
        waited = time.monotonic() - started
        admin.rollback()

    assert timeout <= waited < timeout + 3, waited
    kept = read(container, caller.account_id, package_id)
    assert kept is not None
    assert shown(kept)["name"] == saved.value.name


def projected_package_on_postgres(
    container: Container, store_url: str
) -> tuple[CommandContext, Committed[Package]]:
    """A package in the read model, for tests of the checks' own connection (PostgreSQL)."""
    if not store_url.startswith("postgresql"):
        pytest.skip("SQLite checks open no connection of their own")
    caller = context()
    saved = container.commands.run(create_package(), caller)
    container.projector.catch_up()
    return caller, saved
