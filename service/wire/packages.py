"""Packages, revisions and functions on the wire."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from msgspec import UNSET, Meta, UnsetType

from service.wire.common import (
    Channel,
    Code,
    Description,
    FunctionPath,
    FunctionType,
    Id,
    IntervalSeconds,
    Language,
    Name,
    ReadOnly,
    SortOrder,
    StrictRequest,
    Tag,
)


class FunctionConfig(StrictRequest):
    input_channel: Channel | UnsetType = UNSET
    output_channel: Channel | UnsetType = UNSET
    path: FunctionPath | UnsetType = UNSET
    interval_seconds: IntervalSeconds | UnsetType = UNSET


class FunctionRequest(StrictRequest):
    name: Name
    type: FunctionType
    code: Code
    config: FunctionConfig
    id: Id | UnsetType = UNSET
    language: Language = "JAVASCRIPT"
    sort_order: SortOrder | UnsetType = UNSET
    function_revision_id: ReadOnly = UNSET
    package_revision_id: ReadOnly = UNSET
    created_dttm: ReadOnly = UNSET
    updated_dttm: ReadOnly = UNSET


class CreatePackageRequest(StrictRequest):
    name: Name
    functions: Annotated[list[FunctionRequest], Meta(min_length=1)]
    id: Id | UnsetType = UNSET
    description: Description = ""
    tags: Annotated[list[Tag], Meta(max_length=20)] = msgspec.field(default_factory=list)
    api_managed: bool = False
    package_blueprint_id: Id | None = None
    revision_name: Name = "v1"
    revision_description: Description = ""
    revisions_total: ReadOnly = UNSET
    revisions_running: ReadOnly = UNSET
    package_deployments_total: ReadOnly = UNSET
    package_deployments_running: ReadOnly = UNSET
    created_dttm: ReadOnly = UNSET
    updated_dttm: ReadOnly = UNSET


class UpdatePackageRequest(StrictRequest):
    name: Name | UnsetType = UNSET
    description: Description | UnsetType = UNSET
    tags: Annotated[list[Tag], Meta(max_length=20)] | UnsetType = UNSET
    id: ReadOnly = UNSET
    api_managed: ReadOnly = UNSET
    package_blueprint_id: ReadOnly = UNSET
    revisions_total: ReadOnly = UNSET
    revisions_running: ReadOnly = UNSET
    package_deployments_total: ReadOnly = UNSET
    package_deployments_running: ReadOnly = UNSET
    created_dttm: ReadOnly = UNSET
    updated_dttm: ReadOnly = UNSET


class CreateRevisionRequest(StrictRequest):
    package_id: Id
    functions: Annotated[list[FunctionRequest], Meta(min_length=1)]
    name: Name | UnsetType = UNSET
    id: Id | UnsetType = UNSET
    description: Description = ""
    package_deployments_total: ReadOnly = UNSET
    package_deployments_running: ReadOnly = UNSET
    created_dttm: ReadOnly = UNSET
    updated_dttm: ReadOnly = UNSET


class UpdateRevisionRequest(StrictRequest):
    name: Name | UnsetType = UNSET
    description: Description | UnsetType = UNSET
    id: ReadOnly = UNSET
    package_id: ReadOnly = UNSET
    functions: ReadOnly = UNSET
    package_deployments_total: ReadOnly = UNSET
    package_deployments_running: ReadOnly = UNSET
    created_dttm: ReadOnly = UNSET
    updated_dttm: ReadOnly = UNSET


class PackageResponse(msgspec.Struct, rename="camel", kw_only=True):
    id: str
    package_blueprint_id: str | None
    name: str
    description: str
    api_managed: bool
    tags: list[str]
    revisions_total: int
    revisions_running: int
    package_deployments_total: int
    package_deployments_running: int
    created_dttm: str
    updated_dttm: str


class FunctionResponse(msgspec.Struct, rename="camel", kw_only=True):
    id: str
    function_revision_id: str
    package_revision_id: str
    name: str
    language: str
    type: str
    sort_order: int
    # Left out in lists of revisions (a function's code is up to 128 KiB).
    code: str | UnsetType = UNSET
    config: dict[str, Any]
    created_dttm: str
    updated_dttm: str


class RevisionResponse(msgspec.Struct, rename="camel", kw_only=True):
    id: str
    package_id: str
    name: str
    description: str
    package_deployments_total: int
    package_deployments_running: int
    created_dttm: str
    updated_dttm: str
    functions: list[FunctionResponse]
