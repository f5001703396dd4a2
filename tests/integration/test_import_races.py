"""Imports of one blueprint into one account at the same moment, on both stores and over
several service instances (as several processes would be): each takes a name of its own
(the blueprint's, then `` (2)``, `` (3)``, ...), never a conflict."""

from __future__ import annotations

from collections.abc import Iterator
from uuid import uuid4

import pytest

from commands.handlers.imports import ImportedPackage, ImportPackage
from service.bootstrap import Container, bootstrap
from service.settings import Settings
from tests.support.blueprints import publish, webhook
from tests.support.builders import unique_account, unique_name
from tests.support.commands import context
from tests.support.concurrency import on_each, race
from tests.support.kv import register_keyset

IMPORTS = 8


@pytest.fixture
def instances(settings: Settings) -> Iterator[list[Container]]:
    """Three instances on one store, each with the master key open, as ``serve`` opens it:
    an import stores the blueprint's vault parameters as secrets."""
    built = [bootstrap(settings, secrets=True) for _ in range(3)]
    yield built
    for instance in built:
        instance.close()


@pytest.mark.parametrize("spread", ["one instance", "three instances"])
def test_simultaneous_imports_of_one_blueprint_take_distinct_names(
    instances: list[Container], spread: str
) -> None:
    account, name = unique_account(), unique_name("Orders")
    blueprint = publish(instances[0], webhook(uuid4(), name=name))
    keyset = register_keyset(instances[0], account)
    instance = on_each(instances if spread == "three instances" else instances[:1])
    command = ImportPackage(blueprint, keyset.keyset_id, params={"WEBHOOK_URL": "u"})

    results, errors = race(
        IMPORTS, lambda: instance().commands.run(command, context(account)).value
    )

    assert errors == []
    names = sorted(result.package.name for result in results if isinstance(result, ImportedPackage))
    assert names == sorted([name, *(f"{name} ({n})" for n in range(2, IMPORTS + 1))])
