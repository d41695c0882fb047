"""Request dependencies: the database session, the signed-in user, role checks, the form.

The concurrency rule (see ``docs/web.md``): every route and every dependency that touches
the database is a plain ``def``, so FastAPI runs it in its thread pool and the event loop
never waits on SQLAlchemy. The only ``async`` dependencies read the request body
(:func:`form_body`, the CSRF check) and touch no database. Heavy work (an analysis) is a
job (:mod:`equalqi.services.jobs`), never part of a request.

Every route depends on :func:`role` (viewer, editor or admin), so no route forgets a check.
Pages send a visitor who is not signed in to the sign-in page; the API answers 401.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from equalqi.registry import sessions
from equalqi.registry.access import Forbidden, require
from equalqi.registry.db import Registry
from equalqi.registry.models import User
from equalqi.web.session_cookie import session_token
from equalqi.web.settings import Settings


class SignInRequired(Exception):
    """Raised for pages when nobody is signed in (handled as a redirect)."""


class PasswordChangeRequired(Exception):
    """Raised for pages while the user still has a one-time password (a redirect)."""


#: Pages a user with a one-time password may still use.
_BEFORE_NEW_PASSWORD = frozenset({"/account/password", "/sign-out"})


def registry(request: Request) -> Registry:
    reg: Registry = request.app.state.registry
    return reg


def settings(request: Request) -> Settings:
    value: Settings = request.app.state.settings
    return value


def db(request: Request) -> Iterator[Session]:
    """One session per request, committed when the route returns without an error (sync:
    it runs in the thread pool like the route that uses it)."""
    session = registry(request).session()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


#: The session dependency, ended (committed) when the route returns and *before* the response
#: is sent: with FastAPI's default ("request" scope) the commit came after the response, so a
#: browser following a redirect (sign-in, a new project) could ask before the row existed.
SESSION = Depends(db, scope="function")


def clock(request: Request) -> Callable[[], dt.datetime]:
    """The app's clock (``app.state.clock``; tests put a clock they move by hand there)."""
    now: Callable[[], dt.datetime] = request.app.state.clock
    return now


def current_user(request: Request, session: Annotated[Session, SESSION]) -> User:
    """The user of this request's server-side session (ended when timed out or disabled)."""
    cfg = settings(request)
    user = sessions.resume(
        session,
        session_token(request),
        clock(request)(),
        idle=dt.timedelta(seconds=cfg.session_idle_seconds),
        absolute=dt.timedelta(seconds=cfg.session_max_age),
    )
    api = request.url.path.startswith("/api/")
    if user is None:
        if api:
            raise HTTPException(status_code=401, detail="Sign in first.")
        raise SignInRequired()
    if user.must_change_password and request.url.path not in _BEFORE_NEW_PASSWORD:
        if api:
            raise HTTPException(
                status_code=403, detail="Change your one-time password at /account/password."
            )
        raise PasswordChangeRequired()
    return user


def role(name: str) -> Callable[..., User]:
    """Dependency factory: the signed-in user, who must hold at least role ``name``."""

    def check(user: Annotated[User, Depends(current_user)]) -> User:
        try:
            require(user, name)
        except Forbidden as exc:
            raise HTTPException(status_code=403, detail=str(exc)) from exc
        return user

    return check


async def form_body(request: Request) -> FormData:
    """The submitted form (url-encoded or multipart; parsed once and cached on the request).

    The one thing a route needs to ``await``; with it as a dependency the route itself stays
    a plain ``def`` and its database work runs in the thread pool."""
    return await request.form()


viewer = role("viewer")
editor = role("editor")
admin = role("admin")
Viewer = Annotated[User, Depends(viewer)]
Editor = Annotated[User, Depends(editor)]
Admin = Annotated[User, Depends(admin)]
DB = Annotated[Session, SESSION]
Cfg = Annotated[Settings, Depends(settings)]
Form = Annotated[FormData, Depends(form_body)]
