"""Races that the invariants must survive, on both stores: only allowed outcomes."""

from __future__ import annotations

from collections.abc import Iterator
from uuid import UUID

import pytest

from commands.commands import CreateDeployment, DeletePackage
from commands.errors import (
    ConflictError,
    DeploymentNotFoundError,
    LimitReachedError,
    PackageNotFoundError,
)
from service.bootstrap import Container, bootstrap
from service.settings import Settings
from tests.integration.test_event_store import race
from tests.support.commands import context, create_package


def deployed(container: Container, keysets: list[int]) -> tuple[UUID, list[UUID], int]:
    """A package whose revision is on ``keysets``, stopped; its id, the deployments, account."""
    caller = context()
    saved = container.packages.create_package(create_package(), caller)
    (revision,) = saved.package.revisions
    ids = [
        UUID(
            container.packages.create_deployment(
                CreateDeployment(UUID(revision), keyset), caller
            ).deployment_ids[0]
        )
        for keyset in keysets
    ]
    return saved.package.id, ids, caller.account_id


@pytest.fixture
def limited(settings: Settings) -> Iterator[Container]:
    container = bootstrap(
        Settings(database_url=settings.database_url, max_running_deployments_per_account=2)
    )
    yield container
    container.close()


def test_racing_starts_never_pass_the_running_limit(limited: Container) -> None:
    package_id, ids, account = deployed(limited, [1, 2, 3, 4, 5, 6])
    starts = iter(ids)

    results, errors = race(
        6, lambda: limited.packages.start_deployment(next(starts), context(account))
    )

    assert len(results) == 2
    assert all(isinstance(error, LimitReachedError) for error in errors), errors
    package = limited.packages.repository.get(package_id)
    assert len(package.running_deployments()) == 2


def race_a_start_and_a_delete(container: Container) -> None:
    package_id, (deployment,), account = deployed(container, [1])
    caller = context(account)
    calls = iter(
        [
            lambda: container.packages.start_deployment(deployment, caller),
            lambda: container.packages.delete_package(DeletePackage(package_id), caller),
        ]
    )

    _, errors = race(2, lambda: next(calls)())

    package = container.packages.repository.get(package_id)
    assert all(
        isinstance(e, ConflictError | DeploymentNotFoundError | PackageNotFoundError)
        for e in errors
    ), errors
    assert not (package.deleted and package.running_deployments())


def test_a_start_racing_a_delete_never_leaves_a_running_deployment_of_a_gone_package(
    container: Container,
) -> None:
    for _ in range(5):
        race_a_start_and_a_delete(container)


def test_two_deployments_of_one_revision_to_one_keyset_make_one(container: Container) -> None:
    caller = context()
    saved = container.packages.create_package(create_package(), caller)
    (revision,) = saved.package.revisions

    results, errors = race(
        4,
        lambda: container.packages.create_deployment(CreateDeployment(UUID(revision), 77), caller),
    )

    assert len(results) == 1
    assert all(isinstance(e, ConflictError) for e in errors), errors
    package = container.packages.repository.get(saved.package.id)
    assert len(package.deployments) == 1
