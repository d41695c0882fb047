"""Users and roles, with argon2id password hashing (argon2-cffi's RFC 9106 defaults)."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from equalqi.registry import audit
from equalqi.registry.access import NotFound, require
from equalqi.registry.models import ROLES, Organisation, User

#: argon2id with OWASP's first recommended configuration (Password Storage Cheat Sheet:
#: 19 MiB of memory, 2 iterations, 1 lane; about 25 ms per hash here). argon2-cffi's own
#: default (64 MiB, 3 iterations, 4 lanes) costs about 130 ms of CPU, so a burst of 10
#: sign-ins a second queued for seconds on two CPUs. Older hashes still verify (their
#: parameters are in the hash) and are upgraded at the next sign-in.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
#: At most one hash per two CPUs at a time, so a burst of sign-ins queues instead of
#: starving every other request of CPU.
_HASH_SLOTS = threading.BoundedSemaphore(max(1, (os.cpu_count() or 2) // 2))
# A hash to verify against when the e-mail is unknown, so timing does not reveal accounts.
_DUMMY = _hasher.hash("equalqi-no-such-user")
MIN_PASSWORD = 12


def hash_password(password: str) -> str:
    with _HASH_SLOTS:
        return _hasher.hash(password)


def verify_password(stored: str, password: str) -> bool:
    try:
        with _HASH_SLOTS:
            return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def create_user(
    session: Session,
    organisation: Organisation,
    email: str,
    name: str,
    role: str,
    password: str,
    *,
    by: User | None = None,
    must_change_password: bool = False,
) -> User:
    """Add a user; ``by`` (an admin of the same organisation) is required except at setup.
    ``must_change_password`` makes ``password`` one-time: the first sign-in must replace it."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"the password must be at least {MIN_PASSWORD} characters")
    if by is not None:
        require(by, "admin")
        if by.organisation_id != organisation.id:
            raise PermissionError("admins manage users of their own organisation only")
    user = User(
        organisation_id=organisation.id,
        email=email.strip().lower(),
        name=name.strip(),
        role=role,
        password_hash=hash_password(password),
        must_change_password=must_change_password,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        by,
        "create",
        "user",
        user.id,
        {"email": user.email, "role": role},
        organisation_id=organisation.id,
    )
    return user


def authenticate(
    session: Session,
    email: str,
    password: str,
    *,
    release: Callable[[], None] | None = None,
) -> User | None:
    """The active user with this e-mail and password, or None (constant-ish time).

    ``release`` is called after the look-up and before the (deliberately slow) hash check:
    the web app passes ``session.commit`` so that no pooled database connection is held while
    a request waits for a hashing slot (a burst of sign-ins must not starve other pages)."""
    user = session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if release is not None:
        release()
    if user is None or not user.active:
        verify_password(_DUMMY, password)
        return None
    if not verify_password(user.password_hash, password):
        audit.record(
            session, None, "sign-in failed", "user", user.id, organisation_id=user.organisation_id
        )
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    audit.record(session, user, "sign in", "user", user.id)
    return user


def get_user(session: Session, user_id: int) -> User | None:
    user = session.get(User, user_id)
    return user if user is not None and user.active else None


def list_users(session: Session, admin: User) -> list[User]:
    """The admin's organisation's users (never another organisation's)."""
    require(admin, "admin")
    return list(
        session.scalars(
            select(User).where(User.organisation_id == admin.organisation_id).order_by(User.name)
        )
    )


def email_taken(session: Session, email: str) -> bool:
    found = session.scalar(select(User.id).where(func.lower(User.email) == email.strip().lower()))
    return found is not None


def change_password(session: Session, user: User, password: str) -> None:
    """Set a new password (clears the must-change flag); the caller ends the sessions."""
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"the password must be at least {MIN_PASSWORD} characters")
    user.password_hash = hash_password(password)
    user.must_change_password = False
    audit.record(session, user, "change password", "user", user.id)


def set_active(session: Session, admin: User, user_id: int, *, active: bool) -> User:
    """Disable or enable a user of the admin's own organisation (another's: NotFound)."""
    require(admin, "admin")
    user = session.scalar(
        select(User).where(User.id == user_id, User.organisation_id == admin.organisation_id)
    )
    if user is None:
        raise NotFound(f"user {user_id}")
    if user.active != active:
        user.active = active
        audit.record(session, admin, "enable" if active else "disable", "user", user.id)
    return user
