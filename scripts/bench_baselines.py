"""Baselines for ``scripts.bench_load``: what a create and a GET cost without the event store.

Two ASGI factories, each started by the benchmark with uvicorn and the same number of workers as
the service:

- ``ceiling_app``: Starlette + msgspec, decodes the create body into the service's own
  ``CreatePackageRequest`` and answers the envelope, with no store; its GET answers a fixed
  package. Nothing the service does per request can be faster than this.
- ``crud_app``: what a user would build instead of the service: the same decode, then the
  normalised rows (package, revision, functions) inserted in one transaction from an async
  psycopg pool; its GET selects the package row. The tables are made by ``create_crud_tables``.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import msgspec
import psycopg
from psycopg.errors import UniqueViolation
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from service.wire.common import (
    Envelope,
    ErrorItem,
    ResponseMeta,
    format_timestamp,
    now_to_the_millisecond,
)
from service.wire.packages import CreatePackageRequest, PackageResponse

CRUD_URL_VARIABLE = "FAAS_BENCH_CRUD_DATABASE_URL"
PATH = "/v2/faas/packages"
JSON = "application/json; charset=utf-8"
CRUD_ACCOUNT = 1

CRUD_SCHEMA = """
CREATE TABLE IF NOT EXISTS bench_crud_packages (
    id uuid PRIMARY KEY,
    account_id bigint NOT NULL,
    name text NOT NULL,
    description text NOT NULL,
    api_managed boolean NOT NULL,
    package_blueprint_id uuid,
    tags text[] NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS bench_crud_packages_name
    ON bench_crud_packages (account_id, lower(name));
CREATE TABLE IF NOT EXISTS bench_crud_revisions (
    id uuid PRIMARY KEY,
    package_id uuid NOT NULL REFERENCES bench_crud_packages (id),
    name text NOT NULL,
    description text NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS bench_crud_revisions_package ON bench_crud_revisions (package_id);
CREATE TABLE IF NOT EXISTS bench_crud_functions (
    id uuid PRIMARY KEY,
    revision_id uuid NOT NULL REFERENCES bench_crud_revisions (id),
    name text NOT NULL,
    type text NOT NULL,
    language text NOT NULL,
    code text NOT NULL,
    config jsonb NOT NULL,
    sort_order integer NOT NULL,
    created_at timestamptz NOT NULL
);
"""
INSERT_PACKAGE = (
    "INSERT INTO bench_crud_packages (id, account_id, name, description, api_managed,"
    " package_blueprint_id, tags, created_at, updated_at)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
)
INSERT_REVISION = (
    "INSERT INTO bench_crud_revisions (id, package_id, name, description, created_at)"
    " VALUES (%s, %s, %s, %s, %s)"
)
INSERT_FUNCTION = (
    "INSERT INTO bench_crud_functions (id, revision_id, name, type, language, code, config,"
    " sort_order, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
)
SELECT_PACKAGE = (
    "SELECT id, name, description, api_managed, package_blueprint_id, tags, created_at,"
    " updated_at, (SELECT count(*) FROM bench_crud_revisions r WHERE r.package_id = p.id)"
    " FROM bench_crud_packages p WHERE p.id = %s AND p.account_id = %s"
)

_decoder = msgspec.json.Decoder(CreatePackageRequest)
_encoder = msgspec.json.Encoder()


def create_crud_tables(database_url: str) -> None:
    """Make the CRUD baseline's tables (before its workers start, so they never race)."""
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute(CRUD_SCHEMA)


def ceiling_app() -> Starlette:
    """Decode and answer, no store: the most any create or GET endpoint here can do."""
    fixed = _envelope(200, _package(uuid4(), "fixed", "", [], now_to_the_millisecond(), 1)).body

    async def create(request: Request) -> Response:
        wire = _decode(await request.body())
        if isinstance(wire, Response):
            return wire
        package_id = UUID(wire.id) if isinstance(wire.id, str) else uuid4()
        package = _package(
            package_id, wire.name, wire.description, wire.tags, now_to_the_millisecond(), 1
        )
        return _envelope(201, package, {"Location": f"{PATH}/{package_id}"})

    async def get(request: Request) -> Response:
        return Response(fixed, 200, media_type=JSON)

    return Starlette(routes=[*_routes(create, get)])


def crud_app() -> Starlette:
    """The normalised rows in one transaction: the plain CRUD a user would write instead."""
    pool = AsyncConnectionPool(
        os.environ[CRUD_URL_VARIABLE],
        min_size=4,
        max_size=16,
        kwargs={"autocommit": True},
        open=False,
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await pool.open(wait=True)
        try:
            yield
        finally:
            await pool.close()

    async def create(request: Request) -> Response:
        wire = _decode(await request.body())
        if isinstance(wire, Response):
            return wire
        package_id = UUID(wire.id) if isinstance(wire.id, str) else uuid4()
        revision_id, now = uuid4(), now_to_the_millisecond()
        try:
            async with pool.connection() as connection, connection.transaction():
                await connection.execute(INSERT_PACKAGE, _package_row(package_id, wire, now))
                await connection.execute(
                    INSERT_REVISION,
                    (revision_id, package_id, wire.revision_name, wire.revision_description, now),
                )
                async with connection.cursor() as cursor:
                    await cursor.executemany(
                        INSERT_FUNCTION, _function_rows(revision_id, wire, now)
                    )
        except UniqueViolation:
            return _error(409, "FAAS-409", "the account has a package of that name")
        package = _package(package_id, wire.name, wire.description, wire.tags, now, 1)
        return _envelope(201, package, {"Location": f"{PATH}/{package_id}"})

    async def get(request: Request) -> Response:
        try:
            package_id = UUID(request.path_params["package_id"])
        except ValueError:
            return _error(404, "FAAS-404", "Entity not found")
        async with pool.connection() as connection:
            cursor = await connection.execute(SELECT_PACKAGE, (package_id, CRUD_ACCOUNT))
            row = await cursor.fetchone()
        if row is None:
            return _error(404, "FAAS-404", "Entity not found")
        package = _package(row[0], row[1], row[2], row[5], row[6], row[8])
        package.api_managed, package.package_blueprint_id = row[3], _text(row[4])
        package.updated_dttm = format_timestamp(row[7])
        return _envelope(200, package)

    return Starlette(routes=[*_routes(create, get)], lifespan=lifespan)


def _routes(create: Any, get: Any) -> list[Route]:
    async def livez(request: Request) -> Response:
        return Response(b'{"status":"ok"}', 200, media_type=JSON)

    return [
        Route(PATH, create, methods=["POST"]),
        Route(PATH + "/{package_id}", get, methods=["GET"]),
        Route("/livez", livez, methods=["GET"]),
    ]


def _decode(body: bytes) -> CreatePackageRequest | Response:
    try:
        return _decoder.decode(body)
    except msgspec.ValidationError as error:
        return _error(400, "FAAS-400", str(error))
    except msgspec.DecodeError:
        return _error(400, "FAAS-1003", "the body is not JSON")


def _package_row(package_id: UUID, wire: CreatePackageRequest, now: datetime) -> tuple[Any, ...]:
    return (
        package_id,
        CRUD_ACCOUNT,
        wire.name,
        wire.description,
        wire.api_managed,
        wire.package_blueprint_id,
        wire.tags,
        now,
        now,
    )


def _function_rows(
    revision_id: UUID, wire: CreatePackageRequest, now: datetime
) -> list[tuple[Any, ...]]:
    return [
        (
            uuid4(),
            revision_id,
            function.name,
            function.type,
            function.language,
            function.code,
            Jsonb(msgspec.to_builtins(function.config)),
            position,
            now,
        )
        for position, function in enumerate(wire.functions)
    ]


def _package(
    package_id: Any, name: str, description: str, tags: list[str], at: datetime, revisions: int
) -> PackageResponse:
    stamp = format_timestamp(at)
    return PackageResponse(
        id=str(package_id),
        package_blueprint_id=None,
        name=name,
        description=description,
        api_managed=False,
        tags=tags,
        revisions_total=revisions,
        revisions_running=0,
        package_deployments_total=0,
        package_deployments_running=0,
        created_dttm=stamp,
        updated_dttm=stamp,
    )


def _envelope(status: int, data: Any, headers: dict[str, str] | None = None) -> Response:
    envelope = Envelope(data=data, meta=_meta(), errors=[])
    return Response(_encoder.encode(envelope), status, headers, media_type=JSON)


def _error(status: int, code: str, message: str) -> Response:
    envelope = Envelope(meta=_meta(), errors=[ErrorItem(code=code, message=message)])
    return Response(_encoder.encode(envelope), status, media_type=JSON)


def _meta() -> ResponseMeta:
    return ResponseMeta(
        timestamp=format_timestamp(now_to_the_millisecond()), correlation_id=str(uuid4())
    )


def _text(value: object) -> str | None:
    return None if value is None else str(value)
