"""Each user's answers to the guide's exercises (``/learn``): stored and read, never checked.

Checking an answer against the guide is the learning service's job
(:mod:`equalqi.services.learning`); this store keeps what was chosen and whether it was
right. A user reads only their own attempts: every function takes the acting user and
filters by their id, so no one (not even an admin) sees another person's answers here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from equalqi.registry.access import require
from equalqi.registry.models import LearningAttempt, User, utcnow


def record_attempt(
    session: Session,
    user: User,
    exercise_id: str,
    chosen: Iterable[str],
    *,
    correct: bool,
    at: dt.datetime | None = None,
) -> LearningAttempt:
    """Store one checked answer of ``user`` (any role may learn)."""
    require(user, "viewer")
    attempt = LearningAttempt(
        user_id=user.id,
        exercise_id=exercise_id,
        chosen=sorted(set(chosen)),
        correct=correct,
        at=at or utcnow(),
    )
    session.add(attempt)
    session.flush()
    return attempt


def attempts(session: Session, user: User) -> list[LearningAttempt]:
    """Every answer ``user`` gave, oldest first."""
    require(user, "viewer")
    return list(
        session.scalars(
            select(LearningAttempt)
            .where(LearningAttempt.user_id == user.id)
            .order_by(LearningAttempt.at, LearningAttempt.id)
        )
    )


def latest_attempts(session: Session, user: User) -> dict[str, LearningAttempt]:
    """Exercise id -> the last answer ``user`` gave to it."""
    latest: dict[str, LearningAttempt] = {}
    for attempt in attempts(session, user):
        latest[attempt.exercise_id] = attempt  # oldest first: the last one wins
    return latest


def solved(session: Session, user: User) -> frozenset[str]:
    """Exercise ids ``user`` has answered correctly at least once."""
    require(user, "viewer")
    rows = session.scalars(
        select(LearningAttempt.exercise_id)
        .where(LearningAttempt.user_id == user.id, LearningAttempt.correct.is_(True))
        .distinct()
    )
    return frozenset(rows)
