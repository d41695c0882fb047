"""Access rules shared by every service: role checks and organisation-scoped look-ups.

A project of another organisation is reported as *not found*, never as forbidden, so its
existence is not disclosed.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from equalqi.registry.models import ROLES, Project, User


class NotFound(LookupError):
    """The thing does not exist, or belongs to another organisation."""


class Forbidden(PermissionError):
    """The user's role does not allow this."""


def require(user: User, role: str) -> None:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    if not user.active or not user.can(role):
        raise Forbidden(f"this needs the {role} role; you are a {user.role}")


def project_for(session: Session, user: User, project_id: int) -> Project:
    """The project if it exists *in the user's organisation*; otherwise :class:`NotFound`."""
    project = session.scalar(
        select(Project).where(
            Project.id == project_id, Project.organisation_id == user.organisation_id
        )
    )
    if project is None:
        raise NotFound(f"project {project_id}")
    return project
