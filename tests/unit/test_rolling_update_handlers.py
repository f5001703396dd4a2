"""The rolling update's handler, decided in memory with no store: one event, the usage left
alone, every failed precondition named, and what is refused records nothing."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest

from commands.errors import DeploymentNotFoundError, HandoverRefusedError, KeysetNotPermittedError
from commands.handlers.deployments import CreateDeployment, StartDeployment
from commands.handlers.packages import CreatePackage
from commands.handlers.revisions import AddRevision
from commands.handlers.rolling_update import HandOverDeployment
from commands.memory import InMemoryUnitOfWork
from commands.package import FunctionSpec
from tests.support.handlers import decide, memory, topics


def spec(name: str = "fn") -> FunctionSpec:
    return FunctionSpec(name, "ON_REQUEST", "export default () => 1;", 0, {"path": "p"})


def on_keyset(uow: InMemoryUnitOfWork, keysets: tuple[int, int] = (1, 1)) -> tuple[UUID, UUID]:
    """Two revisions of a package deployed on ``keysets``, the first running."""
    package = decide(uow, CreatePackage(f"p-{uuid4().hex[:6]}", (spec(),)))
    (revision_id,) = package.revisions
    added = decide(uow, AddRevision(package.id, (spec(),)))
    old, new = (
        UUID(decide(uow, CreateDeployment(UUID(r), k)).deployment_ids[0])
        for r, k in zip((revision_id, added.revision_id), keysets, strict=True)
    )
    decide(uow, StartDeployment(old))
    return old, new


def test_a_handover_is_one_event_and_leaves_the_usage_alone() -> None:
    uow = memory()
    old, new = on_keyset(uow)
    uow.events.clear()

    change = decide(uow, HandOverDeployment(old, new))

    assert topics(uow.events) == ["DeploymentHandedOver"]
    deployments = change.package.deployments
    assert (deployments[str(old)].running, deployments[str(new)].running) == (False, True)
    assert deployments[str(old)].version == deployments[str(new)].version
    assert change.deployment_ids == [str(new)]


def test_a_handover_names_every_precondition_that_fails() -> None:
    uow = memory()
    old, new = on_keyset(uow, (1, 2))

    with pytest.raises(HandoverRefusedError) as refused:
        decide(uow, HandOverDeployment(new, old))

    assert refused.value.failures == [
        f"the deployment {new} is not RUNNING",
        f"the new deployment {old} is not STOPPED",
        "the new deployment is on keyset 1, not on keyset 2",
    ]


def test_a_handover_is_refused_across_packages_and_for_unknown_or_forbidden_ones() -> None:
    uow = memory()
    old, _ = on_keyset(uow)
    elsewhere, _ = on_keyset(uow)
    count = len(uow.events)

    with pytest.raises(HandoverRefusedError, match="of another package"):
        decide(uow, HandOverDeployment(old, elsewhere))
    with pytest.raises(DeploymentNotFoundError):
        decide(uow, HandOverDeployment(old, uuid4()))
    with pytest.raises(KeysetNotPermittedError):
        decide(uow, HandOverDeployment(old, elsewhere, frozenset({2})))
    assert len(uow.events) == count
