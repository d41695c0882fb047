"""Security plumbing: CSRF tokens, security headers and the request-size limit.

* CSRF: a token bound to the session (an HMAC of its random token), sent back in a hidden
  ``csrf_token`` field by every form or in an ``X-CSRF-Token`` header by API clients,
  compared in constant time on every POST.
* Headers: a Content-Security-Policy with no inline or remote scripts, framing denied,
  ``nosniff``, a strict referrer policy.
* Size: a request whose ``Content-Length`` exceeds the upload limit is refused with 413
  before its body is read (the upload service also counts bytes as it streams).
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from fastapi import HTTPException, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",  # vega-embed adds a <style> element; no scripts
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
)


def csrf_token(request: Request) -> str:
    """The CSRF token of this request's session: an HMAC of the session token under the
    app's secret key (so it needs no storage, and changes when the session token does)."""
    from equalqi.web.session_cookie import session_token

    key = request.app.state.settings.secret_key.encode("utf-8")
    message = b"csrf:" + session_token(request).encode("ascii")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


async def verify_csrf(request: Request) -> None:
    """Dependency for every POST: the session's token must come back in a field or header."""
    expected = csrf_token(request)
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    if not _same(expected, sent):
        raise HTTPException(status_code=403, detail="csrf")


class SecurityHeaders:
    """Pure ASGI middleware adding the security headers to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers.extend(h for h in HEADERS if h[0] not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimit:
    """Refuse requests whose declared or streamed body exceeds ``limit`` bytes with 413."""

    def __init__(self, app: ASGIApp, limit: int, page: Any) -> None:
        self.app = app
        self.limit = limit
        self.page = page  # callable(scope) -> Response for the 413

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(scope, receive, send)
            return
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge()
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = self.page(scope)
        await response(scope, receive, send)


class _TooLarge(Exception):
    pass
