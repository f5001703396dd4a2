"""Scheduled events on the wire."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

from service.wire.common import Description, Id, ReadOnly, StrictRequest

# With a zone (``Z`` or an offset), as RFC 3339 writes it; kept to the millisecond.
ScheduleTime = Annotated[
    datetime,
    Meta(
        tz=True,
        description="ISO-8601 (RFC 3339) with a zone, e.g. 2026-01-15T10:30:00.000Z; kept to "
        "the millisecond",
    ),
]
ScheduleState = Literal["SCHEDULED", "ACTIVE", "COMPLETED", "FAILED"]


class CreateScheduledEventRequest(StrictRequest):
    package_deployment_id: Id
    dttm_begin: ScheduleTime
    dttm_end: ScheduleTime
    description: Description = ""
    id: Id | UnsetType = UNSET
    state: ReadOnly = UNSET
    failure_reason: ReadOnly = UNSET
    created_dttm: ReadOnly = UNSET
    updated_dttm: ReadOnly = UNSET


class UpdateScheduledEventRequest(StrictRequest):
    dttm_begin: ScheduleTime | UnsetType = UNSET
    dttm_end: ScheduleTime | UnsetType = UNSET
    description: Description | UnsetType = UNSET
    id: ReadOnly = UNSET
    package_deployment_id: ReadOnly = UNSET
    state: ReadOnly = UNSET
    failure_reason: ReadOnly = UNSET
    created_dttm: ReadOnly = UNSET
    updated_dttm: ReadOnly = UNSET


class ScheduledEventResponse(msgspec.Struct, rename="camel", kw_only=True):
    id: str
    package_deployment_id: str
    dttm_begin: str
    dttm_end: str
    description: str
    state: ScheduleState
    # Why the start was refused, for a FAILED one; null otherwise.
    failure_reason: str | None
    created_dttm: str
    updated_dttm: str
