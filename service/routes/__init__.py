"""The API, a module per resource; ``API`` lists every endpoint in the order the docs show
them. The app serves exactly these, and the OpenAPI document describes exactly these."""

from __future__ import annotations

from service.endpoint import Endpoint
from service.routes import (
    audit,
    catalog,
    deployments,
    imports,
    intersected,
    kv,
    operations,
    packages,
    revisions,
    rolling_update,
    schedules,
    secrets,
    test_inputs,
)

API: list[Endpoint] = [
    *packages.ENDPOINTS,
    *revisions.ENDPOINTS,
    *deployments.ENDPOINTS,
    *audit.ENDPOINTS,
    *operations.ENDPOINTS,
    *schedules.ENDPOINTS,
    *test_inputs.ENDPOINTS,
    *rolling_update.ENDPOINTS,
    *intersected.ENDPOINTS,
    *kv.ENDPOINTS,
    *catalog.ENDPOINTS,
    *imports.ENDPOINTS,
    *secrets.ENDPOINTS,
]
