"""Test inputs on the wire."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from msgspec import UNSET, Meta, UnsetType

from service.wire.common import (
    MAX_NAME_LENGTH,
    MIME_TYPE,
    STORABLE_TEXT,
    Description,
    Id,
    ReadOnly,
    StrictRequest,
)

MAX_PAYLOAD_BYTES = 32_000
DEFAULT_MIME_TYPE = "application/json"

# Any JSON value; its size is checked once it is decoded (``service.test_input_requests``).
Payload = Annotated[
    Any,
    Meta(description=f"any JSON value, at most {MAX_PAYLOAD_BYTES} bytes serialized"),
]
# Trimmed, like every name; a test input's may be empty (its default).
InputName = Annotated[
    str,
    Meta(
        pattern=STORABLE_TEXT,
        description=f"0 to {MAX_NAME_LENGTH} characters after trimming spaces",
        extra_json_schema={"maxLength": MAX_NAME_LENGTH},
    ),
]
MimeType = Annotated[str, Meta(min_length=1, max_length=255, pattern=MIME_TYPE)]


class CreateTestInputRequest(StrictRequest):
    __test__ = False  # not a test class, whatever its name says

    payload: Payload
    name: InputName = ""
    mime_type: MimeType = DEFAULT_MIME_TYPE
    description: Description = ""
    id: Id | UnsetType = UNSET
    function_revision_id: ReadOnly = UNSET
    created_dttm: ReadOnly = UNSET
    updated_dttm: ReadOnly = UNSET


class UpdateTestInputRequest(StrictRequest):
    """The fields sent are replaced; ``payload`` may be any JSON value, ``null`` included."""

    __test__ = False

    payload: Payload = UNSET
    name: InputName | UnsetType = UNSET
    mime_type: MimeType | UnsetType = UNSET
    description: Description | UnsetType = UNSET
    id: ReadOnly = UNSET
    function_revision_id: ReadOnly = UNSET
    created_dttm: ReadOnly = UNSET
    updated_dttm: ReadOnly = UNSET


class TestInputResponse(msgspec.Struct, rename="camel", kw_only=True):
    __test__ = False

    id: str
    function_revision_id: str
    name: str
    payload: Payload
    mime_type: str
    description: str
    created_dttm: str
    updated_dttm: str
