"""Server-side sessions: the cookie carries a random token; the registry keeps its SHA-256,
the user, when it started and when it was last used.

A session ends on sign-out, on a password change, when the user is disabled, after
``idle`` without a request, and ``absolute`` after it started, whatever happens. The clock
is passed in (``now``), so the timeouts are tested without waiting.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import delete
from sqlalchemy.orm import Session

from equalqi.registry.models import SessionRecord, User

#: ``last_seen_at`` is written at most this often (not on every request).
TOUCH_EVERY = dt.timedelta(seconds=60)


def new_token() -> str:
    """A random session token (256 bits), for the cookie only."""
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _aware(value: dt.datetime) -> dt.datetime:
    # SQLite gives back naive datetimes; every time stored here is UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def start(session: Session, user: User, now: dt.datetime) -> str:
    """A new session for ``user``; returns the token to put in the cookie."""
    token = new_token()
    session.add(SessionRecord(id=digest(token), user_id=user.id, created_at=now, last_seen_at=now))
    session.flush()
    return token


def resume(
    session: Session,
    token: str,
    now: dt.datetime,
    *,
    idle: dt.timedelta,
    absolute: dt.timedelta,
) -> User | None:
    """The active user of the session ``token``, or None when there is no such session, it
    has timed out (it is then deleted) or its user is disabled."""
    row = session.get(SessionRecord, digest(token))
    if row is None:
        return None
    user = session.get(User, row.user_id)
    expired = now - _aware(row.created_at) > absolute or now - _aware(row.last_seen_at) > idle
    if expired or user is None or not user.active:
        session.delete(row)
        return None
    if now - _aware(row.last_seen_at) > TOUCH_EVERY:
        row.last_seen_at = now
    return user


def end(session: Session, token: str) -> None:
    session.execute(delete(SessionRecord).where(SessionRecord.id == digest(token)))


def end_all(session: Session, user_id: int) -> int:
    """End every session of a user (password change, disabled account); returns how many."""
    result = session.execute(delete(SessionRecord).where(SessionRecord.user_id == user_id))
    return int(getattr(result, "rowcount", 0) or 0)


def purge(session: Session, now: dt.datetime, *, idle: dt.timedelta, absolute: dt.timedelta) -> int:
    """Delete sessions past either timeout (housekeeping; they are refused anyway)."""
    result = session.execute(
        delete(SessionRecord).where(
            (SessionRecord.created_at < now - absolute) | (SessionRecord.last_seen_at < now - idle)
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
