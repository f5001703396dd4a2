"""What the store keeps of each class: the stored event classes and the snapshotted
aggregates of ``commands``, their versions (``class_version``) and the fields they store."""

from __future__ import annotations

import importlib
import pkgutil
import re
from dataclasses import fields, is_dataclass
from functools import cache
from typing import Any

from eventsourcing.domain import CanMutateAggregate
from eventsourcing.utils import get_topic

import commands
from commands.application import EventStore
from commands.package_state import SNAPSHOT_TRANSCODINGS

# Kept in the stored event's columns, not in its state.
NOT_IN_STATE = frozenset({"originator_id", "originator_version", "originator_id_type"})
# What the library keeps of every aggregate beside its own fields.
AGGREGATE_STATE = {
    "_id": "UUID",
    "_version": "int",
    "_created_on": "datetime",
    "_modified_on": "datetime",
    "_pending_events": "list",
}

Shape = dict[str, str]


@cache
def event_classes() -> dict[str, type[Any]]:
    """Every event class the write side can store, by topic: the classes of ``commands``'
    modules that change aggregates and that no other class of theirs extends (a base such
    as ``AuditedEvent`` is never stored itself)."""
    for module in pkgutil.walk_packages(commands.__path__, "commands."):
        importlib.import_module(module.name)
    ours = [cls for cls in _subclasses(CanMutateAggregate) if cls.__module__.startswith("commands")]
    stored = [
        cls for cls in ours if not any(other is not cls and cls in other.__mro__ for other in ours)
    ]
    return {get_topic(cls): cls for cls in sorted(stored, key=lambda cls: cls.__name__)}


def snapshotted_classes() -> dict[str, type[Any]]:
    """The aggregates whose state is stored as snapshots, by topic."""
    kinds = EventStore.snapshotting_intervals or {}
    return {get_topic(cls): cls for cls in sorted(kinds, key=lambda cls: cls.__name__)}


def version_of(cls: type[Any]) -> int:
    return int(getattr(cls, "class_version", 1))


def declares_version(cls: type[Any]) -> bool:
    """Whether the class says its version itself (not only by inheriting one)."""
    return "class_version" in vars(cls)


def event_shape(cls: type[Any]) -> Shape:
    """The fields an event's stored state holds, with their declared types."""
    return dict(sorted(_annotated(cls).items()))


def snapshot_shape(cls: type[Any]) -> Shape:
    """The fields an aggregate's snapshot holds; those of the value types kept in it (a
    package's revisions, deployments and functions) as ``Type.field``."""
    shape = {**AGGREGATE_STATE, **_annotated(cls, ours_only=True)}
    for value_type in _value_types_in(shape):
        for field in fields(value_type):
            shape[f"{value_type.__name__}.{field.name}"] = _type_name(field.type)
    return dict(sorted(shape.items()))


def upcaster_name(version: int) -> str:
    return f"upcast_v{version}_v{version + 1}"


def _annotated(cls: type[Any], *, ours_only: bool = False) -> Shape:
    """Annotated fields, through the class's bases (or only the bases of ``commands``: the
    library's aggregate bases annotate class settings, not state)."""
    found: Shape = {}
    for klass in reversed(cls.__mro__):
        if ours_only and not klass.__module__.startswith("commands"):
            continue
        for name, kind in vars(klass).get("__annotations__", {}).items():
            text = _type_name(kind)
            if name not in NOT_IN_STATE and not text.startswith("ClassVar"):
                found[name] = text
    return found


def _value_types_in(shape: Shape) -> list[type[Any]]:
    """The snapshot's own value types that the shape names, and those they name in turn."""
    known = {t.type.__name__: t.type for t in SNAPSHOT_TRANSCODINGS if is_dataclass(t.type)}
    found: dict[str, type[Any]] = {}
    pending = list(shape.values())
    while pending:
        for word in re.findall(r"\w+", pending.pop()):
            if word in known and word not in found:
                found[word] = known[word]
                pending += [_type_name(field.type) for field in fields(known[word])]
    return [found[name] for name in sorted(found)]


def _type_name(kind: Any) -> str:
    return kind if isinstance(kind, str) else getattr(kind, "__name__", repr(kind))


def _subclasses(cls: type[Any]) -> list[type[Any]]:
    found: list[type[Any]] = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return list(dict.fromkeys(found))
