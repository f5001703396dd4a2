"""Secrets of a keyset, named by its subscribe key (``?subkey=``): list their names, set one,
delete one. No endpoint ever answers a value (``docs/api.md``, "Secrets")."""

from __future__ import annotations

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from commands.handlers.secrets import DeleteSecret, SecretEntry, SecretKey, SetSecret
from commands.keys import SECRET_READ, SECRET_WRITE
from commands.kv import SECRET
from projections.secrets import secret_names
from service import kv_requests
from service.calls import begin
from service.decoding import decode
from service.endpoint import BASE_PATH, WRITE_ERRORS, Endpoint
from service.errors import secrets_not_paged
from service.keysets import keyset_of
from service.wire.secrets import SecretResponse, SecretValueRequest

PATH = f"{BASE_PATH}/kv/secrets"
TAG = "Secrets"
PAGING = ("size", "page_token")
_decoder = msgspec.json.Decoder(SecretValueRequest)


async def list_secrets(request: Request) -> Response:
    call = await begin(request, None)
    keyset = await keyset_of(call, SECRET_READ)
    if any(name in request.query_params for name in PAGING):
        raise secrets_not_paged()
    records = await call.read(secret_names, call.container.database, keyset.registration_id)
    return call.ok(
        [
            SecretResponse(key=r.key, created_dttm=r.created_dttm, updated_dttm=r.updated_dttm)
            for r in records
        ]
    )


def _secret_of(request: Request, keyset_id: int, registration_id: str) -> SecretKey:
    """The secret the path names: key rules as a KV key's."""
    place = kv_requests.place_of_key(request, keyset_id, registration_id, SECRET)
    return SecretKey(place.keyset_id, place.registration_id, place.key)


async def put_secret(request: Request) -> Response:
    call = await begin(request, None)
    keyset = await keyset_of(call, SECRET_WRITE)
    secret = _secret_of(request, keyset.keyset_id, keyset.registration_id)
    sent = kv_requests.checked(decode(_decoder, await call.body()))
    committed = await call.run(SetSecret(secret, sent.value))
    headers = await call.settled(committed.position)
    return call.ok(_answer(committed.value), headers=headers)


async def delete_secret(request: Request) -> Response:
    call = await begin(request, None)
    keyset = await keyset_of(call, SECRET_WRITE)
    secret = _secret_of(request, keyset.keyset_id, keyset.registration_id)
    committed = await call.run(DeleteSecret(secret))
    return call.no_content(await call.settled(committed.position))


def _answer(entry: SecretEntry) -> SecretResponse:
    return SecretResponse(
        key=entry.key, created_dttm=entry.created_at, updated_dttm=entry.updated_at
    )


ENDPOINTS = [
    Endpoint(
        "GET",
        PATH,
        list_secrets,
        tag=TAG,
        summary="List a keyset's secrets",
        description="Every secret's name and times, in key order (by code point), all at once: "
        "never a value. `size` or `page_token`: 400 FAAS-1029.",
        status=200,
        response=SecretResponse,
        listed=True,
        permission=SECRET_READ,
        query=("subkey",),
    ),
    Endpoint(
        "PUT",
        f"{PATH}/{{key:path}}",
        put_secret,
        tag=TAG,
        summary="Set a secret",
        description="A string of at most 32,000 characters, stored encrypted under a key of "
        "its own; the value it replaces can never be read again. Answers the secret's name "
        "and times, never its value.",
        status=200,
        request=SecretValueRequest,
        response=SecretResponse,
        permission=SECRET_WRITE,
        query=("subkey",),
        errors=WRITE_ERRORS,
    ),
    Endpoint(
        "DELETE",
        f"{PATH}/{{key:path}}",
        delete_secret,
        tag=TAG,
        summary="Delete a secret",
        description="Its value can never be read again. Also 204 when there is no such secret.",
        status=204,
        permission=SECRET_WRITE,
        query=("subkey",),
        errors=WRITE_ERRORS,
    ),
]
