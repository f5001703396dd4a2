"""Short histories that record every event type of the write side, decided in memory with
fixed ids and times: where the event fixtures come from (``write_event_fixtures``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from commands.catalog import (
    BlueprintContent,
    BlueprintParam,
    BlueprintTestInput,
    FunctionBlueprint,
)
from commands.context import CommandContext
from commands.handlers.catalog import PublishPackageBlueprint, RetirePackageBlueprint
from commands.handlers.deployments import (
    CreateDeployment,
    DeleteDeployment,
    StartDeployment,
    StopDeployment,
)
from commands.handlers.keys import IssueApiKey, RevokeApiKey
from commands.handlers.packages import CreatePackage, DeletePackage, UpdatePackage
from commands.handlers.revisions import AddRevision, DeleteRevision, UpdateRevision
from commands.idempotency import Idempotency, IdempotencyRecord, RecordedAnswer
from commands.keys import DEPLOYMENT_WRITE, PACKAGE_READ, Grant
from commands.memory import InMemoryUnitOfWork
from commands.package import FunctionSpec
from tests.support.handlers import decide

START = datetime(2026, 1, 15, 10, 30, tzinfo=UTC)
ACCOUNT = 7
History = list[Any]


def tour_id(name: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"urn:faas-packages:fixture:{name}")


class Tour:
    """A unit of work whose every command is a new request, a second after the last."""

    def __init__(self) -> None:
        self.step = 0
        self.uow = InMemoryUnitOfWork(self._context())

    def __call__(self, command: Any) -> Any:
        self.step += 1
        self.uow.context = self._context()
        return decide(self.uow, command)

    def _context(self) -> CommandContext:
        moment = START + timedelta(seconds=self.step)
        return CommandContext(ACCOUNT, "key-fixtures", f"fixture-{self.step}", moment)


def functions(name: str) -> tuple[FunctionSpec, ...]:
    return (
        FunctionSpec(
            "greet",
            "ON_REQUEST",
            "export default (req, res) => res.send('hi');",
            0,
            {"path": "greet"},
            function_id=tour_id(f"{name}/greet"),
        ),
        FunctionSpec(
            "audit",
            "AFTER_PUBLISH",
            "export default (request) => request.ok();",
            1,
            {"inputChannel": "chat.*"},
            function_id=tour_id(f"{name}/audit"),
        ),
    )


def package_tour() -> History:
    """A package's whole life: created, renamed, a second revision changed, deployed,
    started, stopped, undeployed, the revision deleted, the package deleted (its name taken
    by another)."""
    run = Tour()
    orders, second = tour_id("orders"), tour_id("orders/v2")
    deployment = tour_id("orders/v2@42")
    run(CreatePackage("orders", functions("orders"), orders, "takes orders", ("shop",),
                      revision_id=tour_id("orders/v1")))  # fmt: skip
    run(UpdatePackage(orders, name="sales", tags=("shop", "eu")))
    run(AddRevision(orders, functions("orders-v2"), description="faster", revision_id=second))
    run(UpdateRevision(second, name="v2-rc"))
    run(CreateDeployment(second, 42, deployment))
    run(StartDeployment(deployment))
    run(StopDeployment(deployment))
    run(DeleteDeployment(deployment))
    run(DeleteRevision(second))
    run(CreatePackage("orders", functions("orders-2"), tour_id("orders-2"),
                      revision_id=tour_id("orders-2/v1")))  # fmt: skip
    run(DeletePackage(orders))
    return run.uow.events


def catalog_tour() -> History:
    """A package made from version 1.0.0 of a catalog blueprint."""
    run = Tour()
    run(CreatePackage("greeter", functions("greeter"), tour_id("greeter"),
                      package_blueprint_id=tour_id("blueprint/greeter"),
                      package_blueprint_version="1.0.0",
                      revision_id=tour_id("greeter/v1")))  # fmt: skip
    return run.uow.events


def blueprint(version: str) -> BlueprintContent:
    """A catalog blueprint of one function with a test input and a vault parameter."""
    forward = FunctionBlueprint(
        tour_id("blueprint/greeter/forward"),
        "forward",
        "AFTER_PUBLISH",
        "JAVASCRIPT",
        "export default (request) => request.ok();",
        {"inputChannel": "orders.*"},
        0,
        (BlueprintTestInput("an order", {"order": 1}),),
        (BlueprintParam(tour_id("blueprint/greeter/forward/URL"), "URL", "URL", required=True),),
    )
    return BlueprintContent("Greeter", version, "greets", ("starter",), (forward,))


def blueprint_tour() -> History:
    """A catalog blueprint published, retired, and published again in a higher version."""
    run = Tour()
    greeter = tour_id("blueprint/greeter")
    run(PublishPackageBlueprint(greeter, blueprint("1.0.0")))
    run(RetirePackageBlueprint(greeter))
    run(PublishPackageBlueprint(greeter, blueprint("1.1.0")))
    return run.uow.events


def key_tour() -> History:
    run = Tour()
    grants = (Grant(PACKAGE_READ), Grant(DEPLOYMENT_WRITE, frozenset({42})))
    issued = run(IssueApiKey("ci", grants, "2027-01-15T10:30:00+00:00"))
    run(RevokeApiKey(issued.key.id))
    return run.uow.events


def idempotency_tour() -> History:
    """A key's first use, and its use again once its record expired."""
    key = Idempotency("create-1", "POST /v2/faas/packages", "f" * 64, render=lambda _: None)
    context = CommandContext(ACCOUNT, "key-fixtures", "fixture-idempotent", START)
    first = RecordedAnswer(201, '{"id":"1"}', {"Location": "/v2/faas/packages/1"})
    record = IdempotencyRecord.record(None, key, first, context)
    later = CommandContext(ACCOUNT, "key-fixtures", "fixture-again", START + timedelta(days=2))
    again = RecordedAnswer(201, '{"id":"2"}', {"Location": "/v2/faas/packages/2"})
    IdempotencyRecord.record(record, key, again, later)
    events: History = record.collect_events()
    return events


# Where two tours record an event type equally soon, the first one's is its fixture.
TOURS: tuple[Callable[[], History], ...] = (
    catalog_tour,
    package_tour,
    blueprint_tour,
    key_tour,
    idempotency_tour,
)


def tours() -> list[tuple[str, History]]:
    return [(f"tour: {tour.__name__}", tour()) for tour in TOURS]
