"""A package's parts as its aggregate holds them, and how a snapshot stores them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from eventsourcing.persistence import Transcoding


@dataclass(frozen=True, slots=True)
class Function:
    """A function of a revision as decisions see it: everything but its code."""

    function_id: str
    function_revision_id: str
    name: str
    type: str
    language: str
    sort_order: int
    config: dict[str, Any]


@dataclass(slots=True)
class Revision:
    revision_id: str
    name: str
    description: str
    created_on: datetime
    version: int
    updated_on: datetime
    functions: tuple[Function, ...] = ()
    # Per function revision, its test inputs' ids and versions (never their payloads): what
    # decisions need. Not part of the revision's snapshot of functions: inputs come and go.
    test_inputs: dict[str, dict[str, int]] = field(default_factory=dict)


@dataclass(slots=True)
class Schedule:
    """A scheduled event of a deployment as decisions see it. Its times are ISO-8601 UTC text
    to the millisecond (``2026-01-15T10:30:00.000Z``), which sorts as the times do."""

    schedule_id: str
    dttm_begin: str
    dttm_end: str
    description: str
    state: str
    created_on: datetime
    updated_on: datetime
    version: int
    failure_reason: str | None = None
    # The deployment's version once this schedule started it (None: it found it running,
    # or has not begun): its end stops the deployment only if nobody changed it since.
    started_version: int | None = None


@dataclass(slots=True)
class Deployment:
    deployment_id: str
    revision_id: str
    keyset_id: int
    created_on: datetime
    updated_on: datetime
    version: int
    running: bool = False
    # Its scheduled events by id (a snapshot taken before they existed has none).
    schedules: dict[str, Schedule] = field(default_factory=dict)


class FunctionAsDict(Transcoding):
    """How a package's snapshot stores its functions (never with code)."""

    type = Function
    name = "faas_function"

    def encode(self, obj: Function) -> dict[str, Any]:
        return {name: getattr(obj, name) for name in Function.__slots__}

    def decode(self, data: dict[str, Any]) -> Function:
        return Function(**data)


class RevisionAsDict(Transcoding):
    type = Revision
    name = "faas_revision"

    def encode(self, obj: Revision) -> dict[str, Any]:
        encoded = {name: getattr(obj, name) for name in Revision.__slots__}
        encoded["functions"] = list(obj.functions)
        return encoded

    def decode(self, data: dict[str, Any]) -> Revision:
        return Revision(**{**data, "functions": tuple(data["functions"])})


class DeploymentAsDict(Transcoding):
    type = Deployment
    name = "faas_deployment"

    def encode(self, obj: Deployment) -> dict[str, Any]:
        return {name: getattr(obj, name) for name in Deployment.__slots__}

    def decode(self, data: dict[str, Any]) -> Deployment:
        return Deployment(**data)


class ScheduleAsDict(Transcoding):
    type = Schedule
    name = "faas_schedule"

    def encode(self, obj: Schedule) -> dict[str, Any]:
        return {name: getattr(obj, name) for name in Schedule.__slots__}

    def decode(self, data: dict[str, Any]) -> Schedule:
        return Schedule(**data)


SNAPSHOT_TRANSCODINGS = (FunctionAsDict(), RevisionAsDict(), DeploymentAsDict(), ScheduleAsDict())
