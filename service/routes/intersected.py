"""Intersected deployments: for each channel asked, the deployments of a keyset with a
function whose input channel intersects it (``projections.channels`` says when two
channels intersect), read through the read model's channel index."""

from __future__ import annotations

from typing import get_args

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response

from commands.keys import DEPLOYMENT_READ
from projections.intersected import intersected
from service import responses
from service.calls import begin
from service.endpoint import BASE_PATH, Endpoint
from service.errors import validation_failed
from service.validation import CHANNEL_RULE, PLAIN_CHANNEL, WILDCARD_CHANNEL
from service.wire.common import MAX_KEYSET_ID, FunctionType
from service.wire.deployments import IntersectedDeploymentsResponse

MAX_CHANNELS = 20
MAX_CHANNEL_LENGTH = 92
FUNCTION_TYPES = frozenset(get_args(FunctionType))


def keyset_of(params: QueryParams) -> int:
    values = params.getlist("keyset_id")
    text = values[0].strip() if len(values) == 1 else ""
    digits = text.isascii() and text.isdigit() and len(text) <= len(str(MAX_KEYSET_ID))
    if not digits or not 1 <= int(text) <= MAX_KEYSET_ID:
        raise validation_failed(f"keyset_id: must be an integer from 1 to {MAX_KEYSET_ID}, once")
    return int(text)


def channels_of(params: QueryParams) -> list[str]:
    channels = params.getlist("channel")
    if not 1 <= len(channels) <= MAX_CHANNELS:
        raise validation_failed(f"channel: give 1 to {MAX_CHANNELS} channels")
    problems = [
        f"channel[{index}]: {CHANNEL_RULE}, at most {MAX_CHANNEL_LENGTH} characters"
        for index, channel in enumerate(channels)
        if len(channel) > MAX_CHANNEL_LENGTH
        or not (PLAIN_CHANNEL.fullmatch(channel) or WILDCARD_CHANNEL.fullmatch(channel))
    ]
    if problems:
        raise validation_failed(*problems)
    return channels


def function_type_of(params: QueryParams) -> str | None:
    values = params.getlist("function_type")
    if not values:
        return None
    if len(values) > 1 or values[0] not in FUNCTION_TYPES:
        raise validation_failed(
            f"function_type: must be one of {', '.join(sorted(FUNCTION_TYPES))}, once"
        )
    return values[0]


async def intersected_deployments(request: Request) -> Response:
    call = await begin(request, None)
    params = request.query_params
    keyset_id, channels = keyset_of(params), channels_of(params)
    function_type = function_type_of(params)
    call.require(DEPLOYMENT_READ, keyset_id)
    found = await call.read(
        intersected, call.container.database, call.account_id, keyset_id, channels, function_type
    )
    data = [
        IntersectedDeploymentsResponse(
            channel=item.channel,
            package_deployments=[responses.deployment(view) for view in item.deployments],
        )
        for item in found
    ]
    return call.ok(data)


ENDPOINTS = [
    Endpoint(
        "GET",
        f"{BASE_PATH}/package-deployments/intersected",
        intersected_deployments,
        tag="Deployments",
        summary="Deployments whose functions' channels intersect channels",
        description="For each `channel` asked (1 to 20, repeat the parameter; in the order "
        "asked), the deployments on `keyset_id` (required) having at least one function, of "
        "`function_type` if given, whose `inputChannel` intersects it: some channel matches "
        "both (a plain channel matches itself; `p.*` every channel starting with `p.` and "
        "having one more segment). Running and stopped deployments alike, oldest first; not "
        "paged. Needs `functions.package-deployment:read` on the keyset.",
        status=200,
        response=IntersectedDeploymentsResponse,
        listed=True,
        permission=DEPLOYMENT_READ,
        query=("keyset_id", "channel", "function_type"),
    ),
]
