"""Secrets on the wire: a value goes in, names and times come out, never a value."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import UNSET, Meta

from service.wire.common import STORABLE_TEXT, ReadOnly, StrictRequest

MAX_SECRET_CHARACTERS = 32_000


class SecretValueRequest(StrictRequest):
    value: Annotated[
        str,
        Meta(
            max_length=MAX_SECRET_CHARACTERS,
            pattern=STORABLE_TEXT,
            description="the secret's value: stored encrypted, never returned",
        ),
    ]
    key: ReadOnly = UNSET
    created_dttm: ReadOnly = UNSET
    updated_dttm: ReadOnly = UNSET


class SecretResponse(msgspec.Struct, rename="camel", kw_only=True):
    key: str
    created_dttm: str
    updated_dttm: str
