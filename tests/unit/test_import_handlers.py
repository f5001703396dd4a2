"""Importing a package from a catalog blueprint, decided in memory with no store: what one
command records, the names it takes, the secrets it stages, and what it refuses (a refused
import records nothing)."""

from __future__ import annotations

import dataclasses
from functools import partial
from typing import Any
from uuid import UUID, uuid4

import pytest

from commands.catalog import (
    CATALOG_ACCOUNT,
    BlueprintContent,
    BlueprintParam,
    BlueprintTestInput,
    FunctionBlueprint,
    function_blueprint_id_for,
    param_id_for,
)
from commands.context import CommandContext, Limits
from commands.errors import (
    BlueprintParamsError,
    DeploymentLimitReachedError,
    FunctionLimitExceededError,
    KeysetNotFoundError,
    PackageBlueprintNotFoundError,
    PackageIdTakenError,
    PackageLimitReachedError,
    PackageNameTakenError,
    SecretsUnavailableError,
    TestInputLimitReachedError,
)
from commands.events import PackageCreated, TestInputAdded
from commands.handlers import imports
from commands.handlers.catalog import PublishPackageBlueprint, RetirePackageBlueprint
from commands.handlers.imports import ImportPackage, candidate_name
from commands.handlers.keysets import AddKeyset
from commands.handlers.packages import CreatePackage, DeletePackage
from commands.memory import InMemoryUnitOfWork
from commands.package import FunctionSpec
from commands.persistence.secret_keys import DropDataKey, PutDataKey
from commands.secrets import Secret
from commands.vault import SecretPlace, open_value
from tests.support.handlers import REQUEST_TIME, TEST_VAULT, decide, memory, topics

ACCOUNT, KEYSET = 7, 42


def function(blueprint_id: UUID, name: str, sort_order: int, *params: BlueprintParam) -> Any:
    return FunctionBlueprint(
        function_blueprint_id_for(blueprint_id, name),
        name,
        "AFTER_PUBLISH",
        "JAVASCRIPT",
        f"export default (request) => request.ok({sort_order});",
        {"inputChannel": f"{name}.*"},
        sort_order,
        (BlueprintTestInput("a message", {"text": "hi"}), BlueprintTestInput("b", [1], "text/x")),
        params,
    )


def param(blueprint_id: UUID, source: str, **fields: Any) -> BlueprintParam:
    return BlueprintParam(param_id_for(blueprint_id, source), source.title(), source, **fields)


def content(blueprint_id: UUID, name: str = "Webhook") -> BlueprintContent:
    return BlueprintContent(
        name=name,
        version="1.2.0",
        description="forwards messages",
        tags=("integrations", "starter"),
        functions=(
            function(
                blueprint_id,
                "forward",
                0,
                param(blueprint_id, "URL", required=True),
                param(blueprint_id, "TOKEN", default_value="t0"),
            ),
            function(blueprint_id, "log", 1, param(blueprint_id, "LEVEL")),
        ),
    )


def catalog_with(*blueprints: tuple[UUID, BlueprintContent]) -> InMemoryUnitOfWork:
    """The account's unit of work, over a catalog holding ``blueprints`` and a keyset of the
    account's."""
    catalog = memory(CATALOG_ACCOUNT)
    for blueprint_id, published in blueprints:
        decide(catalog, PublishPackageBlueprint(blueprint_id, published))
    uow = InMemoryUnitOfWork(
        CommandContext(ACCOUNT, "key-1", "req-42", REQUEST_TIME), *catalog.aggregates.values()
    )
    decide(uow, AddKeyset(KEYSET, "sub-c-mine"))
    uow.events.clear()
    return uow


@pytest.fixture
def blueprint_id() -> UUID:
    return uuid4()


@pytest.fixture
def uow(blueprint_id: UUID) -> InMemoryUnitOfWork:
    return catalog_with((blueprint_id, content(blueprint_id)))


def importing(blueprint_id: UUID, **fields: Any) -> ImportPackage:
    return ImportPackage(blueprint_id, KEYSET, params=fields.pop("params", {"URL": "u"}), **fields)


def test_an_import_records_the_package_revision_test_inputs_and_stopped_deployment_at_once(
    uow: InMemoryUnitOfWork, blueprint_id: UUID
) -> None:
    imported = decide(uow, importing(blueprint_id))

    assert topics(uow.events) == [
        "PackageCreated",
        "RevisionAdded",
        "FunctionsRegistered",
        *["TestInputAdded"] * 4,
        "DeploymentCreated",
        "PackageNameClaimed",
        "AccountUsageCreated",
        "AccountUsageChanged",
        *["EntityLocated"] * 6,
        *["SecretCreated"] * 2,
    ]
    created = uow.events[0]
    assert isinstance(created, PackageCreated)
    assert (created.package_blueprint_id, created.package_blueprint_version) == (
        str(blueprint_id),
        "1.2.0",
    )
    package = imported.package
    assert (package.name, package.description, package.tags) == (
        "Webhook",
        "forwards messages",
        ["integrations", "starter"],
    )
    revision = package.revisions[imported.revision_id]
    assert (revision.name, [f.name for f in revision.functions]) == ("v1", ["forward", "log"])
    deployment = package.deployments[imported.deployment_id]
    assert (deployment.keyset_id, deployment.running) == (KEYSET, False)
    inputs = [e for e in uow.events if isinstance(e, TestInputAdded)]
    assert [(i.name, i.payload, i.mime_type) for i in inputs[:2]] == [
        ("a message", '{"text":"hi"}', "application/json"),
        ("b", "[1]", "text/x"),
    ]
    assert {i.function_revision_id for i in inputs} == {
        f.function_revision_id for f in revision.functions
    }


def test_chosen_fields_replace_the_blueprints(uow: InMemoryUnitOfWork, blueprint_id: UUID) -> None:
    chosen = uuid4()
    imported = decide(
        uow,
        importing(
            blueprint_id,
            name="mine",
            description="",
            tags=(),
            revision_name="first",
            package_id=chosen,
        ),
    )

    package = imported.package
    assert (package.id, package.name, package.description, package.tags) == (chosen, "mine", "", [])
    assert package.revisions[imported.revision_id].name == "first"


def test_the_blueprints_name_is_made_unique_case_insensitively_with_a_number(
    uow: InMemoryUnitOfWork, blueprint_id: UUID
) -> None:
    decide(uow, CreatePackage("WEBHOOK", (FunctionSpec("f", "ON_REQUEST", "x", 0, {"path": "p"}),)))

    names = [decide(uow, importing(blueprint_id)).package.name for _ in range(3)]

    assert names == ["Webhook (2)", "Webhook (3)", "Webhook (4)"]


def test_a_name_freed_by_a_deleted_package_is_taken_again(
    uow: InMemoryUnitOfWork, blueprint_id: UUID
) -> None:
    first = decide(uow, importing(blueprint_id)).package
    decide(uow, importing(blueprint_id))
    decide(uow, DeletePackage(first.id))

    assert decide(uow, importing(blueprint_id)).package.name == "Webhook"


def test_a_long_blueprint_name_is_shortened_to_fit_its_number() -> None:
    long = "x" * 99 + " y"

    assert candidate_name(long, 1) == "x" * 99
    assert candidate_name(long, 12) == "x" * 95 + " (12)"
    assert len(candidate_name(long, 12)) == 100


def test_a_chosen_name_that_is_taken_is_refused_as_a_create_is(
    uow: InMemoryUnitOfWork, blueprint_id: UUID
) -> None:
    decide(uow, importing(blueprint_id, name="mine"))
    count = len(uow.events)

    with pytest.raises(PackageNameTakenError):
        decide(uow, importing(blueprint_id, name="MINE"))
    assert len(uow.events) == count


def test_vault_parameters_are_staged_as_secrets_with_values_or_defaults(
    uow: InMemoryUnitOfWork, blueprint_id: UUID
) -> None:
    decide(uow, importing(blueprint_id, params={"URL": "https://x", "LEVEL": "debug"}))
    first = revealed(uow)
    decide(uow, importing(blueprint_id, params={"URL": "u", "TOKEN": "mine"}))

    assert first == {"URL": "https://x", "TOKEN": "t0", "LEVEL": "debug"}
    assert revealed(uow) == {"URL": "u", "TOKEN": "mine", "LEVEL": "debug"}


def test_without_a_master_key_an_import_with_secrets_records_nothing(
    uow: InMemoryUnitOfWork, blueprint_id: UUID
) -> None:
    handle = partial(imports.import_package, limits=Limits(), vault=None)

    with pytest.raises(SecretsUnavailableError):
        uow.run(handle, importing(blueprint_id))
    assert uow.events == []


def revealed(uow: InMemoryUnitOfWork) -> dict[str, str]:
    """Each secret's current value, opened with its data key as the side table holds it."""
    data_keys: dict[str, bytes] = {}
    for write in uow.side_writes:
        if isinstance(write, PutDataKey):
            data_keys[write.value_id] = write.wrapped
        elif isinstance(write, DropDataKey):
            data_keys.pop(write.value_id)
    values = {}
    for aggregate in uow.aggregates.values():
        if isinstance(aggregate, Secret) and not aggregate.deleted:
            data_key = TEST_VAULT.unwrap(aggregate.value_id, data_keys[aggregate.value_id])
            place = SecretPlace(ACCOUNT, KEYSET, aggregate.key)
            values[aggregate.key] = open_value(
                place, aggregate.value_id, aggregate.nonce, aggregate.ciphertext, data_key
            )
    return values


def test_a_secret_shared_by_two_functions_is_required_if_either_requires_it(
    blueprint_id: UUID,
) -> None:
    shared = content(blueprint_id)
    log = dataclasses.replace(shared.functions[1], params=(param(blueprint_id, "URL"),))
    uow = catalog_with(
        (blueprint_id, dataclasses.replace(shared, functions=(shared.functions[0], log)))
    )

    with pytest.raises(BlueprintParamsError) as refused:
        decide(uow, importing(blueprint_id, params={}))
    assert (refused.value.unknown, refused.value.missing) == ((), ("URL",))


def test_unknown_and_missing_parameters_are_named_and_nothing_is_recorded(
    uow: InMemoryUnitOfWork, blueprint_id: UUID
) -> None:
    with pytest.raises(BlueprintParamsError) as refused:
        decide(uow, importing(blueprint_id, params={"NOPE": "1", "TOKEN": "x", "ALSO": "2"}))

    assert (refused.value.unknown, refused.value.missing) == (("NOPE", "ALSO"), ("URL",))
    assert uow.events == []


def test_an_unknown_or_retired_blueprint_is_not_found(
    uow: InMemoryUnitOfWork, blueprint_id: UUID
) -> None:
    with pytest.raises(PackageBlueprintNotFoundError):
        decide(uow, importing(uuid4()))
    catalog = memory(CATALOG_ACCOUNT)
    catalog.aggregates.update(uow.aggregates)
    decide(catalog, RetirePackageBlueprint(blueprint_id))
    uow.aggregates.update(catalog.aggregates)
    uow.events.clear()

    with pytest.raises(PackageBlueprintNotFoundError):
        decide(uow, importing(blueprint_id))
    assert uow.events == []


def test_a_keyset_not_registered_to_the_account_is_refused(
    uow: InMemoryUnitOfWork, blueprint_id: UUID
) -> None:
    theirs = InMemoryUnitOfWork(
        CommandContext(ACCOUNT + 1, "key-2", "req-1", REQUEST_TIME), *uow.aggregates.values()
    )
    decide(theirs, AddKeyset(43, "sub-c-theirs"))
    uow.aggregates.update(theirs.aggregates)

    for keyset in (43, 44):
        with pytest.raises(KeysetNotFoundError):
            decide(uow, dataclasses.replace(importing(blueprint_id), keyset_id=keyset))
    assert uow.events == []


@pytest.mark.parametrize(
    ("limits", "error"),
    [
        (Limits(packages_per_account=1), PackageLimitReachedError),
        (Limits(functions_per_revision=1), FunctionLimitExceededError),
        (Limits(test_inputs_per_function_revision=1), TestInputLimitReachedError),
        (Limits(deployments_per_revision=0), DeploymentLimitReachedError),
    ],
)
def test_limits_refuse_an_import_as_they_refuse_a_create(
    uow: InMemoryUnitOfWork, blueprint_id: UUID, limits: Limits, error: type[Exception]
) -> None:
    decide(uow, CreatePackage("other", (FunctionSpec("f", "ON_REQUEST", "x", 0, {"path": "p"}),)))
    count = len(uow.events)

    with pytest.raises(error):
        decide(uow, importing(blueprint_id), limits)
    assert len(uow.events) == count


def test_a_chosen_id_that_exists_is_refused(uow: InMemoryUnitOfWork, blueprint_id: UUID) -> None:
    chosen = uuid4()
    decide(uow, importing(blueprint_id, package_id=chosen))

    with pytest.raises(PackageIdTakenError):
        decide(uow, importing(blueprint_id, package_id=chosen))
