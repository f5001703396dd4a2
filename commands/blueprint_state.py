"""A package blueprint's parts as its aggregate holds them (frozen: a published version
never changes), how an event stores them, and the rules of versions and derived ids."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid5

# The catalog is no account's: its events carry this account id (accounts start at 1), and
# its commands hold this account's write lock, so that publishes are decided one at a time.
CATALOG_ACCOUNT = 0
# The one kind of parameter the catalog knows: a custom string kept in the keyset's vault.
PARAM_TYPE, PARAM_VALUE_TYPE, PARAM_STORAGE = "CUSTOM", "STRING", "VAULT"
# The kinds of the locators that keep function blueprint and parameter ids unique.
FUNCTION_BLUEPRINT = "function-blueprint"
FUNCTION_BLUEPRINT_PARAM = "function-blueprint-param"
VERSION_PATTERN = re.compile(r"(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})")
VERSION_RULE = "must be MAJOR.MINOR.PATCH: three numbers of at most 9 digits, no leading zeros"


def version_key(version: str) -> tuple[int, int, int]:
    """``"1.10.0"`` → ``(1, 10, 0)``: versions compare as these keys do."""
    match = VERSION_PATTERN.fullmatch(version)
    if match is None:
        raise ValueError(f"{version!r} {VERSION_RULE}")
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


def function_blueprint_id_for(blueprint_id: UUID, function_name: str) -> UUID:
    """The id a function blueprint gets when its file names none: the same in every
    version of the blueprint that has a function of that name."""
    return uuid5(blueprint_id, f"function:{function_name}")


def param_id_for(function_blueprint_id: UUID, source_name: str) -> UUID:
    """The id a parameter gets when its file names none (from its function's id)."""
    return uuid5(function_blueprint_id, f"param:{source_name}")


@dataclass(frozen=True, slots=True)
class BlueprintParam:
    """A value a package made from the blueprint asks for (kept in the keyset's vault)."""

    param_id: UUID
    name: str
    source_name: str
    description: str = ""
    default_value: str | None = None
    required: bool = False
    type: str = PARAM_TYPE
    value_type: str = PARAM_VALUE_TYPE
    storage: str = PARAM_STORAGE


@dataclass(frozen=True, slots=True)
class BlueprintTestInput:
    name: str
    payload: Any
    mime_type: str = "application/json"


@dataclass(frozen=True, slots=True)
class FunctionBlueprint:
    function_blueprint_id: UUID
    name: str
    type: str
    language: str
    code: str
    config: dict[str, Any]
    sort_order: int
    test_inputs: tuple[BlueprintTestInput, ...] = ()
    params: tuple[BlueprintParam, ...] = ()


@dataclass(frozen=True, slots=True)
class BlueprintContent:
    """One published version of a package blueprint, whole; its functions in sort order."""

    name: str
    version: str
    description: str
    tags: tuple[str, ...]
    functions: tuple[FunctionBlueprint, ...]
    icon_base64: str | None = None
    icon_media_type: str | None = None

    @property
    def version_key(self) -> tuple[int, int, int]:
        return version_key(self.version)

    def ids(self) -> dict[UUID, str]:
        """Every function blueprint's and parameter's id, with its kind."""
        ids: dict[UUID, str] = {}
        for function in self.functions:
            ids[function.function_blueprint_id] = FUNCTION_BLUEPRINT
            for param in function.params:
                ids[param.param_id] = FUNCTION_BLUEPRINT_PARAM
        return ids

    def payload(self) -> dict[str, Any]:
        """The content as an event stores it: JSON-native, snake_case keys."""
        return {
            "name": self.name,
            "version": self.version,
            "description": self.description,
            "icon_base64": self.icon_base64,
            "icon_media_type": self.icon_media_type,
            "tags": list(self.tags),
            "functions": [_function_payload(function) for function in self.functions],
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> BlueprintContent:
        """The content an event stored (``payload()``'s inverse)."""
        functions = sorted(payload["functions"], key=lambda item: item["sort_order"])
        return cls(
            name=payload["name"],
            version=payload["version"],
            description=payload["description"],
            tags=tuple(payload["tags"]),
            functions=tuple(_function_from_payload(item) for item in functions),
            icon_base64=payload["icon_base64"],
            icon_media_type=payload["icon_media_type"],
        )


def _function_payload(function: FunctionBlueprint) -> dict[str, Any]:
    return {
        "function_blueprint_id": str(function.function_blueprint_id),
        "name": function.name,
        "type": function.type,
        "language": function.language,
        "code": function.code,
        "config": dict(function.config),
        "sort_order": function.sort_order,
        "test_inputs": [
            {"name": item.name, "payload": item.payload, "mime_type": item.mime_type}
            for item in function.test_inputs
        ],
        "params": [
            {
                "param_id": str(param.param_id),
                "name": param.name,
                "source_name": param.source_name,
                "type": param.type,
                "value_type": param.value_type,
                "storage": param.storage,
                "description": param.description,
                "default_value": param.default_value,
                "required": param.required,
            }
            for param in function.params
        ],
    }


def _function_from_payload(item: dict[str, Any]) -> FunctionBlueprint:
    return FunctionBlueprint(
        function_blueprint_id=UUID(item["function_blueprint_id"]),
        name=item["name"],
        type=item["type"],
        language=item["language"],
        code=item["code"],
        config=dict(item["config"]),
        sort_order=item["sort_order"],
        test_inputs=tuple(
            BlueprintTestInput(test["name"], test["payload"], test["mime_type"])
            for test in item["test_inputs"]
        ),
        params=tuple(
            BlueprintParam(
                param_id=UUID(param["param_id"]),
                name=param["name"],
                source_name=param["source_name"],
                description=param["description"],
                default_value=param["default_value"],
                required=param["required"],
                type=param["type"],
                value_type=param["value_type"],
                storage=param["storage"],
            )
            for param in item["params"]
        ),
    )
