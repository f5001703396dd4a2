"""Importing a package from a catalog blueprint, on the wire."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import UNSET, Meta, UnsetType

from service.wire.common import (
    MAX_KEYSET_ID,
    STORABLE_TEXT,
    Description,
    Id,
    Name,
    ReadOnly,
    StrictRequest,
    Tag,
)

# A vault parameter's source name as a blueprint writes it (``API_KEY``), and its value: a
# secret's value, at most 32,000 characters.
ParamName = Annotated[str, Meta(min_length=1, max_length=100, pattern=STORABLE_TEXT)]
ParamValue = Annotated[str, Meta(max_length=32_000, pattern=STORABLE_TEXT)]
MAX_PARAMS = 100
PARAM_VALUE = {"type": "string", "maxLength": 32_000, "pattern": STORABLE_TEXT}


class ImportPackageRequest(StrictRequest):
    keyset_id: Annotated[int, Meta(ge=1, le=MAX_KEYSET_ID)]
    name: Name | UnsetType = UNSET
    description: Description | UnsetType = UNSET
    tags: Annotated[list[Tag], Meta(max_length=20)] | UnsetType = UNSET
    revision_name: Name | UnsetType = UNSET
    # Each value is decoded on its own (``service.validation``), so that a message names
    # its parameter: ``$.params.API_KEY``.
    params: (
        Annotated[
            dict[ParamName, msgspec.Raw],
            Meta(max_length=MAX_PARAMS, extra_json_schema={"additionalProperties": PARAM_VALUE}),
        ]
        | UnsetType
    ) = UNSET
    id: Id | UnsetType = UNSET
    package_blueprint_id: ReadOnly = UNSET
    revisions_total: ReadOnly = UNSET
    revisions_running: ReadOnly = UNSET
    package_deployments_total: ReadOnly = UNSET
    package_deployments_running: ReadOnly = UNSET
    created_dttm: ReadOnly = UNSET
    updated_dttm: ReadOnly = UNSET
