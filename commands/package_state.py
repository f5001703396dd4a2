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
class Deployment:
    deployment_id: str
    revision_id: str
    keyset_id: int
    created_on: datetime
    updated_on: datetime
    version: int
    running: bool = False


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


SNAPSHOT_TRANSCODINGS = (FunctionAsDict(), RevisionAsDict(), DeploymentAsDict())
