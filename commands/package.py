"""The ``Package`` aggregate: a package with its revisions and deployments, in one stream, so
that the store guards their rules together. Its state holds what decisions need (ids,
names, states, counts), never the functions' code: that stays in the events and the read
model, so a command on a package with much code reads little."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import BaseAggregate

from commands.context import CommandContext, Limits, event_metadata
from commands.errors import (
    AlreadyDeployedError,
    DeploymentLimitReachedError,
    DeploymentRunningError,
    FunctionLimitExceededError,
    PackageRunningError,
    RevisionLimitReachedError,
    RevisionRunningError,
    VersionMismatchError,
)
from commands.events import (
    DeploymentCreated,
    DeploymentDeleted,
    DeploymentHandedOver,
    DeploymentStarted,
    DeploymentStopped,
    FunctionsRegistered,
    PackageCreated,
    PackageDeleted,
    PackageUpdated,
    RevisionAdded,
    RevisionDeleted,
    RevisionUpdated,
    stable_topic,
)
from commands.ids import new_id_text
from commands.package_state import Deployment, Revision


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    """One function of a new revision, already validated for shape."""

    name: str
    type: str
    code: str
    sort_order: int
    config: dict[str, Any]
    language: str = "JAVASCRIPT"
    function_id: UUID | None = None


def check_version(expected: int | None, actual: int) -> None:
    """The caller's expected version must be the current one (when it named one)."""
    if expected is not None and expected != actual:
        raise VersionMismatchError(expected, actual)


def check_function_limit(functions: tuple[FunctionSpec, ...], limit: int) -> None:
    if len(functions) > limit:
        raise FunctionLimitExceededError(limit, len(functions))


@stable_topic
class Package(BaseAggregate[UUID]):
    """A package and its revisions and deployments.

    Its snapshots store this state: version 2 added ``package_blueprint_version``."""

    class_version = 4

    account_id: int
    name: str
    description: str
    tags: list[str]
    api_managed: bool
    package_blueprint_id: str | None
    package_blueprint_version: str | None
    revisions: dict[str, Revision]
    deployments: dict[str, Deployment]
    # Revisions ever added, deleted ones included: the default name of the next is v<n+1>.
    revisions_added: int
    deleted: bool
    # Test inputs' events leave the package itself as it was: its version and time as the
    # last other event left them, while the stream's latest events are test inputs'.
    inputs_version: int
    unchanged_version: int
    unchanged_on: datetime | None

    def __init__(self) -> None:
        """State is set by ``PackageCreated.apply``."""

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """A snapshot taken before version 2: its package was made from no blueprint
        version (as ``PackageCreated.upcast_v1_v2`` reads its first event)."""
        state["package_blueprint_version"] = None

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        """A snapshot taken before version 3 holds no scheduled events: its deployments are
        read with none (the ``schedules`` their transcoding leaves empty when absent)."""

    @staticmethod
    def upcast_v3_v4(state: dict[str, Any]) -> None:
        """A snapshot taken before version 4 holds no test inputs: its revisions are read
        with none (their transcoding leaves them empty when absent), and the package's own
        version and time are its stream's, as for a stream with no test input's event."""
        state.setdefault("inputs_version", 0)
        state.setdefault("unchanged_version", 0)
        state.setdefault("unchanged_on", None)

    @property
    def package_version(self) -> int:
        """The version readers see (the ``ETag``): of the last event that changed the
        package, its revisions or its deployments; a test input's event does not."""
        return self.unchanged_version if self.inputs_version == self.version else self.version

    @property
    def package_updated_on(self) -> datetime:
        """When the package, its revisions or its deployments last changed."""
        if self.inputs_version == self.version and self.unchanged_on is not None:
            return self.unchanged_on
        return self.modified_on

    @classmethod
    def create(
        cls,
        package_id: UUID,
        name: str,
        description: str,
        tags: tuple[str, ...],
        api_managed: bool,
        package_blueprint_id: UUID | None,
        context: CommandContext,
        package_blueprint_version: str | None = None,
    ) -> Package:
        """Record ``PackageCreated`` (its first revision is added next, in the same command)."""
        return cls._create(
            PackageCreated,
            id=package_id,
            name=name,
            description=description,
            tags=list(tags),
            api_managed=api_managed,
            package_blueprint_id=None
            if package_blueprint_id is None
            else str(package_blueprint_id),
            package_blueprint_version=package_blueprint_version,
            **event_metadata(context),
        )

    def running_deployments(self, revision_id: str | None = None) -> list[Deployment]:
        return [
            deployment
            for deployment in self.deployments.values()
            if deployment.running and (revision_id is None or deployment.revision_id == revision_id)
        ]

    def running_revisions(self) -> set[str]:
        return {deployment.revision_id for deployment in self.running_deployments()}

    def next_revision_name(self) -> str:
        return f"v{self.revisions_added + 1}"

    def add_revision(
        self,
        revision_id: UUID,
        name: str,
        description: str,
        functions: tuple[FunctionSpec, ...],
        limits: Limits,
        context: CommandContext,
    ) -> list[dict[str, Any]]:
        """Record a new revision and its functions; returns the functions as recorded."""
        check_function_limit(functions, limits.functions_per_revision)
        if len(self.revisions) >= limits.revisions_per_package:
            raise RevisionLimitReachedError(limits.revisions_per_package)
        metadata = event_metadata(context)
        self.trigger_event(
            RevisionAdded,
            revision_id=str(revision_id),
            name=name,
            description=description,
            **metadata,
        )
        recorded = [_function_payload(spec) for spec in functions]
        self.trigger_event(
            FunctionsRegistered, revision_id=str(revision_id), functions=recorded, **metadata
        )
        return recorded

    def update(
        self,
        name: str | None,
        description: str | None,
        tags: tuple[str, ...] | None,
        context: CommandContext,
    ) -> None:
        """Replace the fields sent; the others keep their values."""
        self.trigger_event(
            PackageUpdated,
            name=self.name if name is None else name,
            description=self.description if description is None else description,
            tags=self.tags if tags is None else list(tags),
            **event_metadata(context),
        )

    def delete(self, context: CommandContext) -> None:
        if self.running_deployments():
            raise PackageRunningError
        self.trigger_event(PackageDeleted, **event_metadata(context))

    def update_revision(
        self, revision_id: str, name: str | None, description: str | None, context: CommandContext
    ) -> None:
        revision = self.revisions[revision_id]
        self.trigger_event(
            RevisionUpdated,
            revision_id=revision_id,
            name=revision.name if name is None else name,
            description=revision.description if description is None else description,
            **event_metadata(context),
        )

    def delete_revision(self, revision_id: str, context: CommandContext) -> None:
        if self.running_deployments(revision_id):
            raise RevisionRunningError
        self.trigger_event(RevisionDeleted, revision_id=revision_id, **event_metadata(context))

    def deploy(
        self,
        deployment_id: UUID,
        revision_id: str,
        keyset_id: int,
        limits: Limits,
        context: CommandContext,
    ) -> None:
        """Put a revision on a keyset, stopped: once per keyset, up to the revision's limit."""
        of_revision = [d for d in self.deployments.values() if d.revision_id == revision_id]
        if any(d.keyset_id == keyset_id for d in of_revision):
            raise AlreadyDeployedError
        if len(of_revision) >= limits.deployments_per_revision:
            raise DeploymentLimitReachedError(limits.deployments_per_revision)
        self.trigger_event(
            DeploymentCreated,
            deployment_id=str(deployment_id),
            revision_id=revision_id,
            keyset_id=keyset_id,
            **event_metadata(context),
        )

    def start(self, deployment_id: str, context: CommandContext) -> None:
        """Start a deployment (restart it, when it runs)."""
        self.trigger_event(
            DeploymentStarted, deployment_id=deployment_id, **event_metadata(context)
        )

    def stop(self, deployment_id: str, context: CommandContext) -> bool:
        """Stop a running deployment; ``False`` (and no event) if it was stopped."""
        if not self.deployments[deployment_id].running:
            return False
        self.trigger_event(
            DeploymentStopped, deployment_id=deployment_id, **event_metadata(context)
        )
        return True

    def hand_over(
        self, deployment_id: str, new_deployment_id: str, context: CommandContext
    ) -> None:
        """Stop one deployment and start another in one event (a rolling update, whose
        preconditions its handler has checked)."""
        self.trigger_event(
            DeploymentHandedOver,
            deployment_id=deployment_id,
            new_deployment_id=new_deployment_id,
            **event_metadata(context),
        )

    def remove_deployment(self, deployment_id: str, context: CommandContext) -> None:
        if self.deployments[deployment_id].running:
            raise DeploymentRunningError
        self.trigger_event(
            DeploymentDeleted, deployment_id=deployment_id, **event_metadata(context)
        )


def _function_payload(spec: FunctionSpec) -> dict[str, Any]:
    return {
        "function_id": new_id_text() if spec.function_id is None else str(spec.function_id),
        "function_revision_id": new_id_text(),
        "name": spec.name,
        "type": spec.type,
        "language": spec.language,
        "sort_order": spec.sort_order,
        "code": spec.code,
        "config": dict(spec.config),
    }
