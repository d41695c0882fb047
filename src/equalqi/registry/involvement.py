"""The involvement (co-production) log: one row per activity, counts only."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from equalqi.assess import Activity, InvolvementLog, activity_from_dict
from equalqi.registry import audit
from equalqi.registry.access import project_for, project_row, require
from equalqi.registry.models import InvolvementRecord, User


def add_activity(
    session: Session, user: User, project_id: int, raw: Mapping[str, Any]
) -> InvolvementRecord:
    """Validate one activity (``equalqi.assess.activity_from_dict``) and log it."""
    require(user, "editor")
    project_for(session, user, project_id)
    activity = activity_from_dict(raw, source="involvement form")
    record = InvolvementRecord(project_id=project_id, data=activity.to_dict(), created_by=user.id)
    session.add(record)
    session.flush()
    audit.record(
        session,
        user,
        "log",
        "involvement",
        record.id,
        {"type": activity.type, "participants": activity.participants},
    )
    return record


def involvement_log(session: Session, user: User, project_id: int) -> InvolvementLog:
    require(user, "viewer")
    project_for(session, user, project_id)
    rows = session.scalars(
        select(InvolvementRecord)
        .where(InvolvementRecord.project_id == project_id)
        .order_by(InvolvementRecord.id)
    )
    log = InvolvementLog()
    for row in rows:
        log = log.add(activity_from_dict(row.data))
    return log


def activity_records(session: Session, user: User, project_id: int) -> list[InvolvementRecord]:
    """The project's logged activities as stored rows (id order), for correcting them."""
    require(user, "viewer")
    project_for(session, user, project_id)
    return list(
        session.scalars(
            select(InvolvementRecord)
            .where(InvolvementRecord.project_id == project_id)
            .order_by(InvolvementRecord.id)
        )
    )


def get_activity(
    session: Session, user: User, project_id: int, activity_id: int
) -> InvolvementRecord:
    return project_row(
        session, user, InvolvementRecord, project_id, activity_id, "involvement activity"
    )


def replace_activity(
    session: Session, user: User, project_id: int, activity_id: int, activity: Activity
) -> InvolvementRecord:
    """Correct one logged activity; the audit trail keeps what it said before."""
    require(user, "editor")
    record = get_activity(session, user, project_id, activity_id)
    before = record.data
    record.data = activity.to_dict()
    audit.record(
        session,
        user,
        "edit",
        "involvement",
        record.id,
        {"project_id": project_id, "before": before, "after": record.data},
    )
    session.flush()
    return record


def delete_activity(
    session: Session, user: User, project_id: int, activity_id: int, reason: str
) -> None:
    """Remove one logged activity; the audit trail keeps a full copy and the reason."""
    require(user, "editor")
    record = get_activity(session, user, project_id, activity_id)
    audit.record(
        session,
        user,
        "remove",
        "involvement",
        record.id,
        {"project_id": project_id, "reason": reason, "removed": record.data},
    )
    session.delete(record)
    session.flush()
