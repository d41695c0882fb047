"""Signing in and out, and changing one's password (server-side sessions, throttled).

Sign-in issues a new session token (the pre-session token the form was served with is never
a signed-in one); sign-out ends the session in the registry, so a copied cookie stops
working; a new password ends every session of the user and starts a fresh one.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from equalqi.registry import sessions
from equalqi.registry.models import User
from equalqi.registry.users import MIN_PASSWORD, authenticate, change_password
from equalqi.web import forms
from equalqi.web.deps import DB, Form, Viewer, clock
from equalqi.web.render import page
from equalqi.web.security import verify_csrf
from equalqi.web.session_cookie import replace_token, session_token
from equalqi.web.throttle import BLOCKED_MESSAGE, SignInThrottle

router = APIRouter(include_in_schema=False)
csrf = [Depends(verify_csrf)]
WRONG = "Enter a correct e-mail address and password"


def safe_next(value: Any) -> str:
    """Only paths on this site, query string kept ("//host" and "/\\host" would leave it)."""
    if isinstance(value, str) and re.fullmatch(r"/(?![/\\])[^\s]*", value):
        return value
    return "/projects"


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def check_password(request: Request, session: Session, email: str, password: str) -> User | str:
    """The user, or the message to show: the same for unknown e-mails and wrong passwords,
    and the same "too many attempts" for both once the address or the client is throttled."""
    throttle: SignInThrottle = request.app.state.throttle
    client = client_of(request)
    if throttle.blocked(email, client):
        return BLOCKED_MESSAGE
    user = authenticate(session, email, password, release=session.commit)
    if user is None:
        throttle.failed(email, client)
        return WRONG
    throttle.succeeded(email)
    return user


def begin_session(request: Request, session: Session, user: User) -> None:
    """End the pre-session and start a signed-in one with a new token."""
    sessions.end(session, session_token(request))
    replace_token(request, sessions.start(session, user, clock(request)()))


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_page(request: Request, next: str = "/projects") -> HTMLResponse:
    return page(
        request, "sign_in.html.j2", title="Sign in", problems=[], email="", next=safe_next(next)
    )


@router.post("/sign-in", response_class=HTMLResponse, dependencies=csrf)
def sign_in(request: Request, session: DB, form: Form) -> Response:
    email, password = forms.text(form, "email"), form.get("password")
    found = check_password(request, session, email, password if isinstance(password, str) else "")
    if isinstance(found, str):
        return page(
            request,
            "sign_in.html.j2",
            title="Sign in",
            problems=[{"text": found, "href": "#email"}],
            email=email,
            next=safe_next(form.get("next")),
            status=429 if found == BLOCKED_MESSAGE else 400,
        )
    begin_session(request, session, found)
    return RedirectResponse(safe_next(form.get("next")), status_code=303)


@router.post("/sign-out", dependencies=csrf)
def sign_out(request: Request, session: DB) -> RedirectResponse:
    sessions.end(session, session_token(request))
    replace_token(request, sessions.new_token())
    return RedirectResponse("/sign-in", status_code=303)


def _password_page(
    request: Request, user: User, errors: dict[str, str], status: int = 200
) -> HTMLResponse:
    return page(
        request,
        "account_password.html.j2",
        title="Change your password",
        user=user,
        errors=errors,
        problems=forms.field_items(errors),
        min_length=MIN_PASSWORD,
        status=status,
    )


@router.get("/account/password", response_class=HTMLResponse)
def password_page(request: Request, user: Viewer) -> HTMLResponse:
    return _password_page(request, user, {})


@router.post("/account/password", dependencies=csrf)
def password_change(request: Request, user: Viewer, session: DB, form: Form) -> Response:
    current, new, again = (
        form.get(k) if isinstance(form.get(k), str) else ""
        for k in ("current_password", "new_password", "confirm_password")
    )
    errors: dict[str, str] = {}
    if authenticate(session, user.email, str(current), release=session.commit) is None:
        errors["current_password"] = "Enter your current password"
    if len(str(new)) < MIN_PASSWORD:
        errors["new_password"] = f"The new password must be at least {MIN_PASSWORD} characters"
    elif new == current:
        errors["new_password"] = "Choose a password different from the current one"
    elif new != again:
        errors["confirm_password"] = "The two new passwords are not the same"
    if errors:
        return _password_page(request, user, errors, status=400)
    change_password(session, user, str(new))
    sessions.end_all(session, user.id)
    replace_token(request, sessions.start(session, user, clock(request)()))
    return RedirectResponse("/projects", status_code=303)
