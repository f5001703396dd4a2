"""The catalog on the wire: a blueprint file as the operator writes it (JSON or TOML, the same
fields), and package blueprints, function blueprints and their parameters as the API shows
them."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

from commands.blueprint_state import VERSION_PATTERN
from service.wire.common import (
    STORABLE_TEXT,
    Code,
    Description,
    FunctionType,
    Id,
    Language,
    Name,
    SortOrder,
    StrictRequest,
    Tag,
)
from service.wire.packages import FunctionConfig
from service.wire.test_inputs import InputName, MimeType, Payload

Version = Annotated[str, Meta(pattern=f"^{VERSION_PATTERN.pattern}\\Z")]
SourceName = Annotated[str, Meta(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,99}\Z")]
ParamValue = Annotated[str, Meta(max_length=32_000, pattern=STORABLE_TEXT)]
CodeFile = Annotated[str, Meta(min_length=1, max_length=1000, pattern=STORABLE_TEXT)]
# A PNG of at most 256 KiB, in base 64.
IconBase64 = Annotated[str, Meta(min_length=1, max_length=350_000, pattern=r"^[A-Za-z0-9+/=]+\Z")]
MAX_FUNCTIONS = 50
MAX_PARAMS = 50
MAX_TEST_INPUTS = 20


class BlueprintParamFile(StrictRequest):
    name: Name
    source_name: SourceName
    id: Id | UnsetType = UNSET
    description: Description = ""
    default_value: ParamValue | None = None
    required: bool = False
    type: Literal["CUSTOM"] = "CUSTOM"
    value_type: Literal["STRING"] = "STRING"
    storage: Literal["VAULT"] = "VAULT"


class BlueprintTestInputFile(StrictRequest):
    payload: Payload
    name: InputName = ""
    mime_type: MimeType = "application/json"


class FunctionBlueprintFile(StrictRequest):
    """A function of a blueprint: its code inline (``code``) or in a file next to the
    blueprint's (``codeFile``, a path relative to the blueprint file's folder)."""

    name: Name
    type: FunctionType
    config: FunctionConfig
    code: Code | UnsetType = UNSET
    code_file: CodeFile | UnsetType = UNSET
    id: Id | UnsetType = UNSET
    language: Language = "JAVASCRIPT"
    sort_order: SortOrder | UnsetType = UNSET
    test_inputs: Annotated[list[BlueprintTestInputFile], Meta(max_length=MAX_TEST_INPUTS)] = (
        msgspec.field(default_factory=list)
    )
    params: Annotated[list[BlueprintParamFile], Meta(max_length=MAX_PARAMS)] = msgspec.field(
        default_factory=list
    )


class PackageBlueprintFile(StrictRequest):
    """One package blueprint, as ``faas-packages catalog publish`` reads it."""

    id: Id
    name: Name
    version: Version
    functions: Annotated[list[FunctionBlueprintFile], Meta(min_length=1, max_length=MAX_FUNCTIONS)]
    description: Description = ""
    tags: Annotated[list[Tag], Meta(max_length=20)] = msgspec.field(default_factory=list)
    icon_base64: IconBase64 | None = None
    icon_media_type: Literal["image/png"] | None = None


class Response(msgspec.Struct, rename="camel", kw_only=True):
    """Base of the catalog's answers: camelCase, every field always present."""


class BlueprintTagResponse(Response):
    id: str
    name: str
    visibility: Literal["PUBLIC"]
    created_dttm: str
    updated_dttm: str


class PackageBlueprintResponse(Response):
    id: str
    parent_id: None
    name: str
    version: str
    description: str
    icon_base64: str | None
    icon_media_type: str | None
    state: Literal["GENERAL_AVAILABILITY"]
    tags: list[BlueprintTagResponse]
    created_dttm: str
    updated_dttm: str


class FunctionBlueprintParamResponse(Response):
    id: str
    function_blueprint_id: str
    name: str
    source_name: str
    type: Literal["CUSTOM"]
    value_type: Literal["STRING"]
    storage: Literal["VAULT"]
    description: str
    default_value: str | None
    required: bool
    created_dttm: str
    updated_dttm: str


class BlueprintTestInputResponse(Response):
    name: str
    payload: Any
    mime_type: str


class FunctionBlueprintResponse(Response):
    id: str
    package_blueprint_id: str
    name: str
    type: FunctionType
    language: Language
    code: str
    config: dict[str, Any]
    sort_order: int
    params: list[FunctionBlueprintParamResponse]
    test_inputs: list[BlueprintTestInputResponse]
    created_dttm: str
    updated_dttm: str
