"""Every command's handler, decided in memory with no store: what it records, what it
refuses (and that a refused command records nothing)."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest

from commands.context import Limits
from commands.errors import (
    AlreadyDeployedError,
    ApiKeyNotFoundError,
    DeploymentLimitReachedError,
    DeploymentNotFoundError,
    DeploymentRunningError,
    FunctionLimitExceededError,
    KeysetNotPermittedError,
    PackageIdTakenError,
    PackageLimitReachedError,
    PackageNameTakenError,
    PackageNotFoundError,
    PackageRunningError,
    RevisionLimitReachedError,
    RevisionNotFoundError,
    RevisionRunningError,
    RunningLimitReachedError,
    VersionMismatchError,
)
from commands.events import PackageCreated
from commands.handlers.deployments import (
    CreateDeployment,
    DeleteDeployment,
    StartDeployment,
    StopDeployment,
    StopDeployments,
)
from commands.handlers.keys import IssueApiKey, RevokeApiKey
from commands.handlers.packages import CreatePackage, DeletePackage, UpdatePackage
from commands.handlers.revisions import AddRevision, DeleteRevision, UpdateRevision
from commands.keys import PACKAGE_READ, Grant
from commands.memory import InMemoryUnitOfWork
from commands.package import FunctionSpec, Package
from tests.support.handlers import REQUEST_TIME, decide, memory, topics


def spec(name: str = "fn", sort_order: int = 0, function_id: UUID | None = None) -> FunctionSpec:
    return FunctionSpec(
        name,
        "ON_REQUEST",
        "export default () => 1;",
        sort_order,
        {"path": "p"},
        function_id=function_id,
    )


def created(uow: InMemoryUnitOfWork, name: str = "orders", *functions: FunctionSpec) -> Package:
    return decide(uow, CreatePackage(name, functions or (spec(),)))


def deployed(uow: InMemoryUnitOfWork, keyset: int = 1) -> tuple[Package, UUID]:
    package = created(uow, f"p-{uuid4().hex[:6]}")
    (revision_id,) = package.revisions
    change = decide(uow, CreateDeployment(UUID(revision_id), keyset))
    return change.package, UUID(change.deployment_ids[0])


def test_a_create_records_the_package_its_revision_functions_claim_locator_and_usage() -> None:
    uow = memory()

    package = created(uow)

    assert topics(uow.events) == [
        "PackageCreated",
        "RevisionAdded",
        "FunctionsRegistered",
        "PackageNameClaimed",
        "EntityLocated",
        "AccountUsageCreated",
        "AccountUsageChanged",
    ]
    assert package.version == 3
    (revision,) = package.revisions.values()
    assert revision.name == "v1"
    assert package.created_on == REQUEST_TIME


def test_a_package_made_from_a_blueprint_records_the_blueprint_and_its_version() -> None:
    uow, blueprint = memory(), uuid4()

    custom = created(uow, "custom")
    made = decide(uow, CreatePackage("greeter", (spec(),), package_blueprint_id=blueprint,
                                     package_blueprint_version="1.2.0"))  # fmt: skip

    first = [event for event in uow.events if isinstance(event, PackageCreated)]
    assert [(e.package_blueprint_id, e.package_blueprint_version) for e in first] == [
        (None, None),
        (str(blueprint), "1.2.0"),
    ]
    assert (custom.package_blueprint_version, made.package_blueprint_version) == (None, "1.2.0")


def test_every_event_carries_account_actor_correlation_id_and_request_time() -> None:
    uow = memory(account_id=7)

    created(uow)

    for event in uow.events:
        assert (event.account_id, event.actor, event.correlation_id) == (7, "key-1", "req-42")
        assert event.timestamp == REQUEST_TIME


def test_functions_are_kept_in_sort_order_without_their_code() -> None:
    package = created(memory(), "x", spec("c", 2), spec("a", 0), spec("b", 1))

    (revision,) = package.revisions.values()
    assert [function.name for function in revision.functions] == ["a", "b", "c"]
    assert not hasattr(revision.functions[0], "code")


def test_a_given_function_id_is_kept_and_a_missing_one_is_made() -> None:
    kept = uuid4()

    package = created(memory(), "x", spec("a", 0, kept), spec("b", 1))

    (revision,) = package.revisions.values()
    assert revision.functions[0].function_id == str(kept)
    assert UUID(revision.functions[1].function_id) != kept


def test_more_functions_than_the_limit_is_refused_and_records_nothing() -> None:
    uow = memory()

    with pytest.raises(FunctionLimitExceededError) as refused:
        decide(
            uow,
            CreatePackage("x", (spec("a"), spec("b", 1), spec("c", 2))),
            Limits(functions_per_revision=2),
        )

    assert (refused.value.limit, refused.value.requested) == (2, 3)
    assert uow.events == []


def test_a_name_is_taken_once_per_account_ignoring_case_and_spaces() -> None:
    uow = memory()
    created(uow, "Orders")

    with pytest.raises(PackageNameTakenError):
        created(uow, "  oRDERS ")


def test_the_package_limit_holds() -> None:
    uow = memory()
    decide(uow, CreatePackage("one", (spec(),)), Limits(packages_per_account=1))

    with pytest.raises(PackageLimitReachedError):
        decide(uow, CreatePackage("two", (spec(),)), Limits(packages_per_account=1))


def test_a_chosen_package_id_is_taken_unless_it_is_the_same_create_again() -> None:
    uow = memory()
    chosen = uuid4()
    command = CreatePackage("x", (spec(),), package_id=chosen)
    first = decide(uow, command)

    again = decide(uow, command)

    assert again.id == first.id == chosen
    assert topics(uow.events).count("PackageCreated") == 1
    with pytest.raises(PackageIdTakenError):
        decide(uow, CreatePackage("y", (spec(),), package_id=chosen))


def test_an_update_replaces_the_fields_sent_and_moves_the_name_claim() -> None:
    uow = memory()
    package = created(uow, "old")

    updated = decide(uow, UpdatePackage(package.id, name="new", tags=("t",)))

    assert (updated.name, updated.tags, updated.description) == ("new", ["t"], "")
    assert topics(uow.events)[-3:] == [
        "PackageUpdated",
        "PackageNameClaimed",
        "PackageNameReleased",
    ]
    created(uow, "old")  # free again


def test_an_update_at_another_version_is_refused() -> None:
    uow = memory()
    package = created(uow)

    with pytest.raises(VersionMismatchError):
        decide(uow, UpdatePackage(package.id, name="n", expected_version=package.version + 1))


def test_another_accounts_package_is_not_found() -> None:
    uow = memory(account_id=1)
    package = created(uow)
    other = InMemoryUnitOfWork(memory(account_id=2).context, *uow.aggregates.values())

    with pytest.raises(PackageNotFoundError):
        decide(other, UpdatePackage(package.id, name="mine"))


def test_a_delete_frees_the_name_and_counts_one_package_less() -> None:
    uow = memory()
    package = created(uow, "gone")

    decide(uow, DeletePackage(package.id))

    assert topics(uow.events)[-3:] == [
        "PackageDeleted",
        "PackageNameReleased",
        "AccountUsageChanged",
    ]
    created(uow, "gone")
    with pytest.raises(PackageNotFoundError):
        decide(uow, DeletePackage(package.id))


def test_a_package_with_a_running_deployment_is_not_deleted() -> None:
    uow = memory()
    package, deployment = deployed(uow)
    decide(uow, StartDeployment(deployment))

    with pytest.raises(PackageRunningError):
        decide(uow, DeletePackage(package.id))


def test_a_new_revision_is_named_after_every_revision_the_package_ever_had() -> None:
    uow = memory()
    package = created(uow)
    second = decide(uow, AddRevision(package.id, (spec(),)))
    decide(uow, DeleteRevision(UUID(second.revision_id)))

    third = decide(uow, AddRevision(package.id, (spec(),)))

    assert third.package.revisions[third.revision_id].name == "v3"
    assert third.functions is not None
    assert third.functions[0]["code"] == spec().code


def test_a_package_holds_at_most_its_revision_limit() -> None:
    uow = memory()
    package = created(uow)
    limits = Limits(revisions_per_package=2)
    decide(uow, AddRevision(package.id, (spec(),)), limits)

    with pytest.raises(RevisionLimitReachedError):
        decide(uow, AddRevision(package.id, (spec(),)), limits)


def test_a_revision_is_renamed_and_an_unknown_one_is_not_found() -> None:
    uow = memory()
    package = created(uow)
    (revision_id,) = package.revisions

    change = decide(uow, UpdateRevision(UUID(revision_id), name="renamed"))

    assert change.package.revisions[revision_id].name == "renamed"
    with pytest.raises(RevisionNotFoundError):
        decide(uow, UpdateRevision(uuid4(), name="x"))


def test_a_revision_with_a_running_deployment_is_not_deleted() -> None:
    uow = memory()
    package, deployment = deployed(uow)
    decide(uow, StartDeployment(deployment))
    (revision_id,) = package.revisions

    with pytest.raises(RevisionRunningError):
        decide(uow, DeleteRevision(UUID(revision_id)))


def test_a_revision_is_deployed_once_per_keyset_up_to_its_limit() -> None:
    uow = memory()
    package = created(uow)
    revision = UUID(next(iter(package.revisions)))
    limits = Limits(deployments_per_revision=2)
    decide(uow, CreateDeployment(revision, 1), limits)

    with pytest.raises(AlreadyDeployedError):
        decide(uow, CreateDeployment(revision, 1), limits)
    decide(uow, CreateDeployment(revision, 2), limits)
    with pytest.raises(DeploymentLimitReachedError):
        decide(uow, CreateDeployment(revision, 3), limits)


def test_starts_count_against_the_running_limit_and_a_restart_does_not() -> None:
    uow = memory()
    limits = Limits(running_deployments_per_account=1)
    _, first = deployed(uow)
    _, second = deployed(uow)
    decide(uow, StartDeployment(first), limits)

    decide(uow, StartDeployment(first), limits)  # a restart
    with pytest.raises(RunningLimitReachedError):
        decide(uow, StartDeployment(second), limits)
    decide(uow, StopDeployment(first))
    decide(uow, StartDeployment(second), limits)


def test_a_deployment_on_a_keyset_the_caller_may_not_change_is_refused() -> None:
    uow = memory()
    _, deployment = deployed(uow, keyset=5)

    with pytest.raises(KeysetNotPermittedError):
        decide(uow, StartDeployment(deployment, keysets=frozenset({4})))
    decide(uow, StartDeployment(deployment, keysets=frozenset({5})))


def test_stopping_a_stopped_deployment_records_nothing() -> None:
    uow = memory()
    _, deployment = deployed(uow)
    before = len(uow.events)

    change = decide(uow, StopDeployment(deployment))

    assert change.deployment_ids == [str(deployment)]
    assert len(uow.events) == before


def test_a_bulk_stop_stops_every_running_deployment_of_the_package() -> None:
    uow = memory()
    package, first = deployed(uow)
    revision = UUID(next(iter(package.revisions)))
    second = UUID(decide(uow, CreateDeployment(revision, 2)).deployment_ids[0])
    for deployment in (first, second):
        decide(uow, StartDeployment(deployment))

    change = decide(uow, StopDeployments(package_id=package.id))

    assert sorted(change.deployment_ids) == sorted([str(first), str(second)])
    assert change.package.running_deployments() == []


def test_a_running_deployment_is_not_deleted_and_a_stopped_one_is() -> None:
    uow = memory()
    _, deployment = deployed(uow)
    decide(uow, StartDeployment(deployment))

    with pytest.raises(DeploymentRunningError):
        decide(uow, DeleteDeployment(deployment))
    decide(uow, StopDeployment(deployment))
    decide(uow, DeleteDeployment(deployment))
    with pytest.raises(DeploymentNotFoundError):
        decide(uow, StartDeployment(deployment))


def test_a_key_is_issued_with_its_grants_and_revoked_once() -> None:
    uow = memory()
    issued = decide(uow, IssueApiKey("k", (Grant(PACKAGE_READ),)))

    first = decide(uow, RevokeApiKey(issued.key.id))
    again = decide(uow, RevokeApiKey(issued.key.id))

    assert issued.plain.startswith("faaspk_")
    assert (first.already_revoked, again.already_revoked) == (False, True)
    assert topics(uow.events) == ["ApiKeyIssued", "ApiKeyRevoked"]
    with pytest.raises(ApiKeyNotFoundError):
        decide(uow, RevokeApiKey(uuid4()))


def test_event_topics_are_stable_names_independent_of_modules() -> None:
    assert PackageCreated.TOPIC == "faas.PackageCreated"  # type: ignore[attr-defined]
