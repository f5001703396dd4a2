"""Deployments: put a revision on a keyset, read them, start, stop (one, or every one of a
package or revision), delete one; and the running-deployments limit.

Permissions are per keyset: a deployment that exists in the caller's account but on a keyset
its key has no grant for is a 403; one of another account is a 404.
"""

from __future__ import annotations

import msgspec
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
from service.calls import Call, begin
from service.decoding import decode
from service.endpoint import (
    BASE_PATH,
    WRITE_ERRORS,
    Endpoint,
    expected_version,
    not_found,
    path_id,
    query_id,
)
from service.errors import lacks_permission, validation_failed
from service.idempotency import stored
from service.paging import NEWEST_FIRST, list_query
from service.validation import create_deployment_command
from service.wire.deployments import (
    CreateDeploymentRequest,
    DeploymentResponse,
    LimitResponse,
    StartDeploymentRequest,
)

create_deployment_decoder = msgspec.json.Decoder(CreateDeploymentRequest)
start_deployment_decoder = msgspec.json.Decoder(StartDeploymentRequest)
DEPLOYMENTS = f"{BASE_PATH}/package-deployments"
DEPLOYMENT = f"{DEPLOYMENTS}/{{deployment_id}}"
FUNCTION_DEPLOYMENTS = f"{DEPLOYMENT}/function-deployments"
RUNNING_LIMIT_NAME = "package-deployments-running"


def _render_created(change: DeploymentChange) -> RecordedAnswer:
    return _render(change, 201, {"Location": f"{DEPLOYMENTS}/{change.deployment_ids[0]}"})


def _render_changed(change: DeploymentChange) -> RecordedAnswer:
    return _render(change, 200, {})


def _render(change: DeploymentChange, status: int, headers: dict[str, str]) -> RecordedAnswer:
    deployment_id = change.deployment_ids[0]
    version = change.package.deployments[deployment_id].version
    data = responses.deployment_of(change.package, deployment_id)
    return stored(status, data, {**headers, "ETag": f'"{version}"'})


def writable_keysets(call: Call) -> frozenset[int] | None:
    """The keysets whose deployments the caller may change (``None``: all of its account's);
    a command refuses a deployment on any other."""
    if not call.principal.holds(DEPLOYMENT_WRITE):
        raise lacks_permission(DEPLOYMENT_WRITE)
    return call.principal.keysets_for(DEPLOYMENT_WRITE)


async def create_deployment(request: Request) -> Response:
    call = await begin(request, None)
    body = await call.body()
    command = create_deployment_command(decode(create_deployment_decoder, body))
    call.require(DEPLOYMENT_WRITE, command.keyset_id)
    return await call.answer_once(body, command, _render_created)


async def get_deployment(request: Request) -> Response:
    call = await begin(request, None)
    deployment_id = path_id(request, "deployment_id")
    view = await call.read(call.container.read_model.deployment, call.account_id, deployment_id)
    if view is None:
        raise not_found()
    call.require(DEPLOYMENT_READ, view.deployment.keyset_id)
    return call.ok(responses.deployment(view), headers={"ETag": f'"{view.deployment.version}"'})


async def delete_deployment(request: Request) -> Response:
    call = await begin(request, None)
    deployment_id = path_id(request, "deployment_id")
    command = DeleteDeployment(deployment_id, writable_keysets(call), expected_version(request))
    committed = await call.run(command)
    return call.no_content(await call.settled(committed.position))


async def start_deployment(request: Request) -> Response:
    call = await begin(request, None)
    body = await call.optional_body()
    if body.strip():
        decode(start_deployment_decoder, body)
    command = StartDeployment(path_id(request, "deployment_id"), writable_keysets(call))
    return await call.answer_once(body, command, _render_changed)


async def stop_deployment(request: Request) -> Response:
    call = await begin(request, None)
    command = StopDeployment(path_id(request, "deployment_id"), writable_keysets(call))
    if request.query_params.get("force", "false").lower() not in {"true", "false"}:
        raise validation_failed("force: must be true or false")
    return await call.answer(await call.run(command), _render_changed)


async def stop_all(request: Request) -> Response:
    call = await begin(request, None)
    call.require(DEPLOYMENT_WRITE, None)
    package_id = query_id(request, "package_id")
    revision_id = query_id(request, "package_revision_id")
    if (package_id is None) == (revision_id is None):
        raise validation_failed(
            "package_id: give exactly one of package_id and package_revision_id"
        )
    committed = await call.run(StopDeployments(package_id=package_id, revision_id=revision_id))
    headers = await call.settled(committed.position)
    change = committed.value
    data = [responses.deployment_of(change.package, d) for d in change.deployment_ids]
    return call.ok(data, headers=headers)


async def list_revision_deployments(request: Request) -> Response:
    call = await begin(request, None)
    if not call.principal.holds(DEPLOYMENT_READ):
        raise lacks_permission(DEPLOYMENT_READ)
    query = list_query(request.query_params, DEPLOYMENT_SORTS, NEWEST_FIRST, search_filter=False)
    page = await call.read(
        call.container.read_model.deployments,
        call.account_id,
        path_id(request, "revision_id"),
        call.principal.keysets_for(DEPLOYMENT_READ),
        query,
    )
    if page is None:
        raise not_found()
    data = [responses.deployment(view) for view in page.items]
    return call.ok(data, paging=responses.paging(page))


async def running_limit(request: Request) -> Response:
    call = await begin(request, PACKAGE_READ)
    current = await call.read(call.container.read_model.running_deployments, call.account_id)
    limit = LimitResponse(
        name=RUNNING_LIMIT_NAME,
        description="Package deployments that may run at once in the account",
        max_value=call.settings.max_running_deployments_per_account,
        current_value=current,
    )
    return call.ok(limit)


ENDPOINTS = [
    Endpoint(
        "POST",
        DEPLOYMENTS,
        create_deployment,
        tag="Deployments",
        summary="Deploy a revision on a keyset",
        description="The deployment is made `STOPPED`. A revision is on a keyset at most once "
        "(409 FAAS-1015) and has at most 30 deployments (422 FAAS-1030). Needs "
        "`functions.package-deployment:write` on that keyset.",
        status=201,
        request=CreateDeploymentRequest,
        response=DeploymentResponse,
        permission=DEPLOYMENT_WRITE,
        errors=WRITE_ERRORS,
    ),
    Endpoint(
        "GET",
        DEPLOYMENT,
        get_deployment,
        tag="Deployments",
        summary="Get a deployment",
        description="Needs `functions.package-deployment:read` on its keyset.",
        status=200,
        response=DeploymentResponse,
        permission=DEPLOYMENT_READ,
    ),
    Endpoint(
        "DELETE",
        DEPLOYMENT,
        delete_deployment,
        tag="Deployments",
        summary="Delete a stopped deployment",
        description="Refused while it runs (409 FAAS-1014). Honours `If-Match`.",
        status=204,
        permission=DEPLOYMENT_WRITE,
        errors=WRITE_ERRORS,
    ),
    Endpoint(
        "POST",
        FUNCTION_DEPLOYMENTS,
        start_deployment,
        tag="Deployments",
        summary="Start (or restart) a deployment",
        description="Within the account's running-deployments limit (422 FAAS-1033). The body "
        "may be empty, or an empty JSON object.",
        status=200,
        response=DeploymentResponse,
        permission=DEPLOYMENT_WRITE,
        errors=WRITE_ERRORS,
    ),
    Endpoint(
        "DELETE",
        FUNCTION_DEPLOYMENTS,
        stop_deployment,
        tag="Deployments",
        summary="Stop a deployment",
        description="Stopping a stopped deployment changes nothing. `force` is accepted; it "
        "has the same effect either way.",
        status=200,
        response=DeploymentResponse,
        permission=DEPLOYMENT_WRITE,
        query=("force",),
        errors=WRITE_ERRORS,
    ),
    Endpoint(
        "DELETE",
        f"{BASE_PATH}/function-deployments",
        stop_all,
        tag="Deployments",
        summary="Stop every deployment of a package or revision",
        description="Exactly one of `package_id` and `package_revision_id`; answers the "
        "deployments it stopped. Needs `functions.package-deployment:write` on the account.",
        status=200,
        response=DeploymentResponse,
        listed=True,
        permission=DEPLOYMENT_WRITE,
        query=("package_id", "package_revision_id"),
        errors=WRITE_ERRORS,
    ),
    Endpoint(
        "GET",
        f"{BASE_PATH}/package-revisions/{{revision_id}}/package-deployments",
        list_revision_deployments,
        tag="Deployments",
        summary="List a revision's deployments",
        description="Only those on keysets the key may read. `search` is accepted and "
        "ignored (deployments have no name).",
        status=200,
        response=DeploymentResponse,
        listed=True,
        permission=DEPLOYMENT_READ,
        query=("page", "size", "sort", "search"),
    ),
    Endpoint(
        "GET",
        f"{BASE_PATH}/limits/package-deployments-running",
        running_limit,
        tag="Limits",
        summary="The running-deployments limit",
        description="How many deployments may run at once in the account, and how many do.",
        status=200,
        response=LimitResponse,
        permission=PACKAGE_READ,
    ),
]
