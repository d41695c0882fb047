"""Projects: aim, type of QI, setting, team, dates and phases, status, Core20PLUS5 focus."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from equalqi.errors import InputError, Problem
from equalqi.registry import audit
from equalqi.registry.access import project_for, require
from equalqi.registry.models import (
    CORE20PLUS5,
    PROJECT_STATUSES,
    QI_TYPES,
    AnalysisRun,
    Project,
    User,
    utcnow,
)


@dataclass(frozen=True)
class ProjectInput:
    """What a form or a JSON body says about a project (validated by :func:`validate`)."""

    title: str
    aim: str = ""
    qi_type: str = "Other"
    setting: str = ""
    team: str = ""
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    status: str = "planning"
    core20plus5: tuple[str, ...] = ()
    phases: tuple[dict[str, Any], ...] = field(default_factory=tuple)


def validate(data: ProjectInput) -> None:
    """Raise :class:`InputError` naming each field that is wrong and what to do."""
    problems: list[Problem] = []
    if not data.title.strip():
        problems.append(
            Problem("Enter a project title", "Give the project a short name.", column="title")
        )
    elif len(data.title) > 200:
        problems.append(
            Problem(
                "The project title is too long",
                "Use 200 characters or fewer.",
                column="title",
                value=str(len(data.title)),
            )
        )
    if data.qi_type not in QI_TYPES:
        problems.append(
            Problem(
                "Choose a type of QI",
                f"Pick one of: {', '.join(QI_TYPES)}.",
                column="qi_type",
                value=data.qi_type,
            )
        )
    if data.status not in PROJECT_STATUSES:
        problems.append(
            Problem(
                "Choose a status",
                f"Pick one of: {', '.join(PROJECT_STATUSES)}.",
                column="status",
                value=data.status,
            )
        )
    bad = [c for c in data.core20plus5 if c not in CORE20PLUS5]
    if bad:
        problems.append(
            Problem(
                "Unknown Core20PLUS5 focus",
                "Tick only the listed areas.",
                column="core20plus5",
                value=", ".join(bad),
            )
        )
    if data.start_date and data.end_date and data.end_date < data.start_date:
        problems.append(
            Problem(
                "The end date must be after the start date",
                "Check both dates.",
                column="end_date",
                value=data.end_date.isoformat(),
            )
        )
    if problems:
        raise InputError(problems)


def create_project(session: Session, user: User, data: ProjectInput) -> Project:
    require(user, "editor")
    validate(data)
    project = Project(
        organisation_id=user.organisation_id,
        title=data.title.strip(),
        aim=data.aim.strip(),
        qi_type=data.qi_type,
        setting=data.setting.strip(),
        team=data.team.strip(),
        start_date=data.start_date,
        end_date=data.end_date,
        status=data.status,
        core20plus5=list(data.core20plus5),
        phases=list(data.phases),
        created_by=user.id,
    )
    session.add(project)
    session.flush()
    audit.record(session, user, "create", "project", project.id, {"title": project.title})
    return project


def update_project(session: Session, user: User, project_id: int, data: ProjectInput) -> Project:
    require(user, "editor")
    project = project_for(session, user, project_id)
    validate(data)
    changed: dict[str, Any] = {}
    for name in ("title", "aim", "qi_type", "setting", "team", "start_date", "end_date", "status"):
        new = getattr(data, name)
        if getattr(project, name) != new:
            changed[name] = str(new)
            setattr(project, name, new)
    if list(data.core20plus5) != project.core20plus5:
        project.core20plus5 = list(data.core20plus5)
        changed["core20plus5"] = list(data.core20plus5)
    project.updated_at = utcnow()
    audit.record(session, user, "update", "project", project.id, changed)
    return project


def get_project(session: Session, user: User, project_id: int) -> Project:
    require(user, "viewer")
    return project_for(session, user, project_id)


def list_projects(session: Session, user: User) -> list[Project]:
    """The user's organisation's projects, newest first (never another organisation's)."""
    require(user, "viewer")
    return list(
        session.scalars(
            select(Project)
            .where(Project.organisation_id == user.organisation_id)
            .order_by(Project.id.desc())
        )
    )


def equity_status(session: Session, projects: Sequence[Project]) -> dict[int, str]:
    """Project id -> the equity status of its latest analysis ("not analysed" if none)."""
    if not projects:
        return {}
    ids = [p.id for p in projects]
    rows = session.execute(
        select(AnalysisRun.project_id, AnalysisRun.equity_status)
        .where(AnalysisRun.project_id.in_(ids))
        .order_by(AnalysisRun.project_id, AnalysisRun.version)
    ).all()
    status = dict.fromkeys(ids, "not analysed")
    for project_id, value in rows:  # ascending version: the last one wins
        status[project_id] = value
    return status
