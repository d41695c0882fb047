"""Learning progress on SQLite and PostgreSQL: attempts kept in order, the latest per
exercise, what was solved, and one user never reads another's answers."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from equalqi.registry import learning
from equalqi.registry.db import Registry
from equalqi.registry.models import LearningAttempt, User
from equalqi.registry.organisations import create_organisation
from equalqi.registry.users import create_user

PASSWORD = "a long enough password"
T0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)


def _people(session: Session) -> dict[str, User]:
    a = create_organisation(session, "Org A")
    b = create_organisation(session, "Org B")
    return {
        "a-viewer": create_user(session, a, "vi@a.nhs.uk", "Vi", "viewer", PASSWORD),
        "a-admin": create_user(session, a, "ad@a.nhs.uk", "Ad", "admin", PASSWORD),
        "b-editor": create_user(session, b, "ed@b.nhs.uk", "Eb", "editor", PASSWORD),
    }


def test_attempts_are_kept_in_order_with_what_was_chosen(registry: Registry) -> None:
    with registry.session() as s, s.begin():
        people = _people(s)
        vi = people["a-viewer"]
        # A viewer (the least role) may learn; chosen keys are stored sorted and once.
        learning.record_attempt(s, vi, "m3-special", ["b", "a", "b"], correct=False, at=T0)
        learning.record_attempt(
            s, vi, "m3-special", ["a"], correct=True, at=T0 + dt.timedelta(minutes=1)
        )
        learning.record_attempt(
            s, vi, "m4-sii", ["c"], correct=False, at=T0 + dt.timedelta(minutes=2)
        )
    with registry.session() as s:
        vi = s.scalars(select(User).where(User.email == "vi@a.nhs.uk")).one()
        got = learning.attempts(s, vi)
        assert [(a.exercise_id, a.chosen, a.correct) for a in got] == [
            ("m3-special", ["a", "b"], False),
            ("m3-special", ["a"], True),
            ("m4-sii", ["c"], False),
        ]
        # The stored time is the one given (PostgreSQL keeps the zone; SQLite drops it).
        assert got[0].at.replace(tzinfo=None) == T0.replace(tzinfo=None)
        latest = learning.latest_attempts(s, vi)
        assert {k: v.chosen for k, v in latest.items()} == {"m3-special": ["a"], "m4-sii": ["c"]}
        # Solved: right at least once, even if a later answer were wrong.
        assert learning.solved(s, vi) == frozenset({"m3-special"})


def test_a_later_wrong_answer_does_not_unsolve(registry: Registry) -> None:
    with registry.session() as s, s.begin():
        vi = _people(s)["a-viewer"]
        learning.record_attempt(s, vi, "m1-x", ["a"], correct=True, at=T0)
        learning.record_attempt(s, vi, "m1-x", ["b"], correct=False, at=T0 + dt.timedelta(1))
        assert learning.solved(s, vi) == frozenset({"m1-x"})
        assert learning.latest_attempts(s, vi)["m1-x"].correct is False


def test_one_user_never_reads_anothers_answers(registry: Registry) -> None:
    with registry.session() as s, s.begin():
        people = _people(s)
        learning.record_attempt(s, people["a-viewer"], "m2-a", ["a"], correct=True, at=T0)
        learning.record_attempt(s, people["b-editor"], "m2-b", ["b"], correct=True, at=T0)
        # Same organisation, higher role: still only one's own answers.
        assert learning.attempts(s, people["a-admin"]) == []
        assert learning.solved(s, people["a-admin"]) == frozenset()
        assert [a.exercise_id for a in learning.attempts(s, people["b-editor"])] == ["m2-b"]
        assert learning.solved(s, people["a-viewer"]) == frozenset({"m2-a"})
        assert s.scalar(select(func.count()).select_from(LearningAttempt)) == 2
