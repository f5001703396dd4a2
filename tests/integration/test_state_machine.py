"""Random sequences of package commands (rolling updates and test inputs among them), checked
against a plain in-memory model: every counter and every GET must agree after every step, on
both stores."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from commands.errors import HandoverRefusedError, StateConflictError
from commands.handlers.deployments import CreateDeployment, StartDeployment, StopDeployment
from commands.handlers.packages import DeletePackage, UpdatePackage
from commands.handlers.revisions import AddRevision, DeleteRevision
from commands.handlers.rolling_update import HandOverDeployment
from commands.handlers.test_inputs import AddTestInput
from projections.rebuild import verify
from service.bootstrap import Container
from tests.support.commands import context, create_package
from tests.support.commands import function_spec as function


@dataclass
class ModelDeployment:
    revision: str
    keyset: int
    running: bool = False


@dataclass
class ModelPackage:
    name: str
    # In the order they were made (a dict as an ordered set): draws pick by position, and ids
    # are random, so an order of ids would make the same draws pick differently in a replay.
    revisions: dict[str, None] = field(default_factory=dict)
    deployments: dict[str, ModelDeployment] = field(default_factory=dict)
    # Each revision's one function revision, and the test inputs each has.
    functions: dict[str, str] = field(default_factory=dict)
    inputs: dict[str, int] = field(default_factory=dict)


class PackageLifecycle(RuleBasedStateMachine):
    container: Container

    def __init__(self) -> None:
        super().__init__()
        self.caller = context()
        self.packages: dict[str, ModelPackage] = {}
        self.gone: set[str] = set()
        self.gone_functions: set[str] = set()

    @initialize()
    def a_package_ready_for_a_rolling_update(self) -> None:
        """Two revisions of a package on keyset 1, the first running: where handovers can
        happen from the first step on."""
        self.create()
        package_id = next(iter(self.packages))
        model = self.packages[package_id]
        added = self.container.commands.run(
            AddRevision(UUID(package_id), (function(),), "next"), self.caller
        ).value
        model.revisions[added.revision_id] = None
        assert added.functions is not None
        model.functions[added.revision_id] = added.functions[0]["function_revision_id"]
        for revision in list(model.revisions):
            change = self.container.commands.run(CreateDeployment(UUID(revision), 1), self.caller)
            model.deployments[change.value.deployment_ids[0]] = ModelDeployment(revision, 1)
        first = next(iter(model.deployments))
        self.container.commands.run(StartDeployment(UUID(first)), self.caller)
        model.deployments[first].running = True

    @rule()
    def create(self) -> None:
        saved = self.container.commands.run(create_package(functions=1), self.caller)
        self.packages[str(saved.value.id)] = ModelPackage(
            saved.value.name,
            dict.fromkeys(saved.value.revisions),
            functions={
                revision_id: revision.functions[0].function_revision_id
                for revision_id, revision in saved.value.revisions.items()
            },
        )

    @rule(data=st.data())
    def add_revision(self, data: st.DataObject) -> None:
        if not self.packages:
            return
        package_id = data.draw(st.sampled_from(list(self.packages)))
        added = self.container.commands.run(
            AddRevision(UUID(package_id), (function(),), "next"), self.caller
        )
        self.packages[package_id].revisions[added.value.revision_id] = None
        assert added.value.functions is not None
        function_revision = added.value.functions[0]["function_revision_id"]
        self.packages[package_id].functions[added.value.revision_id] = function_revision

    @rule(data=st.data(), description=st.text(max_size=5))
    def update(self, data: st.DataObject, description: str) -> None:
        if not self.packages:
            return
        package_id = data.draw(st.sampled_from(list(self.packages)))
        command = UpdatePackage(UUID(package_id), description=description.replace("\x00", ""))
        self.container.commands.run(command, self.caller)

    @rule(data=st.data(), keyset=st.integers(1, 2))
    def deploy(self, data: st.DataObject, keyset: int) -> None:
        revisions = [(p, r) for p, m in self.packages.items() for r in list(m.revisions)]
        if not revisions:
            return
        package_id, revision = data.draw(st.sampled_from(revisions))
        model = self.packages[package_id]
        taken = any(
            d.revision == revision and d.keyset == keyset for d in model.deployments.values()
        )
        command = CreateDeployment(UUID(revision), keyset)
        try:
            deployed = self.container.commands.run(command, self.caller).value
        except StateConflictError:
            assert taken
            return
        assert not taken
        model.deployments[deployed.deployment_ids[0]] = ModelDeployment(revision, keyset)

    @rule(data=st.data(), running=st.booleans())
    def start_or_stop(self, data: st.DataObject, running: bool) -> None:
        deployments = [(p, d) for p, m in self.packages.items() for d in list(m.deployments)]
        if not deployments:
            return
        package_id, deployment = data.draw(st.sampled_from(deployments))
        act = StartDeployment if running else StopDeployment
        self.container.commands.run(act(UUID(deployment)), self.caller)
        self.packages[package_id].deployments[deployment].running = running

    @rule(data=st.data())
    def rolling_update(self, data: st.DataObject) -> None:
        deployments = [(p, d) for p, m in self.packages.items() for d in list(m.deployments)]
        if not deployments:
            return
        possible = [
            (p, old, new)
            for p, m in self.packages.items()
            for old, running in m.deployments.items()
            for new, stopped in m.deployments.items()
            if running.running and not stopped.running and running.keyset == stopped.keyset
        ]
        # Half the time one that may succeed (when there is one), else any two deployments.
        if possible and data.draw(st.booleans()):
            package_id, old, new = data.draw(st.sampled_from(possible))
            other_id = package_id
        else:
            (package_id, old), (other_id, new) = (
                data.draw(st.sampled_from(deployments)) for _ in range(2)
            )
        model = self.packages[package_id]
        allowed = (
            other_id == package_id
            and model.deployments[old].running
            and not model.deployments[new].running
            and model.deployments[old].keyset == model.deployments[new].keyset
        )
        try:
            self.container.commands.run(HandOverDeployment(UUID(old), UUID(new)), self.caller)
        except HandoverRefusedError:
            assert not allowed
            return
        assert allowed
        model.deployments[old].running, model.deployments[new].running = False, True

    @rule(data=st.data())
    def add_test_input(self, data: st.DataObject) -> None:
        functions = [(p, f) for p, m in self.packages.items() for f in m.functions.values()]
        if not functions:
            return
        package_id, function_revision = data.draw(st.sampled_from(functions))
        command = AddTestInput(UUID(package_id), UUID(function_revision), "[1]")
        self.container.commands.run(command, self.caller)
        inputs = self.packages[package_id].inputs
        inputs[function_revision] = inputs.get(function_revision, 0) + 1

    @rule(data=st.data())
    def delete_revision(self, data: st.DataObject) -> None:
        revisions = [(p, r) for p, m in self.packages.items() for r in list(m.revisions)]
        if not revisions:
            return
        package_id, revision = data.draw(st.sampled_from(revisions))
        model = self.packages[package_id]
        running = any(d.running for d in model.deployments.values() if d.revision == revision)
        try:
            self.container.commands.run(DeleteRevision(UUID(revision)), self.caller)
        except StateConflictError:
            assert running
            return
        assert not running
        del model.revisions[revision]
        model.deployments = {k: d for k, d in model.deployments.items() if d.revision != revision}
        self.gone_functions.add(model.functions.pop(revision))

    @rule(data=st.data())
    def delete_package(self, data: st.DataObject) -> None:
        if not self.packages:
            return
        package_id = data.draw(st.sampled_from(list(self.packages)))
        running = any(d.running for d in self.packages[package_id].deployments.values())
        try:
            self.container.commands.run(DeletePackage(UUID(package_id)), self.caller)
        except StateConflictError:
            assert running
            return
        assert not running
        self.gone_functions |= set(self.packages.pop(package_id).functions.values())
        self.gone.add(package_id)

    @invariant()
    def the_read_model_agrees(self) -> None:
        self.container.projector.catch_up()
        read = self.container.read_model
        account = self.caller.account_id
        for package_id, model in self.packages.items():
            row, _ = read.package_at_point(account, package_id)
            assert row is not None
            running = [d for d in model.deployments.values() if d.running]
            assert (
                row.revisions_total,
                row.revisions_running,
                row.deployments_total,
                row.deployments_running,
            ) == (
                len(model.revisions),
                len({d.revision for d in running}),
                len(model.deployments),
                len(running),
            )
            for revision in model.revisions:
                view = read.revision(account, revision)
                assert view is not None
                mine = [d for d in model.deployments.values() if d.revision == revision]
                assert (view.revision.deployments_total, view.revision.deployments_running) == (
                    len(mine),
                    sum(d.running for d in mine),
                )
            for deployment_id, deployment in model.deployments.items():
                found = read.deployment(account, deployment_id)
                assert found is not None
                assert found.deployment.state == ("RUNNING" if deployment.running else "STOPPED")
            for function_revision in model.functions.values():
                assert self.test_inputs(function_revision) == model.inputs.get(function_revision, 0)
        for package_id in self.gone:
            assert read.package_at_point(account, package_id)[0] is None
        for function_revision in self.gone_functions:
            assert self.test_inputs(function_revision) == 0

    def test_inputs(self, function_revision: str) -> int:
        rows = self.container.database.query(
            "SELECT COUNT(*) FROM rm_test_inputs WHERE function_revision_id = ?",
            (function_revision,),
        )
        return int(rows[0][0])

    def teardown(self) -> None:
        assert verify(self.container.projector) == []


def test_random_command_sequences_keep_every_counter_exact(container: Container) -> None:
    PackageLifecycle.container = container
    run_state_machine_as_test(
        PackageLifecycle,
        settings=settings(
            max_examples=12,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
