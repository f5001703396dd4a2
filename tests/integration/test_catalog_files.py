"""Blueprint files (JSON or TOML): decoded as strictly as a request body, every problem named
by its file and the field's JSON path; ids derived where a file names none, the same on every
read; the starter catalog's files all valid."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest

from commands.catalog import function_blueprint_id_for, param_id_for
from service.catalog import starter_paths
from service.catalog_files import BlueprintFileError, load_blueprint, load_blueprints

MAX_CODE = 128 * 1024


def blueprint(**overrides: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "id": str(uuid4()),
        "name": "Greeter",
        "version": "1.2.3",
        "tags": ["demo"],
        "functions": [
            {
                "name": "greet",
                "type": "ON_REQUEST",
                "code": "export default (request, response) => response.send('hi');",
                "config": {"path": "greet"},
                "params": [{"name": "API Key", "sourceName": "API_KEY", "required": True}],
                "testInputs": [{"name": "hello", "payload": {"name": "Ada"}}],
            }
        ],
    }
    document.update(overrides)
    return document


def written(folder: Path, document: dict[str, Any], name: str = "b.json") -> Path:
    path = folder / name
    path.write_text(json.dumps(document))
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(BlueprintFileError) as refused:
        load_blueprint(path, MAX_CODE)
    return refused.value.problems


def test_a_json_file_loads_with_derived_ids(tmp_path: Path) -> None:
    document = blueprint()
    loaded = load_blueprint(written(tmp_path, document), MAX_CODE)

    blueprint_id = UUID(document["id"])
    (function,) = loaded.content.functions
    assert loaded.blueprint_id == blueprint_id
    assert function.function_blueprint_id == function_blueprint_id_for(blueprint_id, "greet")
    assert function.params[0].param_id == param_id_for(function.function_blueprint_id, "API_KEY")
    assert (function.params[0].storage, function.params[0].required) == ("VAULT", True)
    assert function.test_inputs[0].mime_type == "application/json"
    assert load_blueprint(written(tmp_path, document), MAX_CODE) == loaded


def test_a_toml_file_with_a_code_file_loads(tmp_path: Path) -> None:
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "hook.js").write_text("export default (request) => request.ok();\n")
    path = tmp_path / "hook.toml"
    path.write_text(
        f'id = "{uuid4()}"\nname = "Hook"\nversion = "0.1.0"\n'
        "[[functions]]\n"
        'name = "hook"\ntype = "AFTER_PUBLISH"\ncodeFile = "code/hook.js"\n'
        'config = { inputChannel = "a.*" }\n'
    )

    (function,) = load_blueprint(path, MAX_CODE).content.functions
    assert function.code == "export default (request) => request.ok();\n"
    assert function.config == {"inputChannel": "a.*"}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"colour": "red"}, "$.colour: unknown field"),
        ({"version": "1.0"}, "$.version: must match"),
        ({"id": "nope"}, "$.id: must be a UUID"),
        ({"functions": []}, "$.functions: expected `array` of length >= 1"),
        ({"tags": ["a", "a"]}, "$.tags[1]: duplicate tag"),
        (
            {"functions": [{**blueprint()["functions"][0], "config": {"path": "/abs"}}]},
            "$.functions[0].config.path: must use only a-z",
        ),
        ({"iconBase64": "aGk="}, "$.iconMediaType: iconBase64 and iconMediaType go together"),
    ],
)
def test_a_bad_field_is_named_by_file_and_path(
    tmp_path: Path, change: dict[str, Any], expected: str
) -> None:
    path = written(tmp_path, blueprint(**change))

    assert any(p.startswith(f"{path}: {expected}") for p in problems(path)), problems(path)


def test_function_rules_are_those_of_package_functions(tmp_path: Path) -> None:
    function = blueprint()["functions"][0]
    bad = [
        {**function, "config": {"inputChannel": "x"}},
        {**function, "name": "greet", "code": "x"},
        {**function, "name": "other", "type": "AFTER_PUBLISH", "config": {"inputChannel": "a b"}},
        {**function, "name": "both", "codeFile": "x.js"},
        {**function, "name": "dup", "params": [function["params"][0]] * 2},
    ]
    path = written(tmp_path, blueprint(functions=bad))

    said = "\n".join(problems(path))
    for expected in [
        "$.functions[0].config.path: required for functions of type ON_REQUEST",
        "$.functions[0].config.inputChannel: not allowed for functions of type ON_REQUEST",
        "$.functions[1].name: duplicate function name",
        "$.functions[2].config.inputChannel: must be a channel name",
        "$.functions[3]: give exactly one of code and codeFile",
        "$.functions[4].params[1].sourceName: duplicate sourceName",
    ]:
        assert f"{path}: {expected}" in said


def test_a_missing_code_file_and_oversized_code_are_refused(tmp_path: Path) -> None:
    function = blueprint()["functions"][0]
    missing = {**function, "code": None, "codeFile": "gone.js"}
    del missing["code"]
    path = written(tmp_path, blueprint(functions=[missing]))
    assert problems(path)[0].startswith(f"{path}: $.functions[0].codeFile: cannot read gone.js")

    large = written(tmp_path, blueprint(functions=[{**function, "code": "x" * 200}]), "l.json")
    with pytest.raises(BlueprintFileError, match=r"\$\.functions\[0\]\.code: must be at most 100"):
        load_blueprint(large, 100)


def test_not_json_not_toml_and_other_suffixes_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text("{")
    (tmp_path / "b.toml").write_text("= nope")
    (tmp_path / "c.yaml").write_text("a: 1")

    with pytest.raises(BlueprintFileError) as refused:
        load_blueprints([tmp_path / name for name in ("a.json", "b.toml", "c.yaml")], MAX_CODE)

    said = refused.value.problems
    assert said[0].startswith(f"{tmp_path / 'a.json'}: not valid JSON")
    assert said[1].startswith(f"{tmp_path / 'b.toml'}: not valid TOML")
    assert said[2] == f"{tmp_path / 'c.yaml'}: a blueprint file must be .json or .toml"


def test_every_starter_file_is_a_valid_blueprint_with_test_inputs() -> None:
    files = load_blueprints(starter_paths(), MAX_CODE)

    assert len(files) >= 3
    types = {function.type for file in files for function in file.content.functions}
    assert {"AFTER_PUBLISH", "BEFORE_PUBLISH", "ON_REQUEST"} <= types
    for file in files:
        for function in file.content.functions:
            assert function.test_inputs, f"{file.path}: {function.name} has no test input"
            assert function.code.lstrip().startswith("//")
            assert "export default" in function.code
    required = [p for f in files for fn in f.content.functions for p in fn.params if p.required]
    assert [p.source_name for p in required] == ["WEBHOOK_URL"]
