"""A rolling update: a running deployment hands over to a stopped one of the same package on
the same keyset, in one event, so that no reader ever sees both running or neither. The
count of running deployments does not change: the account's limit is not consulted."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from commands.claims import DEPLOYMENT, Locator
from commands.command import Command
from commands.context import CommandContext
from commands.errors import DeploymentNotFoundError, HandoverRefusedError, KeysetNotPermittedError
from commands.handlers.deployments import DeploymentChange, Keysets
from commands.handlers.lookups import owned_deployment
from commands.keys import DEPLOYMENT_WRITE
from commands.package import Package
from commands.package_state import Deployment
from commands.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class HandOverDeployment(Command[DeploymentChange]):
    """Stop ``deployment_id`` and start ``new_deployment_id`` at the same log position."""

    deployment_id: UUID
    new_deployment_id: UUID
    keysets: Keysets = None


def hand_over_reads(command: HandOverDeployment, context: CommandContext) -> tuple[UUID, ...]:
    return (command.deployment_id, command.new_deployment_id)


def hand_over_deployment(command: HandOverDeployment, uow: UnitOfWork) -> DeploymentChange:
    package, old = owned_deployment(uow, command.deployment_id)
    if command.keysets is not None and old.keyset_id not in command.keysets:
        raise KeysetNotPermittedError(DEPLOYMENT_WRITE)
    new_id = str(command.new_deployment_id)
    failures = _failures(uow, package, old, command.new_deployment_id)
    if failures:
        raise HandoverRefusedError(failures)
    package.hand_over(old.deployment_id, new_id, uow.context)
    uow.stage(package)
    return DeploymentChange(package, [new_id])


def _failures(
    uow: UnitOfWork, package: Package, old: Deployment, new_deployment_id: UUID
) -> list[str]:
    """Each precondition of the handover that does not hold, in words (none: it may go)."""
    locator = uow.get(Locator, new_deployment_id)
    if locator is None or not locator.locates(DEPLOYMENT, uow.context.account_id):
        raise DeploymentNotFoundError
    failures = [] if old.running else [f"the deployment {old.deployment_id} is not RUNNING"]
    if locator.package_id != str(package.id):
        return [*failures, f"the new deployment {new_deployment_id} is of another package"]
    new = package.deployments.get(str(new_deployment_id))
    if new is None:
        raise DeploymentNotFoundError
    if new.running:
        failures.append(f"the new deployment {new_deployment_id} is not STOPPED")
    if new.keyset_id != old.keyset_id:
        failures.append(
            f"the new deployment is on keyset {new.keyset_id}, not on keyset {old.keyset_id}"
        )
    return failures
