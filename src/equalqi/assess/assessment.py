"""Score an assessment: which mechanisms are triggered, and each cluster's risk of widening gaps.

The rule is deliberately simple, so a team can check it by hand (worked examples in
``docs/programme-theory.md`` and ``tests/assess``).

1. **Answer score** (how far an answer protects equity). For a ``protective`` question
   yes = 1, partly = 0.5, no = 0, don't know = 0. For a ``risk`` question (where *yes* means
   the risky situation is present) yes = 0, partly = 0.5, no = 1, don't know = 0. A question
   left unanswered scores as *don't know*: what a team does not know it cannot rely on.

2. **Mechanisms that tend to increase inequalities** are *triggered* when their risky context
   is present and the safeguards are not in place (the realist C + M -> O logic):

   * exposure ``E`` = the largest ``1 - score`` over its ``risk`` questions (1 if it has none:
     the context is assumed present);
   * safeguard ``S`` = the smallest score over its ``protective`` questions (0 if it has none);
   * risk ``R = E x (1 - S)``: ``R = 1`` *triggered*, ``0 < R < 1`` *partly triggered*,
     ``R = 0`` *not triggered*.

3. **Mechanisms that tend to reduce inequalities** are *present* to the degree
   ``P`` = the mean score of their questions: ``P = 1`` *present*, ``0 < P < 1``
   *partly present*, ``P = 0`` *absent*.

4. **Cluster risk** that the project widens inequalities:

   * **high** if any increasing mechanism is triggered, or the cluster has reducing
     mechanisms and every one of them is absent;
   * **low** if no increasing mechanism is triggered or partly triggered and every reducing
     mechanism is fully present;
   * **medium** otherwise.

   The cluster's *score* is the mean answer score of its questions (0-100%). The overall risk
   is the highest cluster risk.

5. **Recommended actions** are the suggested actions of every question that scored below 1
   in a mechanism that is triggered (priority 1), absent (2) or partly triggered / partly
   present (3), in theory order, without repeats.

Scores are computed with numpy over all questions at once; the loops that remain only build
the result objects.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .answers import ANSWER_WORDS, AnswerValue, Assessment, Stage
from .theory import Cluster, Statement

RiskLevel = Literal["high", "medium", "low"]
MechanismStatus = Literal[
    "triggered", "partly_triggered", "not_triggered", "present", "partly_present", "absent"
]
RISK_ORDER: dict[str, int] = {"low": 0, "medium": 1, "high": 2}

SCORE_METHOD = (
    "mean answer score: yes = 1, partly = 0.5, no = 0, don't know or unanswered = 0 "
    "(reversed for questions where 'yes' is the risk)"
)
RISK_METHOD = (
    "equalqi rule v1: an increasing mechanism is triggered when its risky context is present "
    "and its safeguards are not (R = E x (1 - S)); a reducing mechanism is present to the "
    "degree of its mean answer score; cluster risk is high if any increasing mechanism is "
    "triggered or every reducing mechanism is absent, low if none is triggered or partly "
    "triggered and every reducing mechanism is present, otherwise medium"
)

# answer code order: yes, partly, no, dont_know, unanswered
_CODES = {"yes": 0, "partly": 1, "no": 2, "dont_know": 3}
_UNANSWERED = 4
_PROTECTIVE_SCORE = np.array([1.0, 0.5, 0.0, 0.0, 0.0])
_RISK_SCORE = np.array([0.0, 0.5, 1.0, 0.0, 0.0])


@dataclass(frozen=True)
class QuestionResult:
    """One question's answer and its score."""

    question_id: str
    text: str
    polarity: str
    answer: AnswerValue | None  # None: not answered (scored as don't know)
    score: float
    note: str | None = None
    evidence: tuple[str, ...] = ()

    @property
    def answer_words(self) -> str:
        return ANSWER_WORDS[self.answer] if self.answer else "not answered"

    def to_dict(self) -> dict[str, Any]:
        return {
            "question_id": self.question_id,
            "text": self.text,
            "polarity": self.polarity,
            "answer": self.answer,
            "answer_words": self.answer_words,
            "score": self.score,
            "note": self.note,
            "evidence": list(self.evidence),
        }


@dataclass(frozen=True)
class MechanismResult:
    """A statement's status given the answers, and the answers that explain it."""

    statement_id: str
    cluster_id: str
    tends_to: str
    status: MechanismStatus
    level: float  # risk R for increasing mechanisms, presence P for reducing ones
    level_method: str
    context: str
    mechanism: str
    outcome: str
    plain: str | None
    sources: tuple[str, ...]
    why: tuple[QuestionResult, ...]  # the answers that made it triggered / not present
    questions: tuple[QuestionResult, ...]
    label: str | None = None  # the statement's own label, e.g. "CMOC 4", when the theory has one

    def to_dict(self) -> dict[str, Any]:
        return {
            "statement_id": self.statement_id,
            "cluster_id": self.cluster_id,
            "tends_to": self.tends_to,
            "status": self.status,
            "level": self.level,
            "level_method": self.level_method,
            "context": self.context,
            "mechanism": self.mechanism,
            "outcome": self.outcome,
            "plain": self.plain,
            "sources": list(self.sources),
            "why": [q.question_id for q in self.why],
            "questions": [q.to_dict() for q in self.questions],
        }


@dataclass(frozen=True)
class Recommendation:
    """A suggested action, why it is suggested, and how urgent it is (1 = most)."""

    priority: int
    action: str
    cluster_id: str
    statement_id: str
    question_id: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "priority": self.priority,
            "action": self.action,
            "cluster_id": self.cluster_id,
            "statement_id": self.statement_id,
            "question_id": self.question_id,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class ClusterProfile:
    """Risk that the project widens inequalities, for one cluster."""

    cluster_id: str
    name: str
    risk: RiskLevel
    reasons: tuple[str, ...]
    score: float
    score_method: str
    n_questions: int
    n_dont_know: int
    n_unanswered: int
    mechanisms: tuple[MechanismResult, ...]

    def with_status(self, *statuses: str) -> tuple[MechanismResult, ...]:
        return tuple(m for m in self.mechanisms if m.status in statuses)

    def to_dict(self) -> dict[str, Any]:
        return {
            "cluster_id": self.cluster_id,
            "name": self.name,
            "risk": self.risk,
            "reasons": list(self.reasons),
            "score": self.score,
            "score_method": self.score_method,
            "n_questions": self.n_questions,
            "n_dont_know": self.n_dont_know,
            "n_unanswered": self.n_unanswered,
            "triggered": [m.statement_id for m in self.with_status("triggered")],
            "partly_triggered": [m.statement_id for m in self.with_status("partly_triggered")],
            "present": [m.statement_id for m in self.with_status("present")],
            "partly_present": [m.statement_id for m in self.with_status("partly_present")],
            "absent": [m.statement_id for m in self.with_status("absent")],
            "mechanisms": [m.to_dict() for m in self.mechanisms],
        }


@dataclass(frozen=True)
class RiskProfile:
    """The scored assessment: per-cluster risk, mechanisms, recommended actions."""

    stage: Stage
    created_at: dt.datetime
    project: str | None
    theory: dict[str, Any]  # identity of the theory scored against
    clusters: tuple[ClusterProfile, ...]
    overall_risk: RiskLevel
    score: float
    recommendations: tuple[Recommendation, ...]
    method: str = RISK_METHOD
    score_method: str = SCORE_METHOD

    def cluster(self, cluster_id: str) -> ClusterProfile:
        for c in self.clusters:
            if c.cluster_id == cluster_id:
                return c
        raise KeyError(cluster_id)

    def mechanism(self, statement_id: str) -> MechanismResult:
        for c in self.clusters:
            for m in c.mechanisms:
                if m.statement_id == statement_id:
                    return m
        raise KeyError(statement_id)

    def to_frame(self) -> pd.DataFrame:
        """One row per cluster: risk, score and counts of mechanisms by status."""
        return pd.DataFrame(
            [
                {
                    "cluster_id": c.cluster_id,
                    "cluster": c.name,
                    "risk": c.risk,
                    "score": c.score,
                    "score_method": c.score_method,
                    "triggered": len(c.with_status("triggered")),
                    "partly_triggered": len(c.with_status("partly_triggered")),
                    "present": len(c.with_status("present")),
                    "partly_present": len(c.with_status("partly_present")),
                    "absent": len(c.with_status("absent")),
                    "dont_know": c.n_dont_know,
                    "unanswered": c.n_unanswered,
                }
                for c in self.clusters
            ]
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "created_at": self.created_at.isoformat(),
            "project": self.project,
            "theory": dict(self.theory),
            "overall_risk": self.overall_risk,
            "score": self.score,
            "score_method": self.score_method,
            "method": self.method,
            "clusters": [c.to_dict() for c in self.clusters],
            "recommendations": [r.to_dict() for r in self.recommendations],
        }


# --------------------------------------------------------------------------- calculation


@dataclass(frozen=True)
class _Arrays:
    """Per-question arrays in theory order."""

    code: NDArray[np.int64]
    risk_q: NDArray[np.bool_]
    statement: NDArray[np.int64]
    cluster: NDArray[np.int64]
    score: NDArray[np.float64]


def _arrays(assessment: Assessment) -> _Arrays:
    rows = list(assessment.theory.questions())
    clusters = {c.id: i for i, c in enumerate(assessment.theory.clusters)}
    statements = {s.id: i for i, (_, s) in enumerate(assessment.theory.statements())}
    code = np.array(
        [
            _CODES[a.value] if (a := assessment.answer(q.id)) is not None else _UNANSWERED
            for _, _, q in rows
        ],
        dtype=np.int64,
    )
    risk_q = np.array([q.polarity == "risk" for _, _, q in rows], dtype=bool)
    score = np.where(risk_q, _RISK_SCORE[code], _PROTECTIVE_SCORE[code])
    return _Arrays(
        code=code,
        risk_q=risk_q,
        statement=np.array([statements[s.id] for _, s, _ in rows], dtype=np.int64),
        cluster=np.array([clusters[c.id] for c, _, _ in rows], dtype=np.int64),
        score=score.astype(np.float64),
    )


def mechanism_levels(
    score: NDArray[np.float64],
    risk_q: NDArray[np.bool_],
    statement: NDArray[np.int64],
    n_statements: int,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Risk ``R = E x (1 - S)`` and presence ``P = mean score`` for every statement at once.

    ``score``, ``risk_q`` and ``statement`` are per question; returns two arrays of length
    ``n_statements`` (use ``R`` for increasing mechanisms and ``P`` for reducing ones).
    """
    exposure = np.full(n_statements, -np.inf)
    np.maximum.at(exposure, statement[risk_q], 1.0 - score[risk_q])
    exposure[np.isneginf(exposure)] = 1.0  # no exposure question: context assumed present
    safeguard = np.full(n_statements, np.inf)
    np.minimum.at(safeguard, statement[~risk_q], score[~risk_q])
    safeguard[np.isposinf(safeguard)] = 0.0  # no safeguard question: none in place
    risk = exposure * (1.0 - safeguard)
    counts = np.bincount(statement, minlength=n_statements)
    sums = np.bincount(statement, weights=score, minlength=n_statements)
    with np.errstate(invalid="ignore", divide="ignore"):
        presence = np.where(counts > 0, sums / counts, 0.0)
    return risk, presence


def _status(tends_to: str, risk: float, presence: float) -> MechanismStatus:
    if tends_to == "increase":
        if np.isclose(risk, 1.0):
            return "triggered"
        return "not_triggered" if np.isclose(risk, 0.0) else "partly_triggered"
    if np.isclose(presence, 1.0):
        return "present"
    return "absent" if np.isclose(presence, 0.0) else "partly_present"


def cluster_risk(statuses: Sequence[tuple[str, str]]) -> tuple[RiskLevel, tuple[str, ...]]:
    """Apply rule 4 to ``(tends_to, status)`` pairs; return the level and its reasons."""
    increase = [s for t, s in statuses if t == "increase"]
    reduce = [s for t, s in statuses if t == "reduce"]
    reasons: list[str] = []
    n_trig = increase.count("triggered")
    if n_trig:
        reasons.append(f"{n_trig} mechanism(s) that can widen gaps triggered")
    if reduce and all(s == "absent" for s in reduce):
        reasons.append("none of the mechanisms that help narrow gaps is in place")
    if reasons:
        return "high", tuple(reasons)
    n_partly = increase.count("partly_triggered")
    n_not_full = sum(s != "present" for s in reduce)
    if n_partly:
        reasons.append(f"{n_partly} mechanism(s) that can widen gaps partly triggered")
    if n_not_full:
        reasons.append(f"{n_not_full} mechanism(s) that help narrow gaps not fully in place")
    if reasons:
        return "medium", tuple(reasons)
    return "low", ("no mechanism that can widen gaps is triggered, and all that help are in place",)


def score_assessment(assessment: Assessment) -> RiskProfile:
    """Score ``assessment`` with the documented rule (see module docstring)."""
    theory = assessment.theory
    arr = _arrays(assessment)
    statements: list[tuple[Cluster, Statement]] = list(theory.statements())
    risk, presence = mechanism_levels(arr.score, arr.risk_q, arr.statement, len(statements))
    n_clusters = len(theory.clusters)
    q_count = np.bincount(arr.cluster, minlength=n_clusters)
    q_sum = np.bincount(arr.cluster, weights=arr.score, minlength=n_clusters)
    dont_know = np.bincount(arr.cluster, weights=arr.code == 3, minlength=n_clusters)
    unanswered = np.bincount(arr.cluster, weights=arr.code == _UNANSWERED, minlength=n_clusters)

    results: list[QuestionResult] = []
    for i, (_, _, q) in enumerate(theory.questions()):
        a = assessment.answer(q.id)
        results.append(
            QuestionResult(
                question_id=q.id,
                text=q.text,
                polarity=q.polarity,
                answer=a.value if a else None,
                score=float(arr.score[i]),
                note=a.note if a else None,
                evidence=a.evidence if a else (),
            )
        )

    mechanisms: list[MechanismResult] = []
    for j, (cluster, st) in enumerate(statements):
        qs = tuple(results[i] for i in np.flatnonzero(arr.statement == j))
        status = _status(st.tends_to, float(risk[j]), float(presence[j]))
        if st.tends_to == "increase":
            level, method = float(risk[j]), "R = E x (1 - S)"
        else:
            level, method = float(presence[j]), "P = mean answer score"
        # the answers that explain a risk or a gap: the ones that did not fully protect
        why = () if status in ("not_triggered", "present") else tuple(q for q in qs if q.score < 1)
        mechanisms.append(
            MechanismResult(
                statement_id=st.id,
                cluster_id=cluster.id,
                tends_to=st.tends_to,
                status=status,
                level=level,
                level_method=method,
                context=st.context,
                mechanism=st.mechanism,
                outcome=st.outcome,
                plain=st.plain,
                sources=st.sources,
                why=why,
                questions=qs,
                label=st.label,
            )
        )

    profiles: list[ClusterProfile] = []
    for k, cluster in enumerate(theory.clusters):
        ms = tuple(m for m in mechanisms if m.cluster_id == cluster.id)
        risk_level, reasons = cluster_risk([(m.tends_to, m.status) for m in ms])
        profiles.append(
            ClusterProfile(
                cluster_id=cluster.id,
                name=cluster.name,
                risk=risk_level,
                reasons=reasons,
                score=float(q_sum[k] / q_count[k]) if q_count[k] else 0.0,
                score_method=SCORE_METHOD,
                n_questions=int(q_count[k]),
                n_dont_know=int(dont_know[k]),
                n_unanswered=int(unanswered[k]),
                mechanisms=ms,
            )
        )
    overall: RiskLevel = max((p.risk for p in profiles), key=RISK_ORDER.__getitem__, default="low")
    return RiskProfile(
        stage=assessment.stage,
        created_at=assessment.created_at,
        project=assessment.project,
        theory=theory.identity(),
        clusters=tuple(profiles),
        overall_risk=overall,
        score=float(arr.score.mean()) if arr.score.size else 0.0,
        recommendations=_recommend(assessment, mechanisms),
    )


_PRIORITY: dict[str, int] = {
    "triggered": 1,
    "absent": 2,
    "partly_triggered": 3,
    "partly_present": 3,
}
_REASON: dict[str, str] = {
    "triggered": "a risk of widening the gap is triggered",
    "absent": "something that helps narrow the gap is not in place",
    "partly_triggered": "a risk of widening the gap is partly triggered",
    "partly_present": "something that helps narrow the gap is only partly in place",
}


def _recommend(
    assessment: Assessment, mechanisms: Sequence[MechanismResult]
) -> tuple[Recommendation, ...]:
    questions = {q.id: q for _, _, q in assessment.theory.questions()}
    found: list[Recommendation] = []
    for m in mechanisms:
        if m.status not in _PRIORITY:
            continue
        for q in m.questions:
            if q.score >= 1:
                continue
            for action in questions[q.question_id].actions:
                found.append(
                    Recommendation(
                        priority=_PRIORITY[m.status],
                        action=action,
                        cluster_id=m.cluster_id,
                        statement_id=m.statement_id,
                        question_id=q.question_id,
                        reason=_REASON[m.status],
                    )
                )
    found.sort(key=lambda r: r.priority)  # stable: theory order within a priority
    seen: set[str] = set()
    unique = []
    for r in found:
        if r.action not in seen:
            seen.add(r.action)
            unique.append(r)
    return tuple(unique)
