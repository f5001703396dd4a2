from __future__ import annotations

import re
from pathlib import Path

import pytest

from service.settings import ENV_PREFIX, Settings, SettingsError
from service.store import library_env


def test_defaults_run_on_the_embedded_sqlite_file() -> None:
    settings = Settings.from_env({})
    assert settings.database_url == "sqlite:///./var/faas.sqlite3"
    assert settings.max_body_bytes == 4 * 1024 * 1024


def test_environment_strings_become_typed_settings() -> None:
    settings = Settings.from_env({"FAAS_MAX_FUNCTIONS_PER_REVISION": "7", "OTHER": "x"})
    assert settings.max_functions_per_revision == 7


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("FAAS_MAX_BODY_BYTES", "lots"),
        ("FAAS_MAX_BODY_BYTES", "0"),
        ("FAAS_PROJECTION_BATCH_SIZE", "-3"),
        ("FAAS_PROJECTION", "sometimes"),
        ("FAAS_STORE_TIMEOUT_SECONDS", "0"),
    ],
)
def test_a_bad_value_is_refused_naming_the_variable(variable: str, value: str) -> None:
    with pytest.raises(SettingsError, match=variable):
        Settings.from_env({variable: value})


@pytest.mark.parametrize(
    ("variable", "value"),
    [("FAAS_LOG_LEVEL", "LOUD"), ("FAAS_DATABASE_URL", "mysql://db")],
)
def test_a_bad_choice_names_the_accepted_values(variable: str, value: str) -> None:
    with pytest.raises(SettingsError, match=variable):
        Settings.from_env({variable: value})


def test_postgres_url_becomes_library_settings_over_tcp() -> None:
    env = library_env("postgresql://alice:s%40cret@db.example:6543/faas", timeout_seconds=3)
    assert env["PERSISTENCE_MODULE"] == "commands.persistence.postgres:Factory"
    assert (env["POSTGRES_HOST"], env["POSTGRES_PORT"]) == ("db.example", "6543")
    assert (env["POSTGRES_USER"], env["POSTGRES_PASSWORD"]) == ("alice", "s@cret")
    assert env["POSTGRES_DBNAME"] == "faas"


def test_postgres_url_without_host_uses_tcp_to_localhost_not_the_socket() -> None:
    env = library_env("postgresql:///faas", timeout_seconds=3)
    assert env["POSTGRES_HOST"] == "127.0.0.1"
    assert env["POSTGRES_PASSWORD"] == ""


@pytest.mark.parametrize(
    "url", ["postgresql://h/", "postgresql://h:notaport/db", "sqlite://host/x.db", "sqlite:///"]
)
def test_unusable_urls_are_refused(url: str) -> None:
    with pytest.raises(SettingsError, match="FAAS_DATABASE_URL"):
        library_env(url, timeout_seconds=3)


def test_the_schedules_of_a_deployment_are_bounded_by_a_setting() -> None:
    assert Settings().max_schedules_per_deployment == 100
    environment = {"FAAS_MAX_SCHEDULES_PER_DEPLOYMENT": "7"}
    assert Settings.from_env(environment).max_schedules_per_deployment == 7


def test_the_readme_configuration_table_names_every_setting_with_its_default() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    rows = dict(re.findall(r"^\| `(FAAS_[A-Z_]+)` \| `([^`]*)` \|", readme, re.MULTILINE))
    defaults = Settings()
    for name in Settings.__struct_fields__:
        variable = ENV_PREFIX + name.upper()
        assert variable in rows, f"{variable} is missing from the README's configuration table"
        documented = Settings.from_env({variable: rows[variable]})
        assert getattr(documented, name) == getattr(defaults, name), variable
