"""The audit trail: who changed what, and when. Every service that writes calls :func:`record`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from equalqi.registry.models import AuditEvent, User


def record(
    session: Session,
    user: User | None,
    action: str,
    entity: str,
    entity_id: int | None = None,
    detail: dict[str, Any] | None = None,
    *,
    organisation_id: int | None = None,
) -> AuditEvent:
    event = AuditEvent(
        organisation_id=organisation_id if user is None else user.organisation_id,
        user_id=None if user is None else user.id,
        action=action,
        entity=entity,
        entity_id=entity_id,
        detail=detail or {},
    )
    session.add(event)
    return event


def trail(session: Session, user: User, limit: int = 200) -> list[AuditEvent]:
    """The user's organisation's audit events, newest first."""
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.organisation_id == user.organisation_id)
            .order_by(AuditEvent.id.desc())
            .limit(limit)
        )
    )
