"""The session cookie: a random token and nothing else, plus ``Cache-Control: no-store``.

The pure ASGI middleware reads the ``equalqi_session`` cookie into the request state (or
makes a fresh random token for a visitor who has none: the *pre-session* that the sign-in
form's CSRF token is bound to) and sets the cookie when it is new or was replaced (sign-in,
sign-out and password change issue a new token, so a token seen before sign-in is never a
signed-in one). What the token means — who is signed in, since when — is only in the
registry's ``sessions`` table (:mod:`equalqi.registry.sessions`), looked up by the sync
``current_user`` dependency.

Every response except static assets gets ``Cache-Control: no-store``, so no signed-in page
is kept by the browser or a proxy.
"""

from __future__ import annotations

import re
from http.cookies import SimpleCookie

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from equalqi.registry.sessions import new_token

COOKIE = "equalqi_session"
_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{43}")
_STATIC = ("/static/", "/assets/")


def session_token(request: Request) -> str:
    """This request's session token (the cookie's, or the one just issued)."""
    return str(request.state.session_token)


def replace_token(request: Request, token: str) -> None:
    """Send ``token`` as the new cookie with this response (sign-in, sign-out, new password)."""
    request.state.session_token = token
    request.state.session_replaced = True


class SessionCookie:
    def __init__(self, app: ASGIApp, *, secure: bool) -> None:
        self.app = app
        self.secure = secure

    def _read(self, scope: Scope) -> str | None:
        for name, value in scope.get("headers", []):
            if name == b"cookie":
                jar: SimpleCookie = SimpleCookie()
                try:
                    jar.load(value.decode("latin-1"))
                except Exception:
                    return None
                morsel = jar.get(COOKIE)
                if morsel is not None and _TOKEN_RE.fullmatch(morsel.value):
                    return morsel.value
        return None

    def _cookie(self, token: str) -> bytes:
        parts = [f"{COOKIE}={token}", "Path=/", "HttpOnly", "SameSite=Lax"]
        if self.secure:
            parts.append("Secure")
        return "; ".join(parts).encode("latin-1")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        if path.startswith(_STATIC):
            await self.app(scope, receive, send)
            return
        sent = self._read(scope)
        state = scope.setdefault("state", {})
        state["session_token"] = sent or new_token()
        state["session_replaced"] = sent is None

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() != b"cache-control"
                ]
                headers.append((b"cache-control", b"no-store"))
                if state.get("session_replaced"):
                    headers.append((b"set-cookie", self._cookie(state["session_token"])))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_cookie)
