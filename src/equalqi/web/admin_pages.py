"""Admin actions on the users page: disable or enable a user of one's own organisation (a
disabled user cannot sign in and their sessions end) and the organisation's switch for
showing unsuppressed numbers to its own team (audited with who switched it)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import RedirectResponse

from equalqi.registry import sessions
from equalqi.registry.organisations import set_show_unsuppressed
from equalqi.registry.users import set_active
from equalqi.web import forms
from equalqi.web.deps import DB, Admin, Form
from equalqi.web.security import verify_csrf

router = APIRouter(include_in_schema=False)
csrf = [Depends(verify_csrf)]


@router.post("/users/{user_id}/disable", dependencies=csrf)
def disable_user(user_id: int, user: Admin, session: DB) -> RedirectResponse:
    if user_id == user.id:
        raise HTTPException(status_code=400, detail="You cannot disable your own account.")
    set_active(session, user, user_id, active=False)
    sessions.end_all(session, user_id)
    return RedirectResponse("/users", status_code=303)


@router.post("/users/{user_id}/enable", dependencies=csrf)
def enable_user(user_id: int, user: Admin, session: DB) -> RedirectResponse:
    set_active(session, user, user_id, active=True)
    return RedirectResponse("/users", status_code=303)


@router.post("/organisation/unsuppressed", dependencies=csrf)
def switch_unsuppressed(user: Admin, session: DB, form: Form) -> RedirectResponse:
    value = forms.text(form, "show_unsuppressed")
    if value not in ("on", "off"):
        raise HTTPException(status_code=400, detail="Choose on or off.")
    set_show_unsuppressed(session, user, value == "on")
    return RedirectResponse("/users", status_code=303)
