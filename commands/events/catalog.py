"""The catalog: package blueprints published, republished and retired."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eventsourcing.domain import AggregateCreated

from commands.blueprint_state import BlueprintContent
from commands.events.base import AuditedEvent, stable_topic

if TYPE_CHECKING:
    from commands.catalog import PackageBlueprint


class _BlueprintVersionPublished(AuditedEvent):
    """A version of a package blueprint published, whole (the base of
    ``PackageBlueprintPublished`` and ``PackageBlueprintRepublished``, never stored as
    itself). ``blueprint`` holds ``name``, ``version`` (``MAJOR.MINOR.PATCH``),
    ``description``, ``icon_base64``, ``icon_media_type``, ``tags`` (names) and ``functions``:
    each with ``function_blueprint_id``, ``name``, ``type``, ``language``, ``code``,
    ``config``, ``sort_order``, ``test_inputs`` (``name``, ``payload``, ``mime_type``) and
    ``params`` (``param_id``, ``name``, ``source_name``, ``type``, ``value_type``,
    ``storage``, ``description``, ``default_value``, ``required``)."""

    blueprint: dict[str, Any]

    def apply(self, aggregate: PackageBlueprint) -> None:
        aggregate.account_id = self.account_id
        aggregate.content = BlueprintContent.from_payload(self.blueprint)
        aggregate.retired = False


@stable_topic
class PackageBlueprintPublished(_BlueprintVersionPublished, AggregateCreated):
    """The first published version of a package blueprint."""

    class_version = 1


@stable_topic
class PackageBlueprintRepublished(_BlueprintVersionPublished):
    """A higher version of a published blueprint: it replaces the one before, and lists a
    retired blueprint again."""

    class_version = 1


@stable_topic
class PackageBlueprintRetired(AuditedEvent):
    """The blueprint is no longer in the catalog (the version it had then)."""

    class_version = 1

    version: str

    def apply(self, aggregate: PackageBlueprint) -> None:
        aggregate.retired = True


CATALOG_EVENT_TOPICS: tuple[str, ...] = (
    PackageBlueprintPublished.TOPIC,  # type: ignore[attr-defined]
    PackageBlueprintRepublished.TOPIC,  # type: ignore[attr-defined]
    PackageBlueprintRetired.TOPIC,  # type: ignore[attr-defined]
)
