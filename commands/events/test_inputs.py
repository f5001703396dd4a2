"""Test inputs of a revision's functions (in the package's stream)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from commands.events.base import AuditedEvent, stable_topic

if TYPE_CHECKING:
    from commands.package import Package


def _leave_package_as_it_was(aggregate: Package, event: AuditedEvent) -> None:
    """A test input's event changes neither the package's version (its ETag) nor its
    ``updatedDttm``: remember them as the last other event left them."""
    if aggregate.inputs_version != aggregate.version:
        aggregate.unchanged_version = aggregate.version
        aggregate.unchanged_on = aggregate.modified_on
    aggregate.inputs_version = event.originator_version


@stable_topic
class TestInputAdded(AuditedEvent):
    """A saved example event for one function of a revision. ``payload`` is the JSON text
    of its value: stored as text, a value can never be read back as anything else."""

    class_version = 1

    __test__ = False  # not a test class, whatever its name says

    revision_id: str
    function_revision_id: str
    test_input_id: str
    name: str
    payload: str
    mime_type: str
    description: str

    def apply(self, aggregate: Package) -> None:
        _leave_package_as_it_was(aggregate, self)
        inputs = aggregate.revisions[self.revision_id].test_inputs
        inputs.setdefault(self.function_revision_id, {})[self.test_input_id] = (
            self.originator_version
        )


@stable_topic
class TestInputUpdated(AuditedEvent):
    """The fields of a test input that a change replaced (``None``: kept as it was)."""

    class_version = 1

    __test__ = False

    revision_id: str
    function_revision_id: str
    test_input_id: str
    name: str | None = None
    payload: str | None = None
    mime_type: str | None = None
    description: str | None = None

    def apply(self, aggregate: Package) -> None:
        _leave_package_as_it_was(aggregate, self)
        inputs = aggregate.revisions[self.revision_id].test_inputs[self.function_revision_id]
        inputs[self.test_input_id] = self.originator_version


@stable_topic
class TestInputDeleted(AuditedEvent):
    class_version = 1

    __test__ = False

    revision_id: str
    function_revision_id: str
    test_input_id: str

    def apply(self, aggregate: Package) -> None:
        _leave_package_as_it_was(aggregate, self)
        revision = aggregate.revisions[self.revision_id]
        inputs = revision.test_inputs[self.function_revision_id]
        del inputs[self.test_input_id]
        if not inputs:
            del revision.test_inputs[self.function_revision_id]
