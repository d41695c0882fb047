"""Access rules shared by every service: role checks and organisation-scoped look-ups.

A project of another organisation is reported as *not found*, never as forbidden, so its
existence is not disclosed.
"""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from equalqi.registry.models import ROLES, Project, User

Row = TypeVar("Row")


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


def project_row(
    session: Session, user: User, model: type[Row], project_id: int, row_id: int, what: str
) -> Row:
    """A row of one of the project's tables (viewer role): :class:`NotFound` if the project
    is not in the user's organisation or the row is not in this project."""
    require(user, "viewer")
    project_for(session, user, project_id)
    row = session.get(model, row_id)
    if row is None or getattr(row, "project_id", None) != project_id:
        raise NotFound(f"{what} {row_id}")
    return row
