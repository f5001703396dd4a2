"""Packages kept in memory for GET by id: never older than the read model was when asked."""

from __future__ import annotations

import asyncio

from commands.commands import DeletePackage, UpdatePackage
from projections.rebuild import rebuild
from projections.rows import PackageRow
from service.bootstrap import Container
from tests.support.builders import unique_name
from tests.support.commands import context, create_package
from tests.support.drift import drift_revisions_total


def read(container: Container, account_id: int, package_id: str) -> PackageRow | None:
    return asyncio.run(container.package_cache.package(account_id, package_id))


def test_a_package_read_twice_unchanged_is_the_kept_copy(container: Container) -> None:
    caller = context()
    saved = container.packages.create_package(create_package(), caller)
    container.projector.catch_up()
    package_id = str(saved.package.id)

    first = read(container, caller.account_id, package_id)

    assert first is not None
    assert first.name == saved.package.name
    assert read(container, caller.account_id, package_id) is first


def test_a_change_made_by_another_process_is_seen_at_once(instances: list[Container]) -> None:
    here, there = instances[0], instances[1]
    caller = context()
    saved = here.packages.create_package(create_package(), caller)
    here.projector.catch_up()
    package_id = str(saved.package.id)
    assert read(here, caller.account_id, package_id) is not None  # now kept here

    renamed = unique_name()
    there.packages.update_package(UpdatePackage(saved.package.id, name=renamed), caller)
    there.projector.catch_up()

    again = read(here, caller.account_id, package_id)
    assert again is not None
    assert again.name == renamed
    there.packages.delete_package(DeletePackage(saved.package.id), caller)
    there.projector.catch_up()
    assert read(here, caller.account_id, package_id) is None


def test_another_accounts_package_is_not_found_even_when_kept(container: Container) -> None:
    owner = context()
    saved = container.packages.create_package(create_package(), owner)
    container.projector.catch_up()
    package_id = str(saved.package.id)
    assert read(container, owner.account_id, package_id) is not None

    assert read(container, context().account_id, package_id) is None


def test_a_rebuild_replaces_every_kept_copy(container: Container) -> None:
    caller = context()
    saved = container.packages.create_package(create_package(), caller)
    container.projector.catch_up()
    package_id = str(saved.package.id)
    # A read model that drifted from the log: the copy kept is of the drifted row.
    drift_revisions_total(container, package_id, 9)
    drifted = read(container, caller.account_id, package_id)
    assert drifted is not None
    assert drifted.revisions_total == 9

    rebuild(container.projector)

    rebuilt = read(container, caller.account_id, package_id)
    assert rebuilt is not None
    assert rebuilt.revisions_total == 1
