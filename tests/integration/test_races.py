"""Races that the invariants must survive, on both stores: only allowed outcomes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from uuid import UUID

import pytest

from commands.errors import (
    DeploymentNotFoundError,
    LimitReachedError,
    PackageNotFoundError,
    StateConflictError,
)
from commands.handlers.deployments import CreateDeployment, StartDeployment
from commands.handlers.packages import DeletePackage
from commands.package import Package
from service.bootstrap import Container, bootstrap
from service.settings import Settings
from tests.support.commands import context, create_package
from tests.support.concurrency import on_each, race


def deployed(container: Container, keysets: list[int]) -> tuple[UUID, list[UUID], int]:
    """A package whose revision is on ``keysets``, stopped; its id, the deployments, account."""
    caller = context()
    saved = container.commands.run(create_package(), caller)
    (revision,) = saved.value.revisions
    ids = [
        UUID(
            container.commands.run(
                CreateDeployment(UUID(revision), keyset), caller
            ).value.deployment_ids[0]
        )
        for keyset in keysets
    ]
    return saved.value.id, ids, caller.account_id


@pytest.fixture
def limited(settings: Settings) -> Iterator[list[Container]]:
    """Three instances on one store, with a running limit of 2."""
    limit = Settings(database_url=settings.database_url, max_running_deployments_per_account=2)
    built = [bootstrap(limit) for _ in range(3)]
    yield built
    for instance in built:
        instance.close()


def test_racing_starts_never_pass_the_running_limit(limited: list[Container]) -> None:
    package_id, ids, account = deployed(limited[0], [1, 2, 3, 4, 5, 6])
    starts = iter(ids)
    instance = on_each(limited)

    results, errors = race(
        6, lambda: instance().commands.run(StartDeployment(next(starts)), context(account))
    )

    assert len(results) == 2
    assert all(isinstance(error, LimitReachedError) for error in errors), errors
    package: Package = limited[0].store.repository.get(package_id)
    assert len(package.running_deployments()) == 2


def race_a_start_and_a_delete(first: Container, second: Container) -> None:
    package_id, (deployment,), account = deployed(first, [1])
    caller = context(account)
    calls: Iterator[Callable[[], object]] = iter(
        [
            lambda: first.commands.run(StartDeployment(deployment), caller),
            lambda: second.commands.run(DeletePackage(package_id), caller),
        ]
    )

    _, errors = race(2, lambda: next(calls)())

    package: Package = first.store.repository.get(package_id)
    assert all(
        isinstance(e, StateConflictError | DeploymentNotFoundError | PackageNotFoundError)
        for e in errors
    ), errors
    assert not (package.deleted and package.running_deployments())


def test_a_start_racing_a_delete_never_leaves_a_running_deployment_of_a_gone_package(
    instances: list[Container],
) -> None:
    for _ in range(5):
        race_a_start_and_a_delete(instances[0], instances[1])


def test_two_deployments_of_one_revision_to_one_keyset_make_one(container: Container) -> None:
    caller = context()
    saved = container.commands.run(create_package(), caller)
    (revision,) = saved.value.revisions

    results, errors = race(
        4,
        lambda: container.commands.run(CreateDeployment(UUID(revision), 77), caller),
    )

    assert len(results) == 1
    assert all(isinstance(e, StateConflictError) for e in errors), errors
    package: Package = container.store.repository.get(saved.value.id)
    assert len(package.deployments) == 1
