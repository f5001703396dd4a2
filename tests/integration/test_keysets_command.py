"""``faas-packages keysets``: register, list and remove keysets from the command line, on both
stores; each keyset id and subscribe key registered once, even when registrations race."""

from __future__ import annotations

import random
from functools import partial
from typing import Any
from uuid import UUID

from commands.errors import KeysetInUseError, KeysetTakenError
from commands.group_commit import Committed
from commands.handlers.deployments import CreateDeployment, StartDeployment, StopDeployment
from commands.handlers.keysets import AddKeyset, RemoveKeyset
from commands.handlers.packages import CreatePackage
from service.bootstrap import Container
from tests.support.builders import unique_account, unique_name
from tests.support.commands import context, function_spec
from tests.support.concurrency import on_each, race
from tests.support.server import run_cli


def new_keyset() -> tuple[int, str]:
    keyset = random.randint(1, 2**62)
    return keyset, f"sub-c-{keyset:x}"


def add(store_url: str, account: int, keyset: int, subscribe_key: str) -> tuple[int, str]:
    done = run_cli(
        store_url,
        *("keysets", "add", "--account", str(account), "--keyset", str(keyset)),
        *("--subscribe-key", subscribe_key),
    )
    return done.returncode, done.stdout + done.stderr


def test_add_registers_a_keyset_that_list_shows_and_adding_it_again_changes_nothing(
    store_url: str, container: Container
) -> None:
    account, (keyset, subscribe_key) = unique_account(), new_keyset()

    assert add(store_url, account, keyset, subscribe_key) == (
        0,
        f"registered keyset {keyset} (account {account}, subscribe key {subscribe_key})\n",
    )
    head = container.projector.log.head()
    status, said = add(store_url, account, keyset, subscribe_key)

    assert status == 0
    assert "was registered already: nothing changed" in said
    assert container.projector.log.head() == head
    listed = run_cli(store_url, "keysets", "list", "--account", str(account)).stdout
    assert listed.splitlines()[1].split()[:3] == [str(keyset), str(account), subscribe_key]
    container.keysets.refresh()
    record = container.keysets.get(subscribe_key)
    assert record is not None
    assert (record.keyset_id, record.account_id) == (keyset, account)


def test_a_keyset_id_or_subscribe_key_that_is_taken_is_refused(store_url: str) -> None:
    account, (keyset, subscribe_key) = unique_account(), new_keyset()
    add(store_url, account, keyset, subscribe_key)

    other_account = add(store_url, unique_account(), keyset, "sub-c-other")
    other_keyset = add(store_url, account, keyset + 1, subscribe_key)

    assert other_account[0] == 1
    assert f"keyset {keyset} is registered already, for account {account}" in other_account[1]
    assert other_keyset[0] == 1
    assert f"subscribe key {subscribe_key} belongs to keyset {keyset}" in other_keyset[1]


def test_remove_is_refused_while_a_deployment_runs_on_the_keyset_then_frees_it(
    store_url: str, container: Container
) -> None:
    account, (keyset, subscribe_key) = unique_account(), new_keyset()
    add(store_url, account, keyset, subscribe_key)
    caller = context(account)
    package = container.commands.run(CreatePackage(unique_name(), (function_spec(),)), caller)
    (revision_id,) = package.value.revisions
    created = container.commands.run(CreateDeployment(UUID(revision_id), keyset), caller)
    deployment = UUID(created.value.deployment_ids[0])
    container.commands.run(StartDeployment(deployment), caller)

    refused = run_cli(store_url, "keysets", "remove", str(keyset))
    container.commands.run(StopDeployment(deployment), caller)
    removed = run_cli(store_url, "keysets", "remove", str(keyset))
    again = run_cli(store_url, "keysets", "remove", str(keyset))

    assert refused.returncode == 1
    assert f"keyset {keyset} has 1 running deployments: stop them first" in refused.stderr
    assert removed.returncode == 0, removed.stderr
    assert removed.stdout == f"removed keyset {keyset} (account {account})\n"
    assert again.returncode == 2
    assert f"no keyset {keyset} is registered" in again.stderr
    assert add(store_url, unique_account(), keyset, subscribe_key)[0] == 0


def test_racing_registrations_of_one_keyset_or_one_subscribe_key_register_one(
    instances: list[Container],
) -> None:
    keyset, subscribe_key = new_keyset()
    next_instance = on_each(instances)

    same_keyset, refused = race(
        6,
        lambda: next_instance().commands.run(
            AddKeyset(keyset, f"sub-c-{random.getrandbits(64):x}"), context(unique_account())
        ),
    )
    same_key, refused_too = race(
        6,
        lambda: next_instance().commands.run(
            AddKeyset(random.randint(1, 2**62), subscribe_key), context(unique_account())
        ),
    )

    assert (len(same_keyset), len(refused)) == (1, 5)
    assert (len(same_key), len(refused_too)) == (1, 5)
    assert all(isinstance(error, KeysetTakenError) for error in refused + refused_too)


def test_a_removal_racing_a_start_on_its_keyset_never_removes_it_from_under_the_start(
    instances: list[Container],
) -> None:
    """Either the start commits first and the removal is refused, or the removal commits
    first (a deployment may then run on a keyset no longer registered)."""
    for _ in range(6):
        outcomes, refused = race_start_and_removal(instances[0], instances[1])

        assert "start" in outcomes
        if "remove" in outcomes:
            assert outcomes["remove"].position < outcomes["start"].position
        else:
            assert [type(error) for error in refused] == [KeysetInUseError]


def race_start_and_removal(
    starting: Container, removing: Container
) -> tuple[dict[str, Committed[Any]], list[Exception]]:
    """A stopped deployment on a new keyset, then its start and the keyset's removal at once,
    from two instances; what each committed, and what was refused."""
    keyset, subscribe_key = new_keyset()
    caller = context(unique_account())
    starting.commands.run(AddKeyset(keyset, subscribe_key), caller)
    package = starting.commands.run(CreatePackage(unique_name(), (function_spec(),)), caller)
    (revision_id,) = package.value.revisions
    created = starting.commands.run(CreateDeployment(UUID(revision_id), keyset), caller)
    deployment = UUID(created.value.deployment_ids[0])
    attempts = iter(
        [
            ("start", partial(starting.commands.run, StartDeployment(deployment), caller)),
            ("remove", partial(removing.commands.run, RemoveKeyset(keyset), caller)),
        ]
    )

    def attempt() -> tuple[str, Committed[Any]]:
        name, run = next(attempts)
        return name, run()

    done, refused = race(2, attempt)
    return dict(done), refused  # type: ignore[arg-type]
