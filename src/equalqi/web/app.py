"""The FastAPI app factory: middleware, error pages, static assets and the routers."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.types import Scope

from equalqi import __version__
from equalqi.registry import sessions
from equalqi.registry.access import Forbidden, NotFound
from equalqi.registry.db import Registry, open_registry
from equalqi.registry.models import utcnow
from equalqi.services.jobs import JobRunner, fail_orphaned_jobs
from equalqi.services.learning import Learning
from equalqi.web.deps import PasswordChangeRequired, SignInRequired
from equalqi.web.render import templates
from equalqi.web.security import BodyLimit, SecurityHeaders
from equalqi.web.session_cookie import SessionCookie
from equalqi.web.settings import Settings
from equalqi.web.throttle import SignInThrottle

STATIC = Path(__file__).parent / "static"

_MESSAGES = {
    401: ("Sign in first", "You need to sign in to see this page."),
    403: (
        "You cannot do this",
        "Your role does not allow this, or the form had expired. "
        "Go back, reload the page and try again, or ask an admin of your organisation.",
    ),
    404: ("Page not found", "Check the address, or go back to your projects."),
    413: ("The file is too large", ""),
}


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    app.state.jobs.shutdown()  # waits for running analyses to finish


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app: open (and migrate) the registry, mount assets, add the routers."""
    from equalqi.web import (
        account,
        admin_pages,
        api,
        board,
        job_pages,
        learn,
        pages,
        project_changes,
    )

    settings = settings or Settings.from_env()
    app = FastAPI(
        lifespan=_lifespan,
        title="equalqi",
        version=__version__,
        description="JSON API of the equalqi registry: projects, datasets, analyses, "
        "assessments. Sign in with POST /api/session; send the CSRF token it returns in the "
        "X-CSRF-Token header of every POST.",
        docs_url=None,  # the Swagger UI loads scripts from a CDN; /openapi.json is served
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.settings = settings
    app.state.registry = open_registry(settings.database_url, data_dir=settings.data_dir)
    fail_orphaned_jobs(app.state.registry)
    _purge_sessions(app.state.registry, settings)
    app.state.clock = utcnow
    app.state.throttle = SignInThrottle()
    app.state.jobs = JobRunner(
        settings.database_url,
        settings.data_dir,
        workers=settings.job_workers,
        board=settings.board_pack,
    )
    # The guide (/learn): read on first use; its demo figures and answers built once per
    # process and cached under the data folder (equalqi.services.learning).
    app.state.learning = Learning(settings.data_dir / "guide-cache")
    limit = settings.max_upload_bytes

    def too_large(scope: Scope) -> Response:
        mb = limit / (1024 * 1024)
        if str(scope.get("path", "")).startswith("/api/"):
            return JSONResponse({"detail": f"The file is larger than {mb:,.0f} MB."}, 413)
        return HTMLResponse(
            templates.get_template("error.html.j2").render(
                title="The file is too large",
                message=f"The largest file you can upload is {mb:,.0f} MB. Split the extract "
                "into smaller date ranges, or save it as Parquet, which is smaller.",
                user=None,
                csrf_token="",
                status=413,
            ),
            status_code=413,
        )

    app.add_middleware(BodyLimit, limit=limit + 64 * 1024, page=too_large)
    app.add_middleware(SessionCookie, secure=settings.secure_cookies)
    app.add_middleware(SecurityHeaders)
    app.state.too_large = too_large

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    # The NHS.UK CSS refers to its icons at /assets/images/...
    if (STATIC / "vendor" / "assets").is_dir():
        app.mount("/assets", StaticFiles(directory=STATIC / "vendor" / "assets"), name="assets")

    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, _exc: SignInRequired) -> Response:
        # The deep link survives sign-in with its query string.
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/sign-in?next={quote(here, safe='/')}", status_code=303)

    @app.exception_handler(PasswordChangeRequired)
    async def _new_password(_request: Request, _exc: PasswordChangeRequired) -> Response:
        return RedirectResponse("/account/password", status_code=303)

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, _exc: NotFound) -> Response:
        return _error(request, 404)

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, _exc: Forbidden) -> Response:
        return _error(request, 403)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        return _error(request, exc.status_code, exc.detail)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": exc.errors()}, status_code=422)
        return _error(request, 400, "The request was not understood.")

    app.include_router(account.router)
    app.include_router(pages.router)
    app.include_router(job_pages.router)
    app.include_router(admin_pages.router)
    app.include_router(project_changes.router)
    app.include_router(board.router)
    app.include_router(learn.router)
    app.include_router(api.router)
    return app


def _purge_sessions(registry: Registry, settings: Settings) -> None:
    """Housekeeping at start: delete sessions past either timeout (refused anyway)."""
    with registry.session() as session, session.begin():
        sessions.purge(
            session,
            utcnow(),
            idle=dt.timedelta(seconds=settings.session_idle_seconds),
            absolute=dt.timedelta(seconds=settings.session_max_age),
        )


def _error(request: Request, status: int, detail: Any = None) -> Response:
    if _wants_json(request):
        return JSONResponse({"detail": detail or _MESSAGES.get(status, ("Error", ""))[0]}, status)
    title, message = _MESSAGES.get(status, ("Something went wrong", str(detail or "")))
    if status == 403 and detail == "csrf":
        message = (
            "The form had expired or was not sent from this site. Go back, reload "
            "the page and try again."
        )
    return HTMLResponse(
        templates.get_template("error.html.j2").render(
            title=title, message=message, user=None, csrf_token="", status=status
        ),
        status_code=status,
    )
