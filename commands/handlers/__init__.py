"""Every command and its handler: ``handle(command, uow)`` decides it, and ``reads`` names the
streams it is sure to read, so that a batch reads those of all its commands in one query.

To add a command: a frozen dataclass subclassing ``Command[Result]`` and its handler in the
module of its feature, and one entry below.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic, TypeVar
from uuid import UUID

from commands.context import CommandContext, Limits
from commands.handlers import (
    catalog,
    deployments,
    imports,
    keys,
    keysets,
    kv,
    packages,
    revisions,
    rolling_update,
    schedules,
    secrets,
    test_inputs,
)
from commands.unit_of_work import UnitOfWork
from commands.vault import Vault

C = TypeVar("C")
R = TypeVar("R")


def reads_nothing(command: object, context: CommandContext) -> tuple[UUID, ...]:
    return ()


@dataclass(frozen=True, slots=True)
class Handling(Generic[C, R]):
    handle: Callable[[C, UnitOfWork], R]
    reads: Callable[[C, CommandContext], tuple[UUID, ...]] = reads_nothing


def handlers(limits: Limits, vault: Vault | None = None) -> Mapping[type[Any], Handling[Any, Any]]:
    """The handler of each command type, with the limits they decide within and the master
    key that wraps secrets' data keys (``None``: secrets are refused)."""
    return {
        packages.CreatePackage: Handling(
            partial(packages.create_package, limits=limits), packages.create_package_reads
        ),
        packages.UpdatePackage: Handling(packages.update_package),
        packages.DeletePackage: Handling(packages.delete_package, packages.delete_package_reads),
        revisions.AddRevision: Handling(
            partial(revisions.add_revision, limits=limits), revisions.add_revision_reads
        ),
        revisions.UpdateRevision: Handling(revisions.update_revision, revisions.locator_reads),
        revisions.DeleteRevision: Handling(revisions.delete_revision, revisions.locator_reads),
        deployments.CreateDeployment: Handling(
            partial(deployments.create_deployment, limits=limits),
            deployments.create_deployment_reads,
        ),
        deployments.StartDeployment: Handling(
            partial(deployments.start_deployment, limits=limits), deployments.deployment_reads
        ),
        deployments.StopDeployment: Handling(
            deployments.stop_deployment, deployments.deployment_reads
        ),
        deployments.StopDeployments: Handling(
            deployments.stop_deployments, deployments.stop_deployments_reads
        ),
        deployments.DeleteDeployment: Handling(
            deployments.delete_deployment, deployments.deployment_reads
        ),
        keys.IssueApiKey: Handling(keys.issue_api_key),
        keys.RevokeApiKey: Handling(keys.revoke_api_key, keys.key_reads),
        schedules.CreateSchedule: Handling(
            partial(schedules.create_schedule, limits=limits), schedules.create_schedule_reads
        ),
        schedules.UpdateSchedule: Handling(schedules.update_schedule, schedules.schedule_reads),
        schedules.DeleteSchedule: Handling(schedules.delete_schedule, schedules.schedule_reads),
        schedules.RunSchedule: Handling(
            partial(schedules.run_schedule, limits=limits), schedules.run_schedule_reads
        ),
        imports.ImportPackage: Handling(
            partial(imports.import_package, limits=limits, vault=vault),
            imports.import_package_reads,
        ),
        test_inputs.AddTestInput: Handling(
            partial(test_inputs.add_test_input, limits=limits), test_inputs.add_test_input_reads
        ),
        test_inputs.UpdateTestInput: Handling(
            test_inputs.update_test_input, test_inputs.input_locator_reads
        ),
        test_inputs.DeleteTestInput: Handling(
            test_inputs.delete_test_input, test_inputs.input_locator_reads
        ),
        rolling_update.HandOverDeployment: Handling(
            rolling_update.hand_over_deployment, rolling_update.hand_over_reads
        ),
        keysets.AddKeyset: Handling(keysets.add_keyset, keysets.add_keyset_reads),
        keysets.RemoveKeyset: Handling(keysets.remove_keyset, keysets.remove_keyset_reads),
        kv.WriteKvValue: Handling(kv.write_kv_value, kv.kv_reads),
        kv.DeleteKvValue: Handling(kv.delete_kv_value, kv.kv_reads),
        kv.SetCounter: Handling(kv.set_counter, kv.kv_reads),
        kv.ChangeCounter: Handling(kv.change_counter, kv.kv_reads),
        catalog.PublishPackageBlueprint: Handling(
            catalog.publish_package_blueprint, catalog.publish_reads
        ),
        catalog.PublishPackageBlueprints: Handling(
            catalog.publish_package_blueprints, catalog.publish_all_reads
        ),
        catalog.RetirePackageBlueprint: Handling(
            catalog.retire_package_blueprint, catalog.retire_reads
        ),
        secrets.SetSecret: Handling(partial(secrets.set_secret, vault=vault), secrets.secret_reads),
        secrets.DeleteSecret: Handling(secrets.delete_secret, secrets.secret_reads),
        secrets.RevealSecret: Handling(secrets.reveal_secret, secrets.secret_reads),
    }
