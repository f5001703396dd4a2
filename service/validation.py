"""Rules that a typed request must also satisfy, and its translation into a command."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Sequence
from uuid import UUID

import msgspec
from msgspec import UNSET

from commands.handlers.deployments import CreateDeployment
from commands.handlers.imports import ImportPackage
from commands.handlers.packages import CreatePackage, UpdatePackage
from commands.handlers.revisions import AddRevision, UpdateRevision
from commands.package import FunctionSpec
from service.decoding import describe_validation_error
from service.errors import echo, validation_failed
from service.wire.common import MAX_NAME_LENGTH, ReadOnly
from service.wire.deployments import CreateDeploymentRequest
from service.wire.imports import ImportPackageRequest, ParamValue
from service.wire.packages import (
    CreatePackageRequest,
    CreateRevisionRequest,
    FunctionConfig,
    FunctionRequest,
    UpdatePackageRequest,
    UpdateRevisionRequest,
)

_CHANNEL_CHAR = r"A-Za-z0-9\-_=@~!$#%^&()\[\]{}|;'\"<>?+"
# Whole values only (``fullmatch``): ``$`` would let a final newline through.
PLAIN_CHANNEL = re.compile(rf"[{_CHANNEL_CHAR}.]{{1,92}}")
WILDCARD_CHANNEL = re.compile(rf"[{_CHANNEL_CHAR}]+(\.[{_CHANNEL_CHAR}]+)?\.\*")
CHANNEL_RULE = (
    "must be a channel name, or a wildcard ending in .* with at most two dots, "
    "of letters, digits and -_.=@~!$#%^&()[]{}|;'\"<>?+"
)
OUTPUT_CHANNEL_RULE = (
    "must be a channel name (no wildcard) of letters, digits and -_.=@~!$#%^&()[]{}|;'\"<>?+"
)

_param_value_decoder = msgspec.json.Decoder(ParamValue)

CHANNEL_TYPES = frozenset(
    {
        "BEFORE_PUBLISH",
        "AFTER_PUBLISH",
        "BEFORE_PUBLISH_FILE",
        "AFTER_PUBLISH_FILE",
        "BEFORE_SIGNAL",
        "AFTER_SIGNAL",
        "AFTER_PRESENCE",
    }
)
# For each function type: the config keys it requires and the ones it also accepts.
CONFIG_KEYS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    **{kind: (frozenset({"inputChannel"}), frozenset({"outputChannel"})) for kind in CHANNEL_TYPES},
    "ON_REQUEST": (frozenset({"path"}), frozenset()),
    "ON_INTERVAL": (frozenset({"intervalSeconds"}), frozenset()),
    "SUBSCRIBE_ON_INTERVAL": (frozenset({"intervalSeconds"}), frozenset({"inputChannel"})),
}


def create_package_command(request: CreatePackageRequest, max_code_bytes: int) -> CreatePackage:
    """The ``CreatePackage`` command, or a 400 listing every broken rule by path."""
    problems = list(_create_package_problems(request, max_code_bytes))
    if problems:
        raise validation_failed(*problems)
    return CreatePackage(
        package_id=id_or_none(request.id),
        name=request.name.strip(),
        description=request.description,
        tags=tuple(request.tags),
        api_managed=request.api_managed,
        package_blueprint_id=id_or_none(request.package_blueprint_id),
        revision_name=request.revision_name.strip(),
        revision_description=request.revision_description,
        functions=tuple(
            _function_spec(function, position)
            for position, function in enumerate(request.functions)
        ),
    )


def update_package_command(
    request: UpdatePackageRequest, package_id: UUID, expected_version: int | None
) -> UpdatePackage:
    """The ``UpdatePackage`` command, or a 400 listing every broken rule by path."""
    problems = list(read_only_problems(request))
    if isinstance(request.name, str):
        problems += name_problems(request.name, "$.name")
    if isinstance(request.tags, list):
        problems += tag_problems(request.tags)
    given = _given_fields(request) & {"name", "description", "tags"}
    if not given and not problems:
        problems.append("$: send at least one of name, description, tags")
    if problems:
        raise validation_failed(*problems)
    return UpdatePackage(
        package_id=package_id,
        name=request.name.strip() if isinstance(request.name, str) else None,
        description=request.description if isinstance(request.description, str) else None,
        tags=tuple(request.tags) if isinstance(request.tags, list) else None,
        expected_version=expected_version,
    )


def add_revision_command(request: CreateRevisionRequest, max_code_bytes: int) -> AddRevision:
    """The ``AddRevision`` command, or a 400 listing every broken rule by path."""
    problems = list(read_only_problems(request))
    problems += client_id_problems(request.id, "$.id")
    if isinstance(request.name, str):
        problems += name_problems(request.name, "$.name")
    problems += _function_list_problems(request.functions, max_code_bytes)
    if problems:
        raise validation_failed(*problems)
    return AddRevision(
        package_id=UUID(request.package_id),
        revision_id=id_or_none(request.id),
        name=request.name.strip() if isinstance(request.name, str) else None,
        description=request.description,
        functions=tuple(
            _function_spec(function, position)
            for position, function in enumerate(request.functions)
        ),
    )


def create_deployment_command(request: CreateDeploymentRequest) -> CreateDeployment:
    """The ``CreateDeployment`` command, or a 400 listing every broken rule by path."""
    problems = list(read_only_problems(request))
    problems += client_id_problems(request.id, "$.id")
    if problems:
        raise validation_failed(*problems)
    return CreateDeployment(
        revision_id=UUID(request.package_revision_id),
        keyset_id=request.keyset_id,
        deployment_id=id_or_none(request.id),
    )


def import_package_command(request: ImportPackageRequest, blueprint_id: UUID) -> ImportPackage:
    """The ``ImportPackage`` command, or a 400 listing every broken rule by path (the
    parameters are checked against the blueprint when the command is decided)."""
    problems = list(read_only_problems(request))
    problems += client_id_problems(request.id, "$.id")
    if isinstance(request.name, str):
        problems += name_problems(request.name, "$.name")
    if isinstance(request.revision_name, str):
        problems += name_problems(request.revision_name, "$.revisionName")
    if isinstance(request.tags, list):
        problems += tag_problems(request.tags)
    params: dict[str, msgspec.Raw] = {} if request.params is UNSET else request.params
    values = dict(_param_values(params, problems))
    if problems:
        raise validation_failed(*problems)
    return ImportPackage(
        blueprint_id=blueprint_id,
        keyset_id=request.keyset_id,
        name=request.name.strip() if isinstance(request.name, str) else None,
        description=request.description if isinstance(request.description, str) else None,
        tags=tuple(request.tags) if isinstance(request.tags, list) else None,
        revision_name=request.revision_name.strip()
        if isinstance(request.revision_name, str)
        else "v1",
        params=values,
        package_id=id_or_none(request.id),
    )


def _param_values(params: dict[str, msgspec.Raw], problems: list[str]) -> Iterator[tuple[str, str]]:
    """Each parameter's value, decoded on its own; what is wrong with one, named by its path."""
    for name, raw in params.items():
        try:
            yield name, _param_value_decoder.decode(raw)
        except msgspec.ValidationError as error:
            rule = describe_validation_error(str(error)).removeprefix("$: ")
            problems.append(f"$.params.{echo(name)}: {rule}")


def update_revision_command(
    request: UpdateRevisionRequest, revision_id: UUID, expected_version: int | None
) -> UpdateRevision:
    problems = list(read_only_problems(request))
    if isinstance(request.name, str):
        problems += name_problems(request.name, "$.name")
    if not _given_fields(request) & {"name", "description"} and not problems:
        problems.append("$: send at least one of name, description")
    if problems:
        raise validation_failed(*problems)
    return UpdateRevision(
        revision_id=revision_id,
        name=request.name.strip() if isinstance(request.name, str) else None,
        description=request.description if isinstance(request.description, str) else None,
        expected_version=expected_version,
    )


def _function_list_problems(functions: list[FunctionRequest], max_code_bytes: int) -> Iterator[str]:
    yield from duplicate_problems(
        [function.name.strip() for function in functions],
        "$.functions",
        "function name",
        suffix=".name",
    )
    yield from duplicate_problems(
        [function.id for function in functions if function.id is not UNSET],
        "$.functions",
        "function id",
        suffix=".id",
    )
    for index, function in enumerate(functions):
        yield from _function_problems(function, f"$.functions[{index}]", max_code_bytes)


def _create_package_problems(request: CreatePackageRequest, max_code_bytes: int) -> Iterator[str]:
    yield from read_only_problems(request)
    yield from client_id_problems(request.id, "$.id")
    yield from name_problems(request.name, "$.name")
    yield from name_problems(request.revision_name, "$.revisionName")
    yield from tag_problems(request.tags)
    yield from _function_list_problems(request.functions, max_code_bytes)


def _function_problems(function: FunctionRequest, path: str, max_code_bytes: int) -> Iterator[str]:
    yield from name_problems(function.name, f"{path}.name")
    yield from code_problems(function.code, f"{path}.code", max_code_bytes)
    yield from config_problems(function.type, function.config, f"{path}.config")


def code_problems(code: str, path: str, max_code_bytes: int) -> Iterator[str]:
    """Code over the size limit."""
    # Four bytes per character at most: only long code needs encoding to be measured.
    if len(code) * 4 > max_code_bytes and len(code.encode()) > max_code_bytes:
        yield f"{path}: must be at most {max_code_bytes} bytes of UTF-8"


def config_problems(kind: str, config: FunctionConfig, path: str) -> Iterator[str]:
    """A function's ``config`` against its type's rules (packages' and blueprints')."""
    given = _given_fields(config)
    required, optional = CONFIG_KEYS[kind]
    for key in sorted(required - given):
        yield f"{path}.{key}: required for functions of type {kind}"
    for key in sorted(given - required - optional):
        yield f"{path}.{key}: not allowed for functions of type {kind}"
    if isinstance(config.input_channel, str) and not (
        PLAIN_CHANNEL.fullmatch(config.input_channel)
        or WILDCARD_CHANNEL.fullmatch(config.input_channel)
    ):
        yield f"{path}.inputChannel: {CHANNEL_RULE}"
    if isinstance(config.output_channel, str) and not PLAIN_CHANNEL.fullmatch(
        config.output_channel
    ):
        yield f"{path}.outputChannel: {OUTPUT_CHANNEL_RULE}"


def read_only_problems(request: msgspec.Struct, path: str = "$") -> Iterator[str]:
    """Every read-only field that the request sent, at any depth, named by its JSON path."""
    for name, wire_name, read_only in _field_names(type(request)):
        value = getattr(request, name)
        if value is UNSET:
            continue
        if read_only:
            yield f"{path}.{wire_name}: read-only field; the server sets it"
        elif isinstance(value, msgspec.Struct):
            yield from read_only_problems(value, f"{path}.{wire_name}")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, msgspec.Struct):
                    yield from read_only_problems(item, f"{path}.{wire_name}[{index}]")


def name_problems(name: str, path: str) -> Iterator[str]:
    """Names are stored trimmed, so their length is counted after trimming."""
    if not 1 <= len(name.strip()) <= MAX_NAME_LENGTH:
        yield f"{path}: length must be 1 to {MAX_NAME_LENGTH} characters after trimming spaces"


def tag_problems(tags: list[str]) -> Iterator[str]:
    """Blank and repeated tags, by path."""
    for index, tag in enumerate(tags):
        if not tag.strip():
            yield f"$.tags[{index}]: must not be blank"
    yield from duplicate_problems(tags, "$.tags", "tag")


def duplicate_problems(
    values: Sequence[object], path: str, what: str, *, suffix: str = ""
) -> Iterator[str]:
    """Each value that repeats an earlier one, by path."""
    first_index: dict[object, int] = {}
    for index, value in enumerate(values):
        if value in first_index:
            yield (
                f"{path}[{index}]{suffix}: duplicate {what} "
                f"(same as {path}[{first_index[value]}]{suffix})"
            )
        else:
            first_index[value] = index


def _given_fields(struct: msgspec.Struct) -> set[str]:
    """The wire names of the fields that the request sent."""
    return {
        encode_name
        for name, encode_name, _ in _field_names(type(struct))
        if getattr(struct, name) is not UNSET
    }


@functools.cache
def _field_names(kind: type[msgspec.Struct]) -> tuple[tuple[str, str, bool], ...]:
    """Each field's name, its wire name, and whether it is read-only."""
    # msgspec works the fields out from the annotations on every call: once is enough.
    return tuple(
        (field.name, field.encode_name, field.type == ReadOnly)
        for field in msgspec.structs.fields(kind)
    )


def _function_spec(function: FunctionRequest, position: int) -> FunctionSpec:
    config = msgspec.to_builtins(function.config)
    return FunctionSpec(
        function_id=id_or_none(function.id),
        name=function.name.strip(),
        type=function.type,
        language=function.language,
        code=function.code,
        config=config,
        sort_order=position if function.sort_order is UNSET else function.sort_order,
    )


def client_id_problems(value: str | msgspec.UnsetType, path: str) -> Iterator[str]:
    """Name-based UUIDs (versions 3 and 5) are the server's own, derived ids."""
    if isinstance(value, str) and UUID(value).version in (3, 5):
        yield f"{path}: must not be a name-based UUID (version 3 or 5)"


def id_or_none(value: str | msgspec.UnsetType | None) -> UUID | None:
    """A body id, already held to the canonical form by its wire type, as a ``UUID``."""
    return UUID(value) if isinstance(value, str) else None
