"""A rolling update over HTTP: a running deployment hands over to a stopped one of the same
package and keyset, both changing at one log position."""

from __future__ import annotations

from uuid import UUID

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from commands.handlers.deployments import DeploymentChange
from commands.handlers.rolling_update import HandOverDeployment
from commands.idempotency import RecordedAnswer
from commands.keys import DEPLOYMENT_WRITE
from service import responses
from service.calls import begin
from service.decoding import decode
from service.endpoint import WRITE_ERRORS, Endpoint, path_id
from service.idempotency import stored
from service.routes.deployments import FUNCTION_DEPLOYMENTS, writable_keysets
from service.wire.deployments import DeploymentResponse, RollingUpdateRequest

rolling_update_decoder = msgspec.json.Decoder(RollingUpdateRequest)


def _render(change: DeploymentChange) -> RecordedAnswer:
    """The new deployment, now running."""
    deployment_id = change.deployment_ids[0]
    version = change.package.deployments[deployment_id].version
    data = responses.deployment_of(change.package, deployment_id)
    return stored(200, data, {"ETag": f'"{version}"'})


async def rolling_update(request: Request) -> Response:
    call = await begin(request, None)
    deployment_id = path_id(request, "deployment_id")
    wire = decode(rolling_update_decoder, await call.body())
    command = HandOverDeployment(
        deployment_id, UUID(wire.new_package_deployment_id), writable_keysets(call)
    )
    return await call.answer(await call.run(command), _render)


ENDPOINTS = [
    Endpoint(
        "PUT",
        FUNCTION_DEPLOYMENTS,
        rolling_update,
        tag="Deployments",
        summary="Hand a running deployment over to another (rolling update)",
        description="The deployment in the path (`RUNNING`) stops and `newPackageDeploymentId` "
        "(`STOPPED`, of the same package and keyset) starts, at the same log position: no "
        "reader ever sees both running or neither. Answers the new deployment. A precondition "
        "that fails is 409 FAAS-1034, naming it; the running-deployments limit is not "
        "consulted (the count does not change). Needs `functions.package-deployment:write` "
        "on the keyset.",
        status=200,
        request=RollingUpdateRequest,
        response=DeploymentResponse,
        permission=DEPLOYMENT_WRITE,
        errors=WRITE_ERRORS,
    ),
]
