"""Rules that a test input request must also satisfy, and its translation into a command."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

import msgspec
from msgspec import UNSET

from commands.handlers.test_inputs import AddTestInput, UpdateTestInput
from service.errors import validation_failed
from service.validation import client_id_problems, id_or_none, read_only_problems
from service.wire.common import MAX_NAME_LENGTH
from service.wire.test_inputs import (
    MAX_PAYLOAD_BYTES,
    CreateTestInputRequest,
    UpdateTestInputRequest,
)

_encoder = msgspec.json.Encoder()
EDITABLE = ("payload", "name", "mime_type", "description")


def add_test_input_command(
    request: CreateTestInputRequest, package_id: UUID, function_revision_id: UUID
) -> AddTestInput:
    """The ``AddTestInput`` command, or a 400 listing every broken rule by path."""
    payload = _payload_text(request.payload)
    problems = list(read_only_problems(request))
    problems += client_id_problems(request.id, "$.id")
    problems += _name_problems(request.name)
    problems += _payload_problems(payload)
    if problems:
        raise validation_failed(*problems)
    return AddTestInput(
        package_id=package_id,
        function_revision_id=function_revision_id,
        payload=payload,
        name=request.name.strip(),
        mime_type=request.mime_type,
        description=request.description,
        test_input_id=id_or_none(request.id),
    )


def update_test_input_command(
    request: UpdateTestInputRequest,
    function_revision_id: UUID,
    test_input_id: UUID,
    expected_version: int | None,
) -> UpdateTestInput:
    """The ``UpdateTestInput`` command, or a 400 listing every broken rule by path."""
    payload = None if request.payload is UNSET else _payload_text(request.payload)
    problems = list(read_only_problems(request))
    if isinstance(request.name, str):
        problems += _name_problems(request.name)
    if payload is not None:
        problems += _payload_problems(payload)
    if all(getattr(request, field) is UNSET for field in EDITABLE) and not problems:
        problems.append("$: send at least one of payload, name, mimeType, description")
    if problems:
        raise validation_failed(*problems)
    return UpdateTestInput(
        function_revision_id=function_revision_id,
        test_input_id=test_input_id,
        name=request.name.strip() if isinstance(request.name, str) else None,
        payload=payload,
        mime_type=request.mime_type if isinstance(request.mime_type, str) else None,
        description=request.description if isinstance(request.description, str) else None,
        expected_version=expected_version,
    )


def _payload_text(value: Any) -> str:
    """The value as it is stored: its compact JSON text."""
    return _encoder.encode(value).decode()


def _payload_problems(payload: str) -> Iterator[str]:
    # The text is ASCII-escaped only where JSON requires it: count its UTF-8 bytes.
    if len(payload) * 4 > MAX_PAYLOAD_BYTES and len(payload.encode()) > MAX_PAYLOAD_BYTES:
        yield f"$.payload: must be at most {MAX_PAYLOAD_BYTES} bytes serialized as JSON"


def _name_problems(name: str) -> Iterator[str]:
    if len(name.strip()) > MAX_NAME_LENGTH:
        yield f"$.name: length must be at most {MAX_NAME_LENGTH} characters after trimming spaces"
