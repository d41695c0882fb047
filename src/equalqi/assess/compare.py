"""What changed between two assessments, usually the planning one and the review one.

HEAT ends with a *review* stage: look again at the equity questions once the work is under
way or finished, and see what has improved. This module lines the two assessments up by
question, statement and cluster id and says, for each, whether it got better, worse or stayed
the same:

* an answer is *better* when its answer score rose (e.g. no -> partly -> yes for a protective
  question), *worse* when it fell;
* a mechanism that tends to increase inequalities is *better* when its risk ``R`` fell; one
  that tends to reduce them is *better* when its presence ``P`` rose;
* a cluster is *better* when its risk level fell (high -> medium -> low); at the same level
  its score decides.

Items found in only one of the two (the theory changed between them) are reported as *added*
or *removed* and never counted as better or worse. ``same_theory`` says whether both used the
identical theory (same fingerprint).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from .answers import Assessment
from .assessment import (
    RISK_ORDER,
    MechanismResult,
    QuestionResult,
    RiskProfile,
    score_assessment,
)

Direction = Literal["better", "worse", "same", "added", "removed"]


def _direction(before: float | None, after: float | None, higher_is_better: bool) -> Direction:
    if before is None:
        return "added"
    if after is None:
        return "removed"
    if np.isclose(before, after):
        return "same"
    return "better" if (after > before) == higher_is_better else "worse"


@dataclass(frozen=True)
class AnswerChange:
    question_id: str
    text: str
    before: str | None  # answer value, "unanswered", or None if the question was not asked
    after: str | None
    score_before: float | None
    score_after: float | None
    direction: Direction

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class MechanismChange:
    statement_id: str
    cluster_id: str
    tends_to: str
    plain: str | None
    before: str | None
    after: str | None
    level_before: float | None
    level_after: float | None
    direction: Direction

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class ClusterChange:
    cluster_id: str
    name: str
    risk_before: str | None
    risk_after: str | None
    score_before: float | None
    score_after: float | None
    direction: Direction

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Comparison:
    """Planning (``before``) against review (``after``)."""

    before: RiskProfile
    after: RiskProfile
    same_theory: bool
    clusters: tuple[ClusterChange, ...]
    mechanisms: tuple[MechanismChange, ...]
    answers: tuple[AnswerChange, ...]
    overall: Direction

    @property
    def resolved(self) -> tuple[MechanismChange, ...]:
        """Risks that were triggered (fully or partly) before and are not triggered now."""
        return tuple(
            m
            for m in self.mechanisms
            if m.before in ("triggered", "partly_triggered") and m.after == "not_triggered"
        )

    @property
    def new_risks(self) -> tuple[MechanismChange, ...]:
        """Risks triggered now (fully or partly) that were not triggered before."""
        return tuple(
            m
            for m in self.mechanisms
            if m.after in ("triggered", "partly_triggered") and m.before == "not_triggered"
        )

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([c.to_dict() for c in self.clusters])

    def to_dict(self) -> dict[str, Any]:
        return {
            "before": {
                "stage": self.before.stage,
                "created_at": self.before.created_at.isoformat(),
                "overall_risk": self.before.overall_risk,
                "score": self.before.score,
                "theory": self.before.theory,
            },
            "after": {
                "stage": self.after.stage,
                "created_at": self.after.created_at.isoformat(),
                "overall_risk": self.after.overall_risk,
                "score": self.after.score,
                "theory": self.after.theory,
            },
            "same_theory": self.same_theory,
            "overall": self.overall,
            "clusters": [c.to_dict() for c in self.clusters],
            "mechanisms": [m.to_dict() for m in self.mechanisms],
            "answers": [a.to_dict() for a in self.answers],
            "resolved": [m.statement_id for m in self.resolved],
            "new_risks": [m.statement_id for m in self.new_risks],
        }


def compare_assessments(before: Assessment, after: Assessment) -> Comparison:
    """Compare two assessments (typically planning, then review) item by item."""
    return compare_profiles(
        score_assessment(before),
        score_assessment(after),
        same_theory=before.theory.fingerprint == after.theory.fingerprint,
    )


def compare_profiles(before: RiskProfile, after: RiskProfile, *, same_theory: bool) -> Comparison:
    """Compare two scored assessments (see :func:`compare_assessments`)."""
    clusters = _cluster_changes(before, after)
    mechanisms = _mechanism_changes(before, after)
    answers = _answer_changes(before, after)
    rank_b, rank_a = RISK_ORDER[before.overall_risk], RISK_ORDER[after.overall_risk]
    if rank_a != rank_b:
        overall: Direction = "better" if rank_a < rank_b else "worse"
    else:
        overall = _direction(before.score, after.score, higher_is_better=True)
    return Comparison(before, after, same_theory, clusters, mechanisms, answers, overall)


def _keyed_union(first: list[str], second: list[str]) -> list[str]:
    return first + [k for k in second if k not in set(first)]


def _cluster_changes(before: RiskProfile, after: RiskProfile) -> tuple[ClusterChange, ...]:
    b = {c.cluster_id: c for c in before.clusters}
    a = {c.cluster_id: c for c in after.clusters}
    out = []
    for cid in _keyed_union(list(b), list(a)):
        cb, ca = b.get(cid), a.get(cid)
        if cb is not None and ca is not None and cb.risk != ca.risk:
            direction: Direction = (
                "better" if RISK_ORDER[ca.risk] < RISK_ORDER[cb.risk] else "worse"
            )
        else:
            direction = _direction(
                cb.score if cb else None, ca.score if ca else None, higher_is_better=True
            )
        out.append(
            ClusterChange(
                cluster_id=cid,
                name=ca.name if ca is not None else cb.name if cb is not None else cid,
                risk_before=cb.risk if cb else None,
                risk_after=ca.risk if ca else None,
                score_before=cb.score if cb else None,
                score_after=ca.score if ca else None,
                direction=direction,
            )
        )
    return tuple(out)


def _mechanisms(profile: RiskProfile) -> dict[str, MechanismResult]:
    return {m.statement_id: m for c in profile.clusters for m in c.mechanisms}


def _mechanism_changes(before: RiskProfile, after: RiskProfile) -> tuple[MechanismChange, ...]:
    b, a = _mechanisms(before), _mechanisms(after)
    out = []
    for sid in _keyed_union(list(b), list(a)):
        mb, ma = b.get(sid), a.get(sid)
        ref = ma or mb
        assert ref is not None
        out.append(
            MechanismChange(
                statement_id=sid,
                cluster_id=ref.cluster_id,
                tends_to=ref.tends_to,
                plain=ref.plain,
                before=mb.status if mb else None,
                after=ma.status if ma else None,
                level_before=mb.level if mb else None,
                level_after=ma.level if ma else None,
                direction=_direction(
                    mb.level if mb else None,
                    ma.level if ma else None,
                    higher_is_better=ref.tends_to != "increase",
                ),
            )
        )
    return tuple(out)


def _answer_changes(before: RiskProfile, after: RiskProfile) -> tuple[AnswerChange, ...]:
    def questions(p: RiskProfile) -> dict[str, QuestionResult]:
        return {q.question_id: q for m in _mechanisms(p).values() for q in m.questions}

    b, a = questions(before), questions(after)
    out = []
    for qid in _keyed_union(list(b), list(a)):
        qb, qa = b.get(qid), a.get(qid)
        ref = qa if qa is not None else qb
        assert ref is not None
        out.append(
            AnswerChange(
                question_id=qid,
                text=ref.text,
                before=(qb.answer or "unanswered") if qb else None,
                after=(qa.answer or "unanswered") if qa else None,
                score_before=qb.score if qb else None,
                score_after=qa.score if qa else None,
                direction=_direction(
                    qb.score if qb else None, qa.score if qa else None, higher_is_better=True
                ),
            )
        )
    return tuple(out)


def days_between(before: RiskProfile, after: RiskProfile) -> int:
    """Whole days from the first assessment to the second."""
    delta: dt.timedelta = after.created_at - before.created_at
    return delta.days
