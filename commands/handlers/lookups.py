"""How handlers find what a command names: the account's package, revision, deployment or
scheduled event (another account's, deleted and unknown alike are not found, and another
account's is refused before its package is read), and the account's usage."""

from __future__ import annotations

from uuid import UUID

from commands.claims import DEPLOYMENT, REVISION, SCHEDULE, Locator
from commands.errors import (
    DeploymentNotFoundError,
    PackageNotFoundError,
    RevisionNotFoundError,
    ScheduleNotFoundError,
)
from commands.package import Package
from commands.package_state import Deployment, Revision, Schedule
from commands.unit_of_work import UnitOfWork
from commands.usage import AccountUsage


def owned_package(uow: UnitOfWork, package_id: UUID) -> Package:
    package = uow.get(Package, package_id, owner=uow.context.account_id)
    if package is None or package.deleted:
        raise PackageNotFoundError
    return package


def owned_revision(uow: UnitOfWork, revision_id: UUID) -> tuple[Package, Revision]:
    package = _holder(uow, revision_id, REVISION)
    revision = None if package is None else package.revisions.get(str(revision_id))
    if package is None or revision is None:
        raise RevisionNotFoundError
    return package, revision


def owned_deployment(uow: UnitOfWork, deployment_id: UUID) -> tuple[Package, Deployment]:
    package = _holder(uow, deployment_id, DEPLOYMENT)
    deployment = None if package is None else package.deployments.get(str(deployment_id))
    if package is None or deployment is None:
        raise DeploymentNotFoundError
    return package, deployment


def usage_of(uow: UnitOfWork) -> AccountUsage:
    account_id = uow.context.account_id
    return AccountUsage.open(uow.get(AccountUsage, AccountUsage.id_for(account_id)), uow.context)


def usage_id(account_id: int) -> UUID:
    return AccountUsage.id_for(account_id)


def _holder(uow: UnitOfWork, entity_id: UUID, kind: str) -> Package | None:
    """The account's live package that holds a revision or deployment, if any."""
    account_id = uow.context.account_id
    locator = uow.get(Locator, entity_id)
    if locator is None or not locator.locates(kind, account_id):
        return None
    package = uow.get(Package, UUID(locator.package_id), owner=account_id)
    return None if package is None or package.deleted else package


def owned_schedule(uow: UnitOfWork, schedule_id: UUID) -> tuple[Package, Deployment, Schedule]:
    """The account's scheduled event, with the deployment and package that hold it."""
    package = _holder(uow, schedule_id, SCHEDULE)
    if package is not None:
        for deployment in package.deployments.values():
            schedule = deployment.schedules.get(str(schedule_id))
            if schedule is not None:
                return package, deployment, schedule
    raise ScheduleNotFoundError
