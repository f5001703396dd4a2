"""Deployments on the wire."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import UNSET, Meta, UnsetType

from service.wire.common import MAX_KEYSET_ID, Id, ReadOnly, StrictRequest


class CreateDeploymentRequest(StrictRequest):
    package_revision_id: Id
    keyset_id: Annotated[int, Meta(ge=1, le=MAX_KEYSET_ID)]
    id: Id | UnsetType = UNSET
    package_id: ReadOnly = UNSET
    state: ReadOnly = UNSET
    function_deployments: ReadOnly = UNSET
    created_dttm: ReadOnly = UNSET
    updated_dttm: ReadOnly = UNSET


class StartDeploymentRequest(StrictRequest):
    """A start takes no fields; a body, if one is sent, is an empty object."""


class FunctionDeploymentResponse(msgspec.Struct, rename="camel", kw_only=True):
    function_revision_id: str
    state: str
    created_dttm: str
    updated_dttm: str


class DeploymentResponse(msgspec.Struct, rename="camel", kw_only=True):
    id: str
    package_revision_id: str
    package_id: str
    keyset_id: int
    state: str
    function_deployments: list[FunctionDeploymentResponse]
    created_dttm: str
    updated_dttm: str


class LimitResponse(msgspec.Struct, rename="camel", kw_only=True):
    name: str
    description: str
    max_value: int
    current_value: int


class RollingUpdateRequest(StrictRequest):
    """The stopped deployment that takes over from the running one named in the path."""

    new_package_deployment_id: Id


class IntersectedDeploymentsResponse(msgspec.Struct, rename="camel", kw_only=True):
    """A channel as asked, and the keyset's deployments with a function whose input channel
    intersects it."""

    channel: str
    package_deployments: list[DeploymentResponse]
