"""The Jinja2 environment (autoescaping on) and a helper that renders a page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from equalqi.web.security import csrf_token

templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def page(
    request: Request, name: str, *, status: int = 200, user: Any = None, **context: Any
) -> HTMLResponse:
    html = templates.get_template(name).render(
        request_path=request.url.path, user=user, csrf_token=csrf_token(request), **context
    )
    return HTMLResponse(html, status_code=status)
