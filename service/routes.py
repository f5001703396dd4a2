"""Thin endpoints: decode, build the command, call the application, encode."""

from __future__ import annotations

import msgspec
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from commands.commands import CommandContext
from commands.package import Package
from service.body import read_json_body
from service.bootstrap import Container
from service.decoding import decode
from service.envelope import correlation_id_of, success
from service.validation import create_package_command
from service.wire import CreatePackageRequest, PackageResponse, format_timestamp

BASE_PATH = "/v2/faas"

create_package_decoder = msgspec.json.Decoder(CreatePackageRequest)


def container_of(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


def command_context(request: Request, container: Container) -> CommandContext:
    """The caller, the request and its time: the metadata of the events it causes."""
    return CommandContext(
        account_id=container.settings.default_account_id,
        actor=container.settings.default_actor,
        correlation_id=correlation_id_of(request),
        requested_at=request.scope["state"]["received_at"],
    )


async def create_package(request: Request) -> Response:
    container = container_of(request)
    body = await read_json_body(request, container.settings.max_body_bytes)
    wire = decode(create_package_decoder, body)
    command = create_package_command(wire, container.settings.max_code_bytes)
    context = command_context(request, container)
    package = await run_in_threadpool(container.packages.create_package, command, context)
    location = f"{BASE_PATH}/packages/{package.id}"
    return success(request, 201, package_response(package), headers={"Location": location})


def package_response(package: Package) -> PackageResponse:
    """The package as the API shows it; counters from its revisions (no deployments yet)."""
    return PackageResponse(
        id=str(package.id),
        package_blueprint_id=package.package_blueprint_id,
        name=package.name,
        description=package.description,
        api_managed=package.api_managed,
        tags=package.tags,
        revisions_total=len(package.revisions),
        revisions_running=0,
        package_deployments_total=0,
        package_deployments_running=0,
        created_dttm=format_timestamp(package.created_on),
        updated_dttm=format_timestamp(package.modified_on),
    )
