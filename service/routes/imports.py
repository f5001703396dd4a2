"""Importing a package from a catalog blueprint: the package, its first revision with the
blueprint's functions and their test inputs, and a stopped deployment on a keyset of the
account, in one command."""

from __future__ import annotations

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from commands.handlers.imports import ImportedPackage
from commands.idempotency import RecordedAnswer
from commands.keys import DEPLOYMENT_WRITE, PACKAGE_WRITE
from service import responses
from service.calls import begin
from service.decoding import decode
from service.endpoint import BASE_PATH, WRITE_ERRORS, Endpoint
from service.idempotency import stored
from service.routes.catalog import catalog_id
from service.validation import import_package_command
from service.wire.imports import ImportPackageRequest
from service.wire.packages import PackageResponse

import_package_decoder = msgspec.json.Decoder(ImportPackageRequest)
IMPORTS = f"{BASE_PATH}/package-blueprints/{{package_blueprint_id}}/packages"


async def import_package(request: Request) -> Response:
    call = await begin(request, PACKAGE_WRITE)
    blueprint_id = catalog_id(request, "package_blueprint_id")
    body = await call.body()
    command = import_package_command(decode(import_package_decoder, body), blueprint_id)
    call.require(DEPLOYMENT_WRITE, command.keyset_id)
    return await call.answer_once(body, command, _render_imported, body_holds_secrets=True)


def _render_imported(imported: ImportedPackage) -> RecordedAnswer:
    package = imported.package
    location = {"Location": f"{BASE_PATH}/packages/{package.id}"}
    return stored(201, responses.package_of(package), location)


ENDPOINTS = [
    Endpoint(
        "POST",
        IMPORTS,
        import_package,
        tag="Catalog",
        summary="Import a package from a blueprint",
        description="Makes, in one step (all or nothing), a package from the blueprint's "
        "current version (`packageBlueprintId` set): its first revision with the blueprint's "
        "functions, their test inputs, a `STOPPED` deployment on `keysetId`, and the "
        "blueprint's `VAULT` parameters as secrets of that keyset (by `sourceName`: the value "
        "in `params`, else the parameter's default; a required one with neither is a 400 "
        "naming `$.params.SOURCE_NAME`, as is a name the blueprint lacks). `name` defaults "
        "to the blueprint's, followed by ` (2)`, ` (3)`, ... when the account has a package "
        "of that name; `description` and `tags` to the blueprint's. The keyset must be "
        "registered to the account (else 400 FAAS-1022). An unknown or retired blueprint is "
        "a 404 (an id that is not a UUID a 400, as on the catalog's other routes). Also "
        "needs `functions.package-deployment:write` on the keyset.",
        status=201,
        request=ImportPackageRequest,
        response=PackageResponse,
        permission=PACKAGE_WRITE,
        errors=WRITE_ERRORS,
    ),
]
