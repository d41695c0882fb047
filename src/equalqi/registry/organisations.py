"""Organisations: the unit of isolation (a user sees only their organisation's projects)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from equalqi.registry import audit
from equalqi.registry.access import require
from equalqi.registry.models import Organisation, User


def create_organisation(session: Session, name: str) -> Organisation:
    name = name.strip()
    if not name:
        raise ValueError("an organisation needs a name")
    org = Organisation(name=name)
    session.add(org)
    session.flush()
    audit.record(
        session, None, "create", "organisation", org.id, {"name": name}, organisation_id=org.id
    )
    return org


def get_or_create_organisation(session: Session, name: str) -> Organisation:
    org = session.scalar(select(Organisation).where(Organisation.name == name))
    return org if org is not None else create_organisation(session, name)


def set_show_unsuppressed(session: Session, admin: User, value: bool) -> Organisation:
    """An admin switches unsuppressed numbers on or off for their own organisation's team;
    the audit trail records who did it and when."""
    require(admin, "admin")
    org = session.get(Organisation, admin.organisation_id)
    if org is None:  # pragma: no cover - a user always has an organisation
        raise LookupError(f"organisation {admin.organisation_id}")
    if org.show_unsuppressed != value:
        org.show_unsuppressed = value
        audit.record(session, admin, "switch", "organisation", org.id, {"show_unsuppressed": value})
    return org


def get_organisation(session: Session, name: str) -> Organisation | None:
    return session.scalar(select(Organisation).where(Organisation.name == name.strip()))
