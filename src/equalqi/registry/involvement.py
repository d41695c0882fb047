"""The involvement (co-production) log: one row per activity, counts only."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from equalqi.assess import InvolvementLog, activity_from_dict
from equalqi.registry import audit
from equalqi.registry.access import project_for, require
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
