"""Equity-by-design assessments (from :mod:`equalqi.assess`), stored as JSON per project."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from equalqi.assess import (
    Answer,
    Assessment,
    assessment_from_dict,
    default_theory,
    new_assessment,
    score_assessment,
)
from equalqi.registry import audit
from equalqi.registry.access import project_for, project_row, require
from equalqi.registry.models import AssessmentRecord, User


def _risk(assessment: Assessment, scored: str) -> str:
    """The stored overall risk: "not_finished" while a question is not answered yet (a blank
    is never scored as a risk; see :func:`equalqi.assess.summary.summarise_assessment`)."""
    return "not_finished" if assessment.unanswered else scored


def save_assessment(
    session: Session,
    user: User,
    project_id: int,
    answers: Mapping[str, str],
    *,
    stage: str = "planning",
    notes: Mapping[str, str] | None = None,
) -> AssessmentRecord:
    """Check the answers against the built-in theory, score them and store the assessment."""
    require(user, "editor")
    project = project_for(session, user, project_id)
    theory = default_theory()
    notes = notes or {}
    given = [
        Answer(question_id=q, value=v, note=(notes.get(q) or "").strip() or None)  # type: ignore[arg-type]
        for q, v in answers.items()
        if v
    ]
    assessment = new_assessment(
        theory, given, stage=stage, created_at=dt.datetime.now(dt.UTC), project=project.title
    )
    profile = score_assessment(assessment)
    record = AssessmentRecord(
        project_id=project.id,
        stage=stage,
        data=assessment.to_dict(),
        overall_risk=_risk(assessment, profile.overall_risk),
        created_by=user.id,
    )
    session.add(record)
    session.flush()
    audit.record(
        session,
        user,
        "assess",
        "assessment",
        record.id,
        {"stage": stage, "risk": _risk(assessment, profile.overall_risk), "answered": len(given)},
    )
    return record


def add_assessment(
    session: Session, user: User, project_id: int, assessment: Assessment, *, action: str
) -> AssessmentRecord:
    """Store an already-built assessment as it is (its own theory and date), e.g. imported."""
    require(user, "editor")
    project_for(session, user, project_id)
    profile = score_assessment(assessment)
    record = AssessmentRecord(
        project_id=project_id,
        stage=assessment.stage,
        data=assessment.to_dict(),
        overall_risk=_risk(assessment, profile.overall_risk),
        created_by=user.id,
    )
    session.add(record)
    session.flush()
    audit.record(
        session, user, action, "assessment", record.id,
        {"stage": assessment.stage, "risk": _risk(assessment, profile.overall_risk)},
    )  # fmt: skip
    return record


def get_assessment(
    session: Session, user: User, project_id: int, assessment_id: int
) -> AssessmentRecord:
    """One assessment of the project (:class:`NotFound` if it is not in this project)."""
    return project_row(session, user, AssessmentRecord, project_id, assessment_id, "assessment")


def replace_assessment(
    session: Session, user: User, project_id: int, assessment_id: int, assessment: Assessment
) -> AssessmentRecord:
    """Correct a stored assessment in place; the audit trail keeps what it said before."""
    require(user, "editor")
    record = get_assessment(session, user, project_id, assessment_id)
    before = record.data
    profile = score_assessment(assessment)
    record.data = assessment.to_dict()
    record.stage = assessment.stage
    record.overall_risk = _risk(assessment, profile.overall_risk)
    audit.record(
        session,
        user,
        "edit",
        "assessment",
        record.id,
        {"project_id": project_id, "before": before, "after": record.data},
    )
    session.flush()
    return record


def delete_assessment(
    session: Session, user: User, project_id: int, assessment_id: int, reason: str
) -> None:
    """Remove a stored assessment; the audit trail keeps a full copy and the reason."""
    require(user, "editor")
    record = get_assessment(session, user, project_id, assessment_id)
    audit.record(
        session,
        user,
        "remove",
        "assessment",
        record.id,
        {"project_id": project_id, "reason": reason, "removed": record.data},
    )
    session.delete(record)
    session.flush()


def list_assessments(session: Session, user: User, project_id: int) -> list[AssessmentRecord]:
    require(user, "viewer")
    project_for(session, user, project_id)
    return list(
        session.scalars(
            select(AssessmentRecord)
            .where(AssessmentRecord.project_id == project_id)
            .order_by(AssessmentRecord.id.desc())
        )
    )


def latest_risk(session: Session, user: User, project_id: int) -> str | None:
    """The overall risk of the latest assessment (None when not assessed)."""
    require(user, "viewer")
    project_for(session, user, project_id)
    return session.scalar(
        select(AssessmentRecord.overall_risk)
        .where(AssessmentRecord.project_id == project_id)
        .order_by(AssessmentRecord.id.desc())
        .limit(1)
    )


def latest_assessment(session: Session, user: User, project_id: int) -> Assessment | None:
    rows = list_assessments(session, user, project_id)
    return assessment_from_dict(rows[0].data) if rows else None
