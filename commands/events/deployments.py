"""Deployments of a package's revisions: made, started, stopped, deleted, and handed over
by a rolling update."""

from __future__ import annotations

from typing import TYPE_CHECKING

from commands.events.base import AuditedEvent, stable_topic
from commands.package_state import Deployment

if TYPE_CHECKING:
    from commands.package import Package


@stable_topic
class DeploymentCreated(AuditedEvent):
    """A revision placed on a keyset, stopped."""

    class_version = 1

    deployment_id: str
    revision_id: str
    keyset_id: int

    def apply(self, aggregate: Package) -> None:
        aggregate.deployments[self.deployment_id] = Deployment(
            self.deployment_id,
            self.revision_id,
            self.keyset_id,
            self.timestamp,
            self.timestamp,
            self.originator_version,
        )


@stable_topic
class DeploymentStarted(AuditedEvent):
    """Started (or, when already running, restarted)."""

    class_version = 1

    deployment_id: str

    def apply(self, aggregate: Package) -> None:
        _set_running(aggregate, self, running=True)


@stable_topic
class DeploymentStopped(AuditedEvent):
    class_version = 1

    deployment_id: str

    def apply(self, aggregate: Package) -> None:
        _set_running(aggregate, self, running=False)


def _set_running(
    aggregate: Package, event: DeploymentStarted | DeploymentStopped, *, running: bool
) -> None:
    deployment = aggregate.deployments[event.deployment_id]
    deployment.running = running
    deployment.updated_on = event.timestamp
    deployment.version = event.originator_version


@stable_topic
class DeploymentDeleted(AuditedEvent):
    """The deployment is gone, and its scheduled events with it."""

    class_version = 1

    deployment_id: str

    def apply(self, aggregate: Package) -> None:
        del aggregate.deployments[self.deployment_id]


@stable_topic
class DeploymentHandedOver(AuditedEvent):
    """A rolling update: ``deployment_id`` stopped and ``new_deployment_id`` started, in one
    event, so that no reader of the log or of the read model sees one without the other."""

    class_version = 1

    deployment_id: str
    new_deployment_id: str

    def apply(self, aggregate: Package) -> None:
        for deployment_id, running in (
            (self.deployment_id, False),
            (self.new_deployment_id, True),
        ):
            deployment = aggregate.deployments[deployment_id]
            deployment.running = running
            deployment.updated_on = self.timestamp
            deployment.version = self.originator_version
