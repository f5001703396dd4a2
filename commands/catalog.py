"""The catalog: package blueprints published by the operator, each a stream of its own whose
id is the blueprint's. A blueprint's state is its current published version, whole (with the
code of its functions: packages are made from it), and whether it is retired. The parts of a
blueprint are in ``commands.blueprint_state``, and importable from here too."""

from __future__ import annotations

import copy
from typing import Any
from uuid import UUID

from eventsourcing.domain import BaseAggregate

from commands.blueprint_state import (
    CATALOG_ACCOUNT,
    FUNCTION_BLUEPRINT,
    FUNCTION_BLUEPRINT_PARAM,
    PARAM_STORAGE,
    PARAM_TYPE,
    PARAM_VALUE_TYPE,
    VERSION_RULE,
    BlueprintContent,
    BlueprintParam,
    BlueprintTestInput,
    FunctionBlueprint,
    function_blueprint_id_for,
    param_id_for,
    version_key,
)
from commands.context import CommandContext, event_metadata
from commands.events import (
    PackageBlueprintPublished,
    PackageBlueprintRepublished,
    PackageBlueprintRetired,
    stable_topic,
)

__all__ = [
    "CATALOG_ACCOUNT",
    "FUNCTION_BLUEPRINT",
    "FUNCTION_BLUEPRINT_PARAM",
    "PARAM_STORAGE",
    "PARAM_TYPE",
    "PARAM_VALUE_TYPE",
    "VERSION_RULE",
    "BlueprintContent",
    "BlueprintParam",
    "BlueprintTestInput",
    "FunctionBlueprint",
    "PackageBlueprint",
    "function_blueprint_id_for",
    "param_id_for",
    "version_key",
]


@stable_topic
class PackageBlueprint(BaseAggregate[UUID]):
    """A package blueprint of the catalog: its current published version (``content``), and
    whether it is ``retired`` (hidden from the catalog until a higher version is
    published)."""

    account_id: int
    content: BlueprintContent
    retired: bool

    def __init__(self) -> None:
        """State is set by ``PackageBlueprintPublished.apply``."""

    def __deepcopy__(self, memo: dict[int, Any]) -> PackageBlueprint:
        # The content is frozen and events replace it whole: a shallow copy with its own
        # pending events is a deep one.
        clone = copy.copy(self)
        clone._pending_events = list(self._pending_events)
        return clone

    @classmethod
    def publish(
        cls,
        existing: PackageBlueprint | None,
        blueprint_id: UUID,
        content: BlueprintContent,
        context: CommandContext,
    ) -> PackageBlueprint:
        """The blueprint with ``content`` published (the caller has checked that it is a
        higher version than ``existing``'s, if any)."""
        published = {"blueprint": content.payload(), **event_metadata(context)}
        if existing is None:
            return cls._create(PackageBlueprintPublished, id=blueprint_id, **published)
        existing.trigger_event(PackageBlueprintRepublished, **published)
        return existing

    def retire(self, context: CommandContext) -> None:
        if not self.retired:
            self.trigger_event(
                PackageBlueprintRetired, version=self.content.version, **event_metadata(context)
            )
