"""Blueprint files: one package blueprint per JSON or TOML file, decoded as strictly as a
request body (the same field rules as a package's functions), and turned into the content the
catalog publishes. Every problem names its file and the field's path."""

from __future__ import annotations

import base64
import binascii
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

import msgspec
from msgspec import UNSET

from commands.catalog import (
    BlueprintContent,
    BlueprintParam,
    BlueprintTestInput,
    FunctionBlueprint,
    function_blueprint_id_for,
    param_id_for,
)
from service.decoding import describe_validation_error
from service.validation import (
    client_id_problems,
    code_problems,
    config_problems,
    duplicate_problems,
    name_problems,
    tag_problems,
)
from service.wire.catalog import FunctionBlueprintFile, PackageBlueprintFile
from service.wire.test_inputs import MAX_PAYLOAD_BYTES

SUFFIXES = (".json", ".toml")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_json = msgspec.json.Decoder(PackageBlueprintFile)
_encoder = msgspec.json.Encoder()


@dataclass(frozen=True, slots=True)
class BlueprintFile:
    path: Path
    blueprint_id: UUID
    content: BlueprintContent


class BlueprintFileError(Exception):
    """One or more files are not valid blueprints: ``problems`` says each, by file and
    path."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


def load_blueprints(paths: Sequence[Path], max_code_bytes: int) -> list[BlueprintFile]:
    """Every file's blueprint, or a ``BlueprintFileError`` listing the problems of all."""
    loaded, problems = [], []
    for path in paths:
        try:
            loaded.append(load_blueprint(path, max_code_bytes))
        except BlueprintFileError as error:
            problems += error.problems
    if problems:
        raise BlueprintFileError(problems)
    return loaded


def load_blueprint(path: Path, max_code_bytes: int) -> BlueprintFile:
    """The file's blueprint, or a ``BlueprintFileError``."""
    try:
        wire = _decode(path)
        problems = list(_problems(wire, max_code_bytes))
        codes = [_code(function, index, path) for index, function in enumerate(wire.functions)]
    except _Refused as refused:
        raise BlueprintFileError([f"{path}: {refused}"]) from None
    problems += [
        problem
        for index, code in enumerate(codes)
        for problem in code_problems(code, f"$.functions[{index}].code", max_code_bytes)
    ]
    if problems:
        raise BlueprintFileError([f"{path}: {problem}" for problem in problems])
    return BlueprintFile(path, UUID(wire.id), _content(wire, codes))


class _Refused(Exception):
    """A problem that stops the file from being read further."""


def _decode(path: Path) -> PackageBlueprintFile:
    if path.suffix not in SUFFIXES:
        raise _Refused("a blueprint file must be .json or .toml")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise _Refused(f"cannot be read ({error.strerror})") from None
    try:
        if path.suffix == ".json":
            return _json.decode(data)
        document = tomllib.loads(data.decode("utf-8"))
        return msgspec.convert(document, PackageBlueprintFile)
    except msgspec.ValidationError as error:
        raise _Refused(describe_validation_error(str(error))) from None
    except msgspec.DecodeError as error:
        raise _Refused(f"not valid JSON ({error})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise _Refused(f"not valid TOML in UTF-8 ({error})") from None


def _problems(wire: PackageBlueprintFile, max_code_bytes: int) -> Iterator[str]:
    yield from name_problems(wire.name, "$.name")
    yield from tag_problems(wire.tags)
    if (wire.icon_base64 is None) != (wire.icon_media_type is None):
        yield "$.iconMediaType: iconBase64 and iconMediaType go together (image/png)"
    if wire.icon_base64 is not None and not _is_png(wire.icon_base64):
        yield "$.iconBase64: must be a PNG image in base 64"
    functions = wire.functions
    yield from duplicate_problems(
        [f.name.strip() for f in functions], "$.functions", "function name", suffix=".name"
    )
    given = [f.id for f in functions if f.id is not UNSET]
    yield from duplicate_problems(given, "$.functions", "function id", suffix=".id")
    for index, function in enumerate(functions):
        yield from _function_problems(function, f"$.functions[{index}]")


def _function_problems(function: FunctionBlueprintFile, path: str) -> Iterator[str]:
    yield from name_problems(function.name, f"{path}.name")
    yield from client_id_problems(function.id, f"{path}.id")
    yield from config_problems(function.type, function.config, f"{path}.config")
    if (function.code is UNSET) == (function.code_file is UNSET):
        yield f"{path}: give exactly one of code and codeFile"
    params = function.params
    yield from duplicate_problems(
        [p.source_name for p in params], f"{path}.params", "sourceName", suffix=".sourceName"
    )
    for index, param in enumerate(params):
        yield from name_problems(param.name, f"{path}.params[{index}].name")
        yield from client_id_problems(param.id, f"{path}.params[{index}].id")
    for index, test in enumerate(function.test_inputs):
        if len(_encoder.encode(test.payload)) > MAX_PAYLOAD_BYTES:
            yield (
                f"{path}.testInputs[{index}].payload: must be at most {MAX_PAYLOAD_BYTES} "
                "bytes serialized as JSON"
            )


def _is_png(text: str) -> bool:
    try:
        return base64.b64decode(text, validate=True).startswith(PNG_SIGNATURE)
    except (binascii.Error, ValueError):
        return False


def _code(function: FunctionBlueprintFile, index: int, path: Path) -> str:
    """The function's code, inline or read from its ``codeFile``."""
    if function.code is not UNSET or function.code_file is UNSET:
        return function.code if function.code is not UNSET else ""
    where = f"$.functions[{index}].codeFile"
    relative = Path(function.code_file)
    if relative.is_absolute():
        raise _Refused(f"{where}: must be a path relative to the blueprint file's folder")
    try:
        code = (path.parent / relative).read_text(encoding="utf-8")
    except OSError as error:
        raise _Refused(f"{where}: cannot read {relative} ({error.strerror})") from None
    except UnicodeDecodeError:
        raise _Refused(f"{where}: {relative} is not UTF-8 text") from None
    if not code or "\x00" in code:
        raise _Refused(f"{where}: {relative} must hold 1 byte or more of text, without NUL")
    return code


def _content(wire: PackageBlueprintFile, codes: list[str]) -> BlueprintContent:
    blueprint_id = UUID(wire.id)
    functions = []
    for position, (function, code) in enumerate(zip(wire.functions, codes, strict=True)):
        name = function.name.strip()
        function_id = (
            UUID(function.id)
            if function.id is not UNSET
            else function_blueprint_id_for(blueprint_id, name)
        )
        params = tuple(
            BlueprintParam(
                param_id=(
                    UUID(param.id)
                    if param.id is not UNSET
                    else param_id_for(function_id, param.source_name)
                ),
                name=param.name.strip(),
                source_name=param.source_name,
                description=param.description,
                default_value=param.default_value,
                required=param.required,
            )
            for param in function.params
        )
        functions.append(
            FunctionBlueprint(
                function_blueprint_id=function_id,
                name=name,
                type=function.type,
                language=function.language,
                code=code,
                config=msgspec.to_builtins(function.config),
                sort_order=position if function.sort_order is UNSET else function.sort_order,
                test_inputs=tuple(
                    BlueprintTestInput(
                        test.name.strip(),
                        msgspec.json.decode(_encoder.encode(test.payload)),
                        test.mime_type,
                    )
                    for test in function.test_inputs
                ),
                params=params,
            )
        )
    functions.sort(key=lambda function: function.sort_order)
    return BlueprintContent(
        name=wire.name.strip(),
        version=wire.version,
        description=wire.description,
        tags=tuple(wire.tags),
        functions=tuple(functions),
        icon_base64=wire.icon_base64,
        icon_media_type=wire.icon_media_type,
    )
