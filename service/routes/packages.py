"""Packages: create one (with its first revision), list, read (now or as it stood at a
moment), change and delete."""

from __future__ import annotations

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from commands.handlers.packages import DeletePackage
from commands.idempotency import RecordedAnswer
from commands.keys import PACKAGE_READ, PACKAGE_WRITE
from commands.package import Package
from projections.queries import PACKAGE_SORTS
from service import responses
from service.calls import begin
from service.decoding import decode
from service.endpoint import (
    BASE_PATH,
    WRITE_ERRORS,
    Endpoint,
    expected_version,
    not_found,
    path_id,
)
from service.idempotency import stored
from service.paging import NEWEST_FIRST, list_query
from service.routes.audit import package_at, parse_as_of
from service.validation import create_package_command, update_package_command
from service.wire.packages import CreatePackageRequest, PackageResponse, UpdatePackageRequest

create_package_decoder = msgspec.json.Decoder(CreatePackageRequest)
update_package_decoder = msgspec.json.Decoder(UpdatePackageRequest)
PACKAGES = f"{BASE_PATH}/packages"
PACKAGE = f"{PACKAGES}/{{package_id}}"


async def create_package(request: Request) -> Response:
    call = await begin(request, PACKAGE_WRITE)
    body = await call.body()
    wire = decode(create_package_decoder, body)
    command = create_package_command(wire, call.settings.max_code_bytes)
    return await call.answer_once(body, command, _render_created)


def _render_created(package: Package) -> RecordedAnswer:
    return stored(201, responses.package_of(package), {"Location": f"{PACKAGES}/{package.id}"})


async def list_packages(request: Request) -> Response:
    call = await begin(request, PACKAGE_READ)
    query = list_query(request.query_params, PACKAGE_SORTS, NEWEST_FIRST, tag_filter=True)
    page = await call.read(call.container.read_model.packages, call.account_id, query)
    data = [responses.package(row) for row in page.items]
    return call.ok(data, paging=responses.paging(page))


async def get_package(request: Request) -> Response:
    call = await begin(request, PACKAGE_READ)
    package_id = path_id(request, "package_id")
    # Nearly every GET has no query string: parsing an empty one is not free.
    as_of = request.query_params.get("asOf") if request.scope["query_string"] else None
    if as_of is None:
        kept = await call.container.package_cache.package(call.account_id, package_id)
        if kept is None:
            raise not_found()
        return call.ok(kept.data, headers={"ETag": f'"{kept.version}"'})
    log = call.container.projector.log
    row = await call.read(package_at, log, call.account_id, package_id, parse_as_of(as_of))
    if row is None:
        raise not_found()
    return call.ok(responses.package(row), headers={"ETag": f'"{row.version}"'})


async def update_package(request: Request) -> Response:
    call = await begin(request, PACKAGE_WRITE)
    package_id = path_id(request, "package_id")
    wire = decode(update_package_decoder, await call.body())
    committed = await call.run(update_package_command(wire, package_id, expected_version(request)))
    package = committed.value
    headers = {**await call.settled(committed.position), "ETag": f'"{package.package_version}"'}
    return call.ok(responses.package_of(package), headers=headers)


async def delete_package(request: Request) -> Response:
    call = await begin(request, PACKAGE_WRITE)
    command = DeletePackage(path_id(request, "package_id"), expected_version(request))
    committed = await call.run(command)
    return call.no_content(await call.settled(committed.position))


ENDPOINTS = [
    Endpoint(
        "POST",
        PACKAGES,
        create_package,
        tag="Packages",
        summary="Create a package with its first revision",
        description="Makes the package, its first revision (`revisionName`, default `v1`) and "
        "that revision's functions in one step: all or nothing. The name is unique within the "
        "account (compared trimmed and case-insensitively).",
        status=201,
        request=CreatePackageRequest,
        response=PackageResponse,
        permission=PACKAGE_WRITE,
        errors=WRITE_ERRORS,
    ),
    Endpoint(
        "GET",
        PACKAGES,
        list_packages,
        tag="Packages",
        summary="List packages",
        description="The account's packages, a page at a time; `search` matches a substring "
        "of the name (case-insensitively), `tag` one tag exactly.",
        status=200,
        response=PackageResponse,
        listed=True,
        permission=PACKAGE_READ,
        query=("page", "size", "sort", "search", "tag"),
    ),
    Endpoint(
        "GET",
        PACKAGE,
        get_package,
        tag="Packages",
        summary="Get a package (or as it stood at asOf)",
        description="With `asOf`, the package as it stood at that moment, rebuilt from its "
        "events. The `ETag` is the package's version, for `If-Match`.",
        status=200,
        response=PackageResponse,
        permission=PACKAGE_READ,
        query=("asOf",),
    ),
    Endpoint(
        "PUT",
        PACKAGE,
        update_package,
        tag="Packages",
        summary="Update a package",
        description="Replaces `name`, `description` and `tags`, those sent. Honours "
        "`If-Match` (412 when the package has changed since).",
        status=200,
        request=UpdatePackageRequest,
        response=PackageResponse,
        permission=PACKAGE_WRITE,
        errors=WRITE_ERRORS,
    ),
    Endpoint(
        "DELETE",
        PACKAGE,
        delete_package,
        tag="Packages",
        summary="Delete a package",
        description="Removes the package with its revisions and stopped deployments; refused "
        "(409 FAAS-1016) while any deployment runs. Honours `If-Match`.",
        status=204,
        permission=PACKAGE_WRITE,
        errors=WRITE_ERRORS,
    ),
]
