"""The audit trail from the log: metadata on every event, filters, follow, time travel."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from uuid import UUID

from commands.handlers.keys import RevokeApiKey
from projections.audit import AuditFilter, AuditRecord, package_as_of, records
from projections.rows import iso_millis
from service.bootstrap import Container
from service.responses import package as package_response
from service.wire.common import now_to_the_millisecond
from tests.support.commands import context, create_package
from tests.support.keys import issue_key

ALL_TYPES = {
    "PackageCreated",
    "RevisionAdded",
    "FunctionsRegistered",
    "PackageNameClaimed",
    "ApiKeyIssued",
    "ApiKeyRevoked",
    "EntityLocated",
    "AccountUsageCreated",
    "AccountUsageChanged",
}


def trail(container: Container, **selection: object) -> list[AuditRecord]:
    return list(records(container.projector.log, AuditFilter(**selection)))  # type: ignore[arg-type]


def test_every_event_type_tells_who_when_how_and_what(container: Container) -> None:
    start = container.projector.log.head()
    key = issue_key(container)
    caller = context(key.account_id, correlation_id="req-audit-1")
    saved = container.commands.run(create_package(), caller)
    container.commands.run(RevokeApiKey(UUID(key.key_id)), context(key.account_id))

    found = trail(container, after=start)

    assert {record.type for record in found} == ALL_TYPES
    positions = [record.position for record in found]
    assert positions == sorted(positions)
    for record in found:
        assert record.account_id == key.account_id
        assert record.actor
        assert record.correlation_id
        assert len(record.time) == 24
        assert record.time.endswith("Z")
        assert record.aggregate_version >= 1
        assert "secret_sha256" not in record.payload
    package_events = [r for r in found if r.aggregate_id == str(saved.value.id)]
    assert [r.aggregate_version for r in package_events] == [1, 2, 3]
    assert {r.correlation_id for r in package_events} == {"req-audit-1"}


def test_filters_narrow_the_trail(container: Container) -> None:
    start = container.projector.log.head()
    first = container.commands.run(create_package(), context(correlation_id="one"))
    time.sleep(0.005)  # times are to the millisecond: keep the three apart
    middle = iso_millis(now_to_the_millisecond())
    time.sleep(0.005)
    second = container.commands.run(create_package(), context(correlation_id="two"))
    account = second.value.account_id

    assert {r.correlation_id for r in trail(container, after=start)} == {"one", "two"}
    assert {r.account_id for r in trail(container, after=start, accounts=frozenset({account}))} == {
        account
    }
    by_package = trail(container, after=start, package_id=first.value.id)
    assert [r.type for r in by_package] == [
        "PackageCreated",
        "RevisionAdded",
        "FunctionsRegistered",
    ]
    typed = trail(container, after=start, types=frozenset({"PackageCreated", "RevisionAdded"}))
    assert [r.type for r in typed] == ["PackageCreated", "RevisionAdded"] * 2
    since = trail(container, after=start, since=middle)
    assert {r.correlation_id for r in since} == {"two"}
    until = trail(container, after=start, until=middle)
    assert {r.correlation_id for r in until} == {"one"}
    assert {r.correlation_id for r in trail(container, after=start, correlation_id="two")} == {
        "two"
    }
    after = trail(container, after=second.position - 1)
    assert [r.position for r in after] == [second.position]


def test_follow_prints_new_events_as_they_land(container: Container) -> None:
    seen: list[AuditRecord] = []
    start = container.projector.log.head()

    def follow() -> None:
        for record in records(
            container.projector.log, AuditFilter(after=start), follow=True, idle_seconds=0.02
        ):
            seen.append(record)
            if record.correlation_id == "late":
                return

    follower = threading.Thread(target=follow)
    follower.start()
    time.sleep(0.2)
    container.commands.run(create_package(), context(correlation_id="late"))
    follower.join(timeout=10)

    assert not follower.is_alive()
    assert seen[-1].correlation_id == "late"


def test_a_package_as_of_a_time_is_what_get_answered_then(container: Container) -> None:
    caller = context()
    before = now_to_the_millisecond() - timedelta(milliseconds=5)
    saved = container.commands.run(create_package(), caller)
    container.projector.catch_up()
    answered, _ = container.read_model.package_at_point(caller.account_id, saved.value.id)
    assert answered is not None

    then = package_as_of(container.projector.log, saved.value.id, now_to_the_millisecond())
    earlier = package_as_of(container.projector.log, saved.value.id, before)

    assert earlier is None
    assert then is not None
    assert package_response(then.packages[str(saved.value.id)]) == package_response(answered)
