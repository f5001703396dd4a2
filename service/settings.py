"""Configuration as a value: read from the environment once, validated, then passed down."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Literal

import msgspec

ENV_PREFIX = "FAAS_"

PositiveInt = Annotated[int, msgspec.Meta(ge=1)]


class SettingsError(ValueError):
    """A setting with a value the service cannot run with."""


class Settings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Every setting of the service; the environment name is ``FAAS_`` + the upper-cased field."""

    database_url: str = "sqlite:///./var/faas.sqlite3"
    max_body_bytes: PositiveInt = 4 * 1024 * 1024
    max_code_bytes: PositiveInt = 128 * 1024
    max_functions_per_revision: PositiveInt = 50
    max_packages_per_account: PositiveInt = 1000
    max_deployments_per_revision: PositiveInt = 30
    max_running_deployments_per_account: PositiveInt = 100
    max_revisions_per_package: PositiveInt = 100
    max_test_inputs_per_function_revision: PositiveInt = 20
    store_timeout_seconds: Annotated[int, msgspec.Meta(ge=1, le=300)] = 5
    projection: Literal["inline", "off"] = "inline"
    projection_batch_size: Annotated[int, msgspec.Meta(ge=1, le=100_000)] = 1000
    projection_stall_seconds: Annotated[int, msgspec.Meta(ge=1, le=86_400)] = 300
    read_your_writes_timeout_seconds: Annotated[float, msgspec.Meta(ge=0, le=300)] = 5.0
    shutdown_timeout_seconds: Annotated[int, msgspec.Meta(ge=1, le=3600)] = 30
    header_read_timeout_seconds: Annotated[float, msgspec.Meta(gt=0, le=3600)] = 10.0
    body_read_timeout_seconds: Annotated[float, msgspec.Meta(gt=0, le=3600)] = 30.0
    max_connections: Annotated[int, msgspec.Meta(ge=1, le=1_000_000)] = 500
    log_level: str = "INFO"
    max_schedules_per_deployment: PositiveInt = 100
    # The master key of secrets ("": beside the embedded store's file; required on PostgreSQL).
    secrets_key_file: str = ""

    def __post_init__(self) -> None:
        if self.log_level.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("FAAS_LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR")
        if not self.database_url.startswith(("sqlite:///", "postgresql://", "postgres://")):
            raise ValueError(
                "FAAS_DATABASE_URL must start with sqlite:///, postgresql:// or postgres://"
            )

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Read ``FAAS_*`` variables; raise ``SettingsError`` naming the first bad one."""
        values = {
            name: environ[ENV_PREFIX + name.upper()]
            for name in cls.__struct_fields__
            if ENV_PREFIX + name.upper() in environ
        }
        try:
            return msgspec.convert(values, cls, strict=False)
        except msgspec.ValidationError as error:
            raise SettingsError(_describe(str(error))) from None


def _describe(message: str) -> str:
    """Turn msgspec's ``... - at `$.field``` into a message naming the variable."""
    text, _, path = message.partition(" - at `$.")
    if not path:
        return text
    return f"{ENV_PREFIX}{path.rstrip('`').upper()}: {text}"
