"""Deployments: put a revision on a keyset, start, stop (one, or all of a package or
revision) and delete one. Starting counts against the account's running limit."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from commands.claims import DEPLOYMENT, Locator
from commands.command import Command
from commands.context import CommandContext, Limits
from commands.errors import (
    DeploymentIdTakenError,
    KeysetNotPermittedError,
    RunningLimitReachedError,
)
from commands.handlers.lookups import (
    owned_deployment,
    owned_package,
    owned_revision,
    usage_id,
    usage_of,
)
from commands.ids import new_id
from commands.keys import DEPLOYMENT_WRITE
from commands.package import Package, check_version
from commands.package_state import Deployment
from commands.unit_of_work import UnitOfWork

# The keysets a caller may change deployments on; ``None``: every keyset of its account.
Keysets = frozenset[int] | None


@dataclass(frozen=True, slots=True)
class DeploymentChange:
    """Deployments as a command left them: one, or those a bulk stop stopped."""

    package: Package
    deployment_ids: list[str]


@dataclass(frozen=True, slots=True)
class CreateDeployment(Command[DeploymentChange]):
    """Put a revision on a keyset, stopped (the caller's grant on the keyset is checked
    before: the keyset is in the request)."""

    revision_id: UUID
    keyset_id: int
    deployment_id: UUID | None = None


def create_deployment_reads(command: CreateDeployment, context: CommandContext) -> tuple[UUID, ...]:
    chosen = () if command.deployment_id is None else (command.deployment_id,)
    return (command.revision_id, *chosen)


def create_deployment(
    command: CreateDeployment, uow: UnitOfWork, limits: Limits
) -> DeploymentChange:
    deployment_id = command.deployment_id or new_id()
    if command.deployment_id is not None and uow.exists(deployment_id):
        raise DeploymentIdTakenError(deployment_id)
    package, revision = owned_revision(uow, command.revision_id)
    package.deploy(deployment_id, revision.revision_id, command.keyset_id, limits, uow.context)
    locator = Locator.locate(deployment_id, DEPLOYMENT, package.id, uow.context)
    uow.stage(package, locator)
    return DeploymentChange(package, [str(deployment_id)])


@dataclass(frozen=True, slots=True)
class StartDeployment(Command[DeploymentChange]):
    """Start a deployment (restart it if running), within the account's running limit."""

    deployment_id: UUID
    keysets: Keysets = None


def start_deployment(command: StartDeployment, uow: UnitOfWork, limits: Limits) -> DeploymentChange:
    package, deployment = _writable(uow, command.deployment_id, command.keysets)
    usage = None
    if not deployment.running:
        usage = usage_of(uow)
        if usage.running >= limits.running_deployments_per_account:
            raise RunningLimitReachedError(limits.running_deployments_per_account)
        usage.change(uow.context, started=[deployment.keyset_id])
    package.start(deployment.deployment_id, uow.context)
    uow.stage(package, usage)
    return DeploymentChange(package, [deployment.deployment_id])


@dataclass(frozen=True, slots=True)
class StopDeployment(Command[DeploymentChange]):
    """Stop a deployment; stopping a stopped one changes nothing."""

    deployment_id: UUID
    keysets: Keysets = None


def stop_deployment(command: StopDeployment, uow: UnitOfWork) -> DeploymentChange:
    package, deployment = _writable(uow, command.deployment_id, command.keysets)
    return _stop(uow, package, [deployment.deployment_id])


@dataclass(frozen=True, slots=True)
class StopDeployments(Command[DeploymentChange]):
    """Stop every running deployment of a package, or of one revision (one of the two)."""

    package_id: UUID | None = None
    revision_id: UUID | None = None


def stop_deployments(command: StopDeployments, uow: UnitOfWork) -> DeploymentChange:
    if command.revision_id is not None:
        package, revision = owned_revision(uow, command.revision_id)
        running = package.running_deployments(revision.revision_id)
    else:
        assert command.package_id is not None
        package = owned_package(uow, command.package_id)
        running = package.running_deployments()
    return _stop(uow, package, [deployment.deployment_id for deployment in running])


@dataclass(frozen=True, slots=True)
class DeleteDeployment(Command[None]):
    deployment_id: UUID
    keysets: Keysets = None
    expected_version: int | None = None


def delete_deployment(command: DeleteDeployment, uow: UnitOfWork) -> None:
    package, deployment = _writable(uow, command.deployment_id, command.keysets)
    check_version(command.expected_version, deployment.version)
    package.remove_deployment(deployment.deployment_id, uow.context)
    uow.stage(package)


def deployment_reads(
    command: StartDeployment | StopDeployment | DeleteDeployment, context: CommandContext
) -> tuple[UUID, ...]:
    return (command.deployment_id, usage_id(context.account_id))


def stop_deployments_reads(command: StopDeployments, context: CommandContext) -> tuple[UUID, ...]:
    located = () if command.revision_id is None else (command.revision_id,)
    return (*located, usage_id(context.account_id))


def _writable(uow: UnitOfWork, deployment_id: UUID, keysets: Keysets) -> tuple[Package, Deployment]:
    """The account's deployment, on a keyset the caller may change (else 'not permitted')."""
    package, deployment = owned_deployment(uow, deployment_id)
    if keysets is not None and deployment.keyset_id not in keysets:
        raise KeysetNotPermittedError(DEPLOYMENT_WRITE)
    return package, deployment


def _stop(uow: UnitOfWork, package: Package, deployment_ids: list[str]) -> DeploymentChange:
    stopped = [d for d in deployment_ids if package.stop(d, uow.context)]
    if not stopped:
        return DeploymentChange(package, deployment_ids)
    usage = usage_of(uow)
    keysets = [package.deployments[deployment_id].keyset_id for deployment_id in stopped]
    usage.change(uow.context, stopped=keysets)
    uow.stage(package, usage)
    return DeploymentChange(package, stopped)
