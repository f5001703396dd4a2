"""Deployments: put a revision on a keyset, start, stop and delete it, and read it back.

Permissions are per keyset: a deployment that exists in the caller's account but on a keyset
its key has no grant for is a 403; one of another account is a 404.
"""

from __future__ import annotations

import msgspec
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from commands.handlers.deployments import (
    DeleteDeployment,
    DeploymentChange,
    StartDeployment,
    StopDeployment,
    StopDeployments,
)
from commands.idempotency import RecordedAnswer
from commands.keys import DEPLOYMENT_READ, DEPLOYMENT_WRITE, PACKAGE_READ
from projections.queries import DEPLOYMENT_SORTS
from service import responses
from service.auth import Principal, forbidden
from service.body import read_json_body, read_optional_json_body
from service.commanding import run_command
from service.consistency import read_your_writes
from service.context import caller, command_context, container_of, not_found
from service.decoding import decode
from service.envelope import success
from service.errors import validation_failed
from service.idempotency import answer, answer_once, stored
from service.ids import path_id, query_id
from service.lifecycle_routes import expected_version, no_content
from service.paging import NEWEST_FIRST, list_query
from service.routes import BASE_PATH
from service.validation import create_deployment_command
from service.wire import CreateDeploymentRequest, LimitResponse, StartDeploymentRequest

create_deployment_decoder = msgspec.json.Decoder(CreateDeploymentRequest)
start_deployment_decoder = msgspec.json.Decoder(StartDeploymentRequest)
RUNNING_LIMIT_NAME = "package-deployments-running"


async def authenticated(request: Request) -> Principal:
    """Any valid key: the grant is checked once the keyset is known."""
    return await caller(request, None)


def require(principal: Principal, permission: str, keyset: int | None) -> None:
    if not principal.allows(permission, keyset):
        raise forbidden(permission)


def _render_created(change: DeploymentChange) -> RecordedAnswer:
    location = f"{BASE_PATH}/package-deployments/{change.deployment_ids[0]}"
    return _render(change, 201, {"Location": location})


def _render_changed(change: DeploymentChange) -> RecordedAnswer:
    return _render(change, 200, {})


def _render(change: DeploymentChange, status: int, headers: dict[str, str]) -> RecordedAnswer:
    deployment_id = change.deployment_ids[0]
    version = change.package.deployments[deployment_id].version
    data = responses.deployment_of(change.package, deployment_id)
    return stored(status, data, {**headers, "ETag": f'"{version}"'})


async def create_deployment(request: Request) -> Response:
    principal = await authenticated(request)
    container = container_of(request)
    body = await read_json_body(request, container.settings.max_body_bytes)
    command = create_deployment_command(decode(create_deployment_decoder, body))
    require(principal, DEPLOYMENT_WRITE, command.keyset_id)
    context = command_context(request, principal)
    return await answer_once(request, body, command, context, _render_created)


async def get_deployment(request: Request) -> Response:
    principal = await authenticated(request)
    read_model = container_of(request).read_model
    deployment_id = path_id(request, "deployment_id")
    view = await run_in_threadpool(read_model.deployment, principal.account_id, deployment_id)
    if view is None:
        raise not_found()
    require(principal, DEPLOYMENT_READ, view.deployment.keyset_id)
    etag = {"ETag": f'"{view.deployment.version}"'}
    return success(request, 200, responses.deployment(view), headers=etag)


def _writable_keysets(principal: Principal) -> frozenset[int] | None:
    """The keysets whose deployments the caller may change (``None``: all of its account's);
    a command refuses a deployment on any other."""
    if not principal.holds(DEPLOYMENT_WRITE):
        raise forbidden(DEPLOYMENT_WRITE)
    return principal.keysets_for(DEPLOYMENT_WRITE)


async def delete_deployment(request: Request) -> Response:
    principal = await authenticated(request)
    command = DeleteDeployment(
        path_id(request, "deployment_id"), _writable_keysets(principal), expected_version(request)
    )
    committed = await run_command(request, command, command_context(request, principal))
    return no_content(request, await read_your_writes(request, committed.position))


async def start_deployment(request: Request) -> Response:
    principal = await authenticated(request)
    container = container_of(request)
    body = await read_optional_json_body(request, container.settings.max_body_bytes)
    if body.strip():
        decode(start_deployment_decoder, body)
    command = StartDeployment(path_id(request, "deployment_id"), _writable_keysets(principal))
    context = command_context(request, principal)
    return await answer_once(request, body, command, context, _render_changed)


async def stop_deployment(request: Request) -> Response:
    principal = await authenticated(request)
    command = StopDeployment(path_id(request, "deployment_id"), _writable_keysets(principal))
    force = request.query_params.get("force", "false").lower()
    if force not in {"true", "false"}:
        raise validation_failed("force: must be true or false")
    committed = await run_command(request, command, command_context(request, principal))
    return await answer(request, committed, _render_changed)


async def stop_all(request: Request) -> Response:
    principal = await authenticated(request)
    require(principal, DEPLOYMENT_WRITE, None)
    package_id = query_id(request, "package_id")
    revision_id = query_id(request, "package_revision_id")
    if (package_id is None) == (revision_id is None):
        raise validation_failed(
            "package_id: give exactly one of package_id and package_revision_id"
        )
    command = StopDeployments(package_id=package_id, revision_id=revision_id)
    committed = await run_command(request, command, command_context(request, principal))
    headers = await read_your_writes(request, committed.position)
    change = committed.value
    data = [responses.deployment_of(change.package, d) for d in change.deployment_ids]
    return success(request, 200, data, headers=headers)


async def list_revision_deployments(request: Request) -> Response:
    principal = await authenticated(request)
    if not principal.holds(DEPLOYMENT_READ):
        raise forbidden(DEPLOYMENT_READ)
    query = list_query(request.query_params, DEPLOYMENT_SORTS, NEWEST_FIRST, search_filter=False)
    read_model = container_of(request).read_model
    page = await run_in_threadpool(
        read_model.deployments,
        principal.account_id,
        path_id(request, "revision_id"),
        principal.keysets_for(DEPLOYMENT_READ),
        query,
    )
    if page is None:
        raise not_found()
    data = [responses.deployment(view) for view in page.items]
    return success(request, 200, data, paging=responses.paging(page))


async def running_limit(request: Request) -> Response:
    principal = await caller(request, PACKAGE_READ)
    container = container_of(request)
    current = await run_in_threadpool(
        container.read_model.running_deployments, principal.account_id
    )
    limit = LimitResponse(
        name=RUNNING_LIMIT_NAME,
        description="Package deployments that may run at once in the account",
        max_value=container.settings.max_running_deployments_per_account,
        current_value=current,
    )
    return success(request, 200, limit)
