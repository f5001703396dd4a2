"""The ASGI application: routes, middleware, error translation and the store's lifetime."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
from collections.abc import AsyncIterator
from concurrent.futures import Future
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp

from commands.errors import DomainError
from projections.database import DatabaseUnavailableError
from service.bootstrap import Container, bootstrap
from service.collector import settle_after_start_up
from service.endpoint import BASE_PATH, Endpoint
from service.envelope import correlation_id_of, failure
from service.errors import ApiError, from_domain, from_http_status, store_unavailable
from service.logs import configure_logging
from service.metrics import MULTIPROCESS_DIR_VARIABLE
from service.middleware import RequestContextMiddleware
from service.negotiation import JsonRoute
from service.routes import API
from service.routes.operations import DOCUMENTATION
from service.settings import Settings, SettingsError

logger = logging.getLogger("faas.service")
# A worker that could not open the store tries again after these pauses (doubling).
REOPEN_FIRST_PAUSE_SECONDS = 0.5
REOPEN_MAX_PAUSE_SECONDS = 5.0


def create_app(settings: Settings, *, metrics_multiprocess_dir: str | None = None) -> Starlette:
    """The service for these settings; the store opens when the app starts, not before. With
    ``metrics_multiprocess_dir``, ``/metrics`` sums the counts every worker keeps there."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.shutting_down = False
        app.state.container = None
        opened: list[Container] = []  # what this start opened, and its end must close
        opening: asyncio.Task[None] | None = None
        try:
            opened.append(await _bootstrap_closed_if_abandoned(settings))
        except SettingsError:
            raise  # a key file that cannot be used: no retry makes it usable
        except Exception as error:
            # A worker (re)started while the store is away keeps serving 503s and opens the
            # store when it is back, rather than failing its start (which would make uvicorn
            # stop every worker).
            logger.warning("cannot open the store yet, trying again in the background: %s", error)
            opening = asyncio.create_task(_open_when_reachable(app, settings, opened))
        else:
            _serve_with(app, opened[0])
        try:
            yield
        finally:
            app.state.shutting_down = True
            if opening is not None:
                opening.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await opening
            for container in opened:
                await container.package_cache.close()
                container.close()

    app = ServiceStarlette(
        routes=routes_of(API),
        middleware=[Middleware(RequestContextMiddleware)],
        exception_handlers={
            ApiError: api_error_handler,
            DomainError: domain_error_handler,
            HTTPException: http_exception_handler,
            DatabaseUnavailableError: unavailable_handler,
        },
        lifespan=lifespan,
    )
    app.state.api = API
    app.state.metrics_multiprocess_dir = metrics_multiprocess_dir
    # A redirect to the path without its slash would be built from the Host header, and
    # would carry neither envelope nor key: an unknown path is a 404 like any other.
    app.router.redirect_slashes = False
    return app


class ServiceStarlette(Starlette):
    """Starlette without its outermost ``ServerErrorMiddleware``: ``RequestContextMiddleware``
    already turns any unhandled exception into a logged 500 in the envelope, and every
    response would otherwise pass through one more wrapper."""

    def build_middleware_stack(self) -> ASGIApp:
        app: ASGIApp = ExceptionMiddleware(self.router, handlers=self.exception_handlers)
        for cls, args, kwargs in reversed(self.user_middleware):
            app = cls(app, *args, **kwargs)
        return app


def _serve_with(app: Starlette, container: Container) -> None:
    container.start()
    app.state.container = container
    settle_after_start_up()


async def _open_when_reachable(app: Starlette, settings: Settings, opened: list[Container]) -> None:
    pause = REOPEN_FIRST_PAUSE_SECONDS
    while True:
        await asyncio.sleep(pause)
        try:
            container = await _bootstrap_closed_if_abandoned(settings)
        except Exception as error:
            logger.info("the store is still unreachable: %s", error)
            pause = min(pause * 2, REOPEN_MAX_PAUSE_SECONDS)
        else:
            opened.append(container)
            _serve_with(app, container)
            logger.warning("the store is reachable again: serving")
            return


async def _bootstrap_closed_if_abandoned(settings: Settings) -> Container:
    """``bootstrap`` in a thread of its own. When the caller is cancelled meanwhile (the app
    stops while the store is being opened), the container the thread goes on to open is
    closed when it is ready, rather than left running with its pools and threads."""
    opened: Future[Container] = Future()

    def run() -> None:
        try:
            opened.set_result(bootstrap(settings, secrets=True))
        except BaseException as error:
            opened.set_exception(error)

    threading.Thread(target=run, name="opening-store", daemon=True).start()
    try:
        return await asyncio.shield(asyncio.wrap_future(opened))
    except asyncio.CancelledError:
        opened.add_done_callback(_close_if_opened)  # now, or in that thread when it ends
        raise


def _close_if_opened(opened: Future[Container]) -> None:
    if opened.exception() is None:
        opened.result().close()


# Starlette tries routes in order: these first, the busiest.
BUSIEST = (("GET", f"{BASE_PATH}/packages/{{package_id}}"), ("POST", f"{BASE_PATH}/packages"))


def _literal_first(path: str) -> tuple[bool, ...]:
    """Per segment, whether it is a parameter: where one path has a word and another a
    parameter in the same place (``/package-deployments/intersected`` and
    ``/package-deployments/{deployment_id}``), the word is tried first."""
    return tuple(segment.startswith("{") for segment in path.split("/"))


def routes_of(api: list[Endpoint]) -> list[Route]:
    """A route for each endpoint (the busiest first, a path's words before parameters),
    and the API's document and docs page."""
    order = {e: ((e.method, e.path) not in BUSIEST, _literal_first(e.path)) for e in api}
    ordered = sorted(api, key=order.__getitem__)
    served = [
        (JsonRoute if e.negotiates_json else Route)(e.path, e.handler, methods=[e.method])
        for e in ordered
    ]
    return served + [Route(path, handler) for path, handler in DOCUMENTATION]


def app_from_environment() -> Starlette:
    """Factory for ``uvicorn --factory`` (run in each worker process): settings and logging
    from this process's environment."""
    settings = Settings.from_env(os.environ)
    configure_logging(settings.log_level)
    return create_app(
        settings, metrics_multiprocess_dir=os.environ.get(MULTIPROCESS_DIR_VARIABLE) or None
    )


async def api_error_handler(request: Request, error: Exception) -> Response:
    assert isinstance(error, ApiError)
    return failure(correlation_id_of(request), error)


async def domain_error_handler(request: Request, error: Exception) -> Response:
    assert isinstance(error, DomainError)
    return failure(correlation_id_of(request), from_domain(error))


async def unavailable_handler(request: Request, error: Exception) -> Response:
    return failure(correlation_id_of(request), store_unavailable())


async def http_exception_handler(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    headers = dict(error.headers or {})
    if error.status_code == 405:
        headers["Allow"] = ", ".join(allowed_methods(request))
    api_error = from_http_status(error.status_code, headers)
    return failure(correlation_id_of(request), api_error)


def allowed_methods(request: Request) -> list[str]:
    """Every method of the path: each method is a route of its own, so the route that
    refused knows only its own."""
    methods: set[str] = set()
    for route in request.app.routes:
        if isinstance(route, Route) and route.path_regex.match(request.url.path):
            methods |= route.methods or set()
    return sorted(methods)
