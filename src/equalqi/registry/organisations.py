"""Organisations: the unit of isolation (a user sees only their organisation's projects)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from equalqi.registry import audit
from equalqi.registry.models import Organisation


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
