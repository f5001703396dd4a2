"""Every validation rule of a create: one 400 naming the JSON path, or a valid command."""

from __future__ import annotations

import json
from typing import Any

import pytest

from commands.handlers.packages import CreatePackage
from service.decoding import decode
from service.errors import ApiError
from service.routes.packages import create_package_decoder
from service.validation import create_package_command
from tests.support.builders import function_body, package_body

MAX_CODE_BYTES = 128 * 1024


def decoded(body: bytes | dict[str, Any]) -> CreatePackage:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return create_package_command(decode(create_package_decoder, raw), MAX_CODE_BYTES)


def refusal(body: bytes | dict[str, Any]) -> ApiError:
    with pytest.raises(ApiError) as refused:
        decoded(body)
    return refused.value


def assert_refused(body: bytes | dict[str, Any], path: str, *words: str) -> None:
    error = refusal(body)
    assert (error.status, error.code) == (400, "FAAS-400")
    matching = [message for message in error.messages if message.startswith(f"{path}:")]
    assert matching, f"no message for {path} in {error.messages}"
    for word in words:
        assert word in matching[0], matching[0]


def with_function(**overrides: Any) -> dict[str, Any]:
    return package_body(functions=[function_body(**overrides)])


def with_config(kind: str, config: dict[str, Any]) -> dict[str, Any]:
    return with_function(type=kind, config=config)


# --- unknown and read-only fields ---


def test_unknown_top_level_field_is_named() -> None:
    assert_refused(package_body(colour="red"), "$.colour", "unknown field")


def test_unknown_function_field_is_named() -> None:
    assert_refused(with_function(runtime="node"), "$.functions[0].runtime", "unknown field")


def test_unknown_config_key_is_named() -> None:
    assert_refused(
        with_config("ON_REQUEST", {"path": "a", "retries": 3}),
        "$.functions[0].config.retries",
        "unknown field",
    )


@pytest.mark.parametrize(
    "field",
    [
        "revisionsTotal",
        "revisionsRunning",
        "packageDeploymentsTotal",
        "packageDeploymentsRunning",
        "createdDttm",
        "updatedDttm",
    ],
)
def test_read_only_package_fields_are_refused_by_name(field: str) -> None:
    assert_refused(package_body(**{field: 0}), f"$.{field}", "read-only")


@pytest.mark.parametrize(
    "field", ["functionRevisionId", "packageRevisionId", "createdDttm", "updatedDttm"]
)
def test_read_only_function_fields_are_refused_by_name(field: str) -> None:
    assert_refused(with_function(**{field: "x"}), f"$.functions[0].{field}", "read-only")


# --- required fields and types ---


def test_missing_name_is_named() -> None:
    body = package_body()
    del body["name"]
    assert_refused(body, "$.name", "required")


def test_missing_functions_is_named() -> None:
    body = package_body()
    del body["functions"]
    assert_refused(body, "$.functions", "required")


def test_missing_function_config_is_named() -> None:
    function = function_body()
    del function["config"]
    assert_refused(package_body(functions=[function]), "$.functions[0].config", "required")


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        ({"name": 5}, "$.name"),
        ({"apiManaged": "true"}, "$.apiManaged"),
        ({"tags": "a,b"}, "$.tags"),
        ({"description": None}, "$.description"),
        ({"functions": {"name": "f"}}, "$.functions"),
    ],
)
def test_wrong_types_are_named(overrides: dict[str, Any], path: str) -> None:
    assert_refused(package_body(**overrides), path, "expected")


def test_a_body_that_is_not_an_object_is_refused() -> None:
    assert_refused(b"[1, 2]", "$", "expected `object`")


def test_a_float_sort_order_is_refused() -> None:
    assert_refused(with_function(sortOrder=1.5), "$.functions[0].sortOrder", "int")


# --- lengths and bounds ---


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        ({"name": "n" * 101}, "$.name"),
        ({"name": ""}, "$.name"),
        ({"description": "d" * 1001}, "$.description"),
        ({"revisionName": "r" * 101}, "$.revisionName"),
        ({"revisionDescription": "d" * 1001}, "$.revisionDescription"),
        ({"tags": ["t" * 51]}, "$.tags[0]"),
        ({"tags": [""]}, "$.tags[0]"),
        ({"tags": [f"t{i}" for i in range(21)]}, "$.tags"),
        ({"functions": []}, "$.functions"),
    ],
)
def test_lengths_out_of_bounds_are_named(overrides: dict[str, Any], path: str) -> None:
    assert_refused(package_body(**overrides), path, "length")


@pytest.mark.parametrize("path", ["name", "revisionName"])
def test_blank_names_are_refused_after_trimming(path: str) -> None:
    assert_refused(package_body(**{path: "   "}), f"$.{path}", "after trimming")


def test_blank_function_name_is_refused() -> None:
    assert_refused(with_function(name="  "), "$.functions[0].name", "after trimming")


def test_names_are_stored_trimmed() -> None:
    command = decoded(package_body(name="  orders  ", revisionName=" first "))
    assert (command.name, command.revision_name) == ("orders", "first")


def test_function_name_over_100_characters_is_refused() -> None:
    assert_refused(with_function(name="f" * 101), "$.functions[0].name", "length")


def test_empty_code_is_refused() -> None:
    assert_refused(with_function(code=""), "$.functions[0].code", "length")


def test_code_over_the_byte_limit_is_refused_counting_utf8_bytes() -> None:
    # 50,000 three-byte characters: under the limit in characters, over it in bytes.
    assert_refused(with_function(code="€" * 50_000), "$.functions[0].code", "131072 bytes")


def test_code_at_the_byte_limit_is_accepted() -> None:
    command = decoded(with_function(code="x" * MAX_CODE_BYTES))
    assert len(command.functions[0].code) == MAX_CODE_BYTES


@pytest.mark.parametrize("value", [-1, 2**31])
def test_sort_order_out_of_range_is_refused(value: int) -> None:
    assert_refused(with_function(sortOrder=value), "$.functions[0].sortOrder")


def test_huge_integer_is_refused() -> None:
    body = json.dumps(with_function(sortOrder=1)).replace('"sortOrder": 1', '"sortOrder": 1e40')
    assert_refused(body.encode(), "$.functions[0].sortOrder")
    body = body.replace("1e40", "1" + "0" * 40)
    assert_refused(body.encode(), "$.functions[0].sortOrder")


@pytest.mark.parametrize("value", [0, 3601])
def test_interval_seconds_out_of_range_is_refused(value: int) -> None:
    assert_refused(
        with_config("ON_INTERVAL", {"intervalSeconds": value}),
        "$.functions[0].config.intervalSeconds",
    )


# --- enums ---


def test_unknown_function_type_is_refused() -> None:
    assert_refused(with_function(type="ON_BOOT"), "$.functions[0].type", "enum")


def test_unknown_language_is_refused() -> None:
    assert_refused(with_function(language="PYTHON"), "$.functions[0].language", "enum")


def test_malformed_ids_are_refused() -> None:
    assert_refused(package_body(id="not-a-uuid"), "$.id", "UUID")
    assert_refused(package_body(packageBlueprintId="x"), "$.packageBlueprintId", "UUID")
    assert_refused(with_function(id="x"), "$.functions[0].id", "UUID")


# --- config rules by type ---


@pytest.mark.parametrize("kind", ["BEFORE_PUBLISH", "AFTER_SIGNAL", "AFTER_PRESENCE"])
def test_channel_types_require_an_input_channel(kind: str) -> None:
    assert_refused(with_config(kind, {}), "$.functions[0].config.inputChannel", "required")


def test_channel_types_refuse_a_path() -> None:
    assert_refused(
        with_config("BEFORE_PUBLISH", {"inputChannel": "chat", "path": "x"}),
        "$.functions[0].config.path",
        "not allowed",
    )


def test_on_request_requires_a_path() -> None:
    assert_refused(with_config("ON_REQUEST", {}), "$.functions[0].config.path", "required")


@pytest.mark.parametrize("path", ["/leading", "has space", "a:b", "p" * 101])
def test_on_request_paths_follow_the_path_rule(path: str) -> None:
    assert_refused(with_config("ON_REQUEST", {"path": path}), "$.functions[0].config.path")


def test_on_interval_requires_interval_seconds() -> None:
    assert_refused(
        with_config("ON_INTERVAL", {}), "$.functions[0].config.intervalSeconds", "required"
    )


def test_on_interval_refuses_an_input_channel() -> None:
    assert_refused(
        with_config("ON_INTERVAL", {"intervalSeconds": 5, "inputChannel": "a"}),
        "$.functions[0].config.inputChannel",
        "not allowed",
    )


def test_subscribe_on_interval_takes_an_input_channel() -> None:
    command = decoded(
        with_config("SUBSCRIBE_ON_INTERVAL", {"intervalSeconds": 60, "inputChannel": "feed.*"})
    )
    assert command.functions[0].config == {"intervalSeconds": 60, "inputChannel": "feed.*"}


@pytest.mark.parametrize(
    "channel",
    ["chat", "chat.*", "a.b.*", "room-1.x_y", "odd=@~!$#%^&()[]{}|;'\"<>?+", "c" * 92],
)
def test_valid_input_channels_are_accepted(channel: str) -> None:
    decoded(with_config("BEFORE_PUBLISH", {"inputChannel": channel}))


@pytest.mark.parametrize(
    "channel",
    ["a.b.c.*", "*", ".*", "a*", "has space", "a,b", "a:b", "a/b", "c" * 93, "a.*.b"],
)
def test_invalid_input_channels_are_refused(channel: str) -> None:
    assert_refused(
        with_config("BEFORE_PUBLISH", {"inputChannel": channel}),
        "$.functions[0].config.inputChannel",
    )


def test_output_channel_must_be_plain() -> None:
    assert_refused(
        with_config("AFTER_PUBLISH", {"inputChannel": "a", "outputChannel": "b.*"}),
        "$.functions[0].config.outputChannel",
        "no wildcard",
    )


# --- distinctness ---


def test_duplicate_function_names_are_refused() -> None:
    body = package_body(functions=[function_body(name="same"), function_body(name="same")])
    assert_refused(body, "$.functions[1].name", "duplicate", "$.functions[0].name")


def test_duplicate_function_ids_are_refused() -> None:
    shared = "6f1c3c56-4a4e-4d8c-9d64-2f0e4b8f2b10"
    body = package_body(functions=[function_body(id=shared), function_body(id=shared)])
    assert_refused(body, "$.functions[1].id", "duplicate")


def test_duplicate_tags_are_refused() -> None:
    assert_refused(package_body(tags=["a", "b", "a"]), "$.tags[2]", "duplicate")


def test_every_broken_rule_is_reported() -> None:
    body = package_body(tags=["a", "a"], revisionsTotal=3)
    assert len(refusal(body).messages) == 2


# --- text that cannot be stored ---


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        ({"name": "a\u0000b"}, "$.name"),
        ({"description": "\u0000"}, "$.description"),
        ({"tags": ["t\u0000"]}, "$.tags[0]"),
    ],
)
def test_nul_characters_are_refused_by_path(overrides: dict[str, Any], path: str) -> None:
    assert_refused(package_body(**overrides), path, "NUL")


def test_nul_in_code_is_refused() -> None:
    assert_refused(with_function(code="x\u0000"), "$.functions[0].code", "NUL")


@pytest.mark.parametrize(
    ("field", "escape"), [("name", b"\\ud800"), ("description", b"ok \\udfff")]
)
def test_lone_surrogates_are_refused_by_path(field: str, escape: bytes) -> None:
    body = json.dumps(package_body(**{field: "PLACEHOLDER"})).encode()
    assert_refused(body.replace(b"PLACEHOLDER", escape), f"$.{field}", "surrogate")


def test_lone_surrogate_in_function_code_is_refused_by_path() -> None:
    body = json.dumps(with_function(code="CODE")).encode().replace(b"CODE", b"\\ud83d")
    assert_refused(body, "$.functions[0].code", "surrogate")


def test_a_surrogate_pair_is_valid_text() -> None:
    body = json.dumps(package_body(description="\U0001f600")).encode()
    assert decoded(body).description == "\U0001f600"


# --- not JSON ---


@pytest.mark.parametrize(
    "raw", [b"", b"{", b"not json", b'{"name": "\xff"}', b"\xef\xbb", b'{"name": "x",}', b"NaN"]
)
def test_a_body_that_is_not_json_in_utf8_is_faas_1003(raw: bytes) -> None:
    error = refusal(raw)
    assert (error.status, error.code) == (400, "FAAS-1003")


# --- defaults ---


def test_defaults_fill_what_was_not_sent() -> None:
    command = decoded(
        package_body(functions=[function_body(name="a"), function_body(name="b", sortOrder=9)])
    )
    assert command.revision_name == "v1"
    assert command.api_managed is False
    assert command.package_id is None
    assert [f.sort_order for f in command.functions] == [0, 9]
    assert {f.language for f in command.functions} == {"JAVASCRIPT"}


def test_a_name_based_client_id_is_refused() -> None:
    from uuid import NAMESPACE_URL, uuid3, uuid5

    for derived in (uuid5(NAMESPACE_URL, "x"), uuid3(NAMESPACE_URL, "x")):
        assert_refused(package_body(id=str(derived)), "$.id", "name-based")


# --- whole values: a pattern never lets a final newline through ---


@pytest.mark.parametrize(
    ("kind", "config", "field"),
    [
        ("ON_REQUEST", {"path": "hello\n"}, "path"),
        ("BEFORE_PUBLISH", {"inputChannel": "chat\n"}, "inputChannel"),
        ("BEFORE_PUBLISH", {"inputChannel": "chat.*\n"}, "inputChannel"),
        ("AFTER_PUBLISH", {"inputChannel": "a", "outputChannel": "out\n"}, "outputChannel"),
        (
            "SUBSCRIBE_ON_INTERVAL",
            {"intervalSeconds": 5, "inputChannel": "a.b.*\n"},
            "inputChannel",
        ),
    ],
)
def test_a_final_newline_is_not_part_of_a_valid_value(
    kind: str, config: dict[str, Any], field: str
) -> None:
    assert_refused(with_config(kind, config), f"$.functions[0].config.{field}")


# --- lengths after trimming ---


def test_names_of_100_characters_with_spaces_around_are_accepted_trimmed() -> None:
    name = "n" * 100
    body = package_body(name=f"  {name}\t", revisionName=f" {name} ")
    body["functions"][0]["name"] = f" {name}  "

    command = decoded(body)

    assert (command.name, command.revision_name, command.functions[0].name) == (name, name, name)


@pytest.mark.parametrize("path", ["name", "revisionName"])
def test_names_over_100_characters_after_trimming_are_refused(path: str) -> None:
    assert_refused(package_body(**{path: f" {'n' * 101} "}), f"$.{path}", "after trimming")


@pytest.mark.parametrize("tag", ["  ", "\t\n"])
def test_a_blank_tag_is_refused(tag: str) -> None:
    assert_refused(package_body(tags=["ok", tag]), "$.tags[1]", "blank")
