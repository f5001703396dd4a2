"""Scheduled-event requests, checked beyond their types and turned into commands."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from msgspec import UNSET

from commands.handlers.schedules import CreateSchedule, Keysets, UpdateSchedule
from service.errors import ApiError, validation_failed
from service.validation import client_id_problems, id_or_none, read_only_problems
from service.wire.schedules import CreateScheduledEventRequest, UpdateScheduledEventRequest


def scheduled_time_invalid(path: str, rule: str) -> ApiError:
    return ApiError(400, "FAAS-1007", f"{path}: {rule}")


def create_schedule_command(
    request: CreateScheduledEventRequest, keysets: Keysets
) -> CreateSchedule:
    """The ``CreateSchedule`` command, or a 400 listing every broken rule by path."""
    problems = list(read_only_problems(request))
    problems += client_id_problems(request.id, "$.id")
    if problems:
        raise validation_failed(*problems)
    return CreateSchedule(
        deployment_id=UUID(request.package_deployment_id),
        begin=_in_utc(request.dttm_begin, "$.dttmBegin"),
        end=_in_utc(request.dttm_end, "$.dttmEnd"),
        description=request.description,
        schedule_id=id_or_none(request.id),
        keysets=keysets,
    )


def update_schedule_command(
    request: UpdateScheduledEventRequest,
    schedule_id: UUID,
    keysets: Keysets,
    expected_version: int | None,
) -> UpdateSchedule:
    """The ``UpdateSchedule`` command, or a 400 listing every broken rule by path."""
    problems = list(read_only_problems(request))
    sent = (request.dttm_begin, request.dttm_end, request.description)
    if all(value is UNSET for value in sent) and not problems:
        problems.append("$: send at least one of dttmBegin, dttmEnd, description")
    if problems:
        raise validation_failed(*problems)
    begin, end, description = sent
    return UpdateSchedule(
        schedule_id=schedule_id,
        begin=_in_utc(begin, "$.dttmBegin") if isinstance(begin, datetime) else None,
        end=_in_utc(end, "$.dttmEnd") if isinstance(end, datetime) else None,
        description=description if isinstance(description, str) else None,
        keysets=keysets,
        expected_version=expected_version,
    )


def _in_utc(moment: datetime, path: str) -> datetime:
    """A time in UTC; one that UTC cannot hold (year 1 or 9999 with an offset) is no time a
    schedule can have."""
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise scheduled_time_invalid(path, "out of range") from None
