"""What operators and load balancers ask of a process: liveness, readiness, metrics, and
the API's own document and docs page. No key needed; no detail given."""

from __future__ import annotations

from service import health, metrics_routes
from service.endpoint import BASE_PATH, Endpoint
from service.openapi import docs_page, openapi_json

ENDPOINTS = [
    Endpoint(
        "GET",
        "/livez",
        health.livez,
        tag="Operations",
        summary="The process answers",
        description="200 while the process runs (for a load balancer's liveness check).",
        status=200,
        errors=(400,),
        negotiates_json=False,
    ),
    Endpoint(
        "GET",
        "/readyz",
        health.readyz,
        tag="Operations",
        summary="The service is ready",
        description="503 when the store does not answer, the read model is more than 10,000 "
        "events behind the log (or stopped at an event it cannot apply), or the service is "
        "shutting down.",
        status=200,
        errors=(400, 503),
        negotiates_json=False,
    ),
    Endpoint(
        "GET",
        "/metrics",
        metrics_routes.metrics,
        tag="Operations",
        summary="Prometheus metrics (text format)",
        description="Requests by route and status with their durations, events appended by "
        "type, the read model's position and lag, and the process's own CPU, memory and files. "
        "Never a key, a body, a path or a query string.",
        status=200,
        errors=(400,),
        negotiates_json=False,
        text=True,
    ),
]
# Served, and not in the document they serve.
DOCUMENTATION = [
    (f"{BASE_PATH}/openapi.json", openapi_json),
    ("/docs", docs_page),
]
