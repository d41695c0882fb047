"""Versioned analysis results: each run stores its plan version, the summary JSON, the
views its pages draw and the output folder (report.html and the tidy CSVs).

Stores and reads only: the analysis itself runs in :mod:`equalqi.services.analyses`, which
calls :func:`record_analysis` once every file is written, so a failed analysis leaves the
registry as it was.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from equalqi.plan import AnalysisPlan, parse_plan
from equalqi.registry import audit
from equalqi.registry.access import NotFound, project_for, require
from equalqi.registry.datasets import get_dataset
from equalqi.registry.models import AnalysisRun, PlanVersion, User

#: Placeholder the stored report carries where the assessment section goes; the section is
#: filled in when the report is downloaded, so the report always shows the latest assessment.
ASSESSMENT_MARKER = "<!--equalqi:assessment-section-->"


def equity_status_of(summary: dict[str, Any]) -> str:
    """The gap verdict of the first compared pair ("gap widened", …), as the portfolio shows."""
    impact = summary.get("impact") or {}
    first = next(iter(impact.values()), None)
    if first is None:
        if summary.get("intervention"):
            return "withheld: too few numbers shown"
        return "no intervention date"
    return str(first.get("outcome", "no evidence"))


def save_plan(session: Session, user: User, project_id: int, plan: AnalysisPlan) -> PlanVersion:
    require(user, "editor")
    project_for(session, user, project_id)
    latest = session.scalar(
        select(func.max(PlanVersion.version)).where(PlanVersion.project_id == project_id)
    )
    row = PlanVersion(
        project_id=project_id, version=(latest or 0) + 1, toml=plan.to_toml(), created_by=user.id
    )
    session.add(row)
    session.flush()
    audit.record(session, user, "save", "plan", row.id, {"version": row.version})
    return row


def latest_plan(session: Session, user: User, project_id: int) -> PlanVersion | None:
    require(user, "viewer")
    project_for(session, user, project_id)
    return session.scalar(
        select(PlanVersion)
        .where(PlanVersion.project_id == project_id)
        .order_by(PlanVersion.version.desc())
        .limit(1)
    )


def record_analysis(
    session: Session,
    user: User,
    project_id: int,
    dataset_id: int,
    plan: AnalysisPlan | PlanVersion,
    *,
    summary: dict[str, Any],
    views: dict[str, Any],
    output_dir: Path,
) -> AnalysisRun:
    """Register a finished analysis as the project's next version (with ``plan`` saved as a
    new plan version unless it is one already)."""
    require(user, "editor")
    project_for(session, user, project_id)
    dataset = get_dataset(session, user, project_id, dataset_id)
    plan_row = plan if isinstance(plan, PlanVersion) else save_plan(session, user, project_id, plan)
    if plan_row.project_id != project_id:
        raise NotFound(f"plan {plan_row.id}")
    latest = session.scalar(
        select(func.max(AnalysisRun.version)).where(AnalysisRun.project_id == project_id)
    )
    run = AnalysisRun(
        project_id=project_id,
        version=(latest or 0) + 1,
        dataset_id=dataset.id,
        plan_id=plan_row.id,
        summary=summary,
        views=views,
        output_dir=str(output_dir),
        equity_status=equity_status_of(summary),
        created_by=user.id,
    )
    session.add(run)
    session.flush()
    audit.record(
        session,
        user,
        "analyse",
        "analysis",
        run.id,
        {"version": run.version, "dataset": dataset.id, "status": run.equity_status},
    )
    return run


def get_plan(session: Session, user: User, project_id: int, plan_id: int) -> PlanVersion:
    require(user, "viewer")
    project_for(session, user, project_id)
    row = session.get(PlanVersion, plan_id)
    if row is None or row.project_id != project_id:
        raise NotFound(f"plan {plan_id}")
    return row


def list_analyses(session: Session, user: User, project_id: int) -> list[AnalysisRun]:
    require(user, "viewer")
    project_for(session, user, project_id)
    return list(
        session.scalars(
            select(AnalysisRun)
            .where(AnalysisRun.project_id == project_id)
            .order_by(AnalysisRun.version.desc())
        )
    )


def latest_analysis(session: Session, user: User, project_id: int) -> AnalysisRun | None:
    require(user, "viewer")
    project_for(session, user, project_id)
    return session.scalar(
        select(AnalysisRun)
        .where(AnalysisRun.project_id == project_id)
        .order_by(AnalysisRun.version.desc())
        .limit(1)
    )


def get_analysis(session: Session, user: User, project_id: int, version: int) -> AnalysisRun:
    require(user, "viewer")
    project_for(session, user, project_id)
    run = session.scalar(
        select(AnalysisRun).where(
            AnalysisRun.project_id == project_id, AnalysisRun.version == version
        )
    )
    if run is None:
        raise NotFound(f"analysis version {version}")
    return run


def plan_of(session: Session, run: AnalysisRun) -> AnalysisPlan:
    row = session.get(PlanVersion, run.plan_id)
    if row is None:
        raise NotFound(f"plan {run.plan_id}")
    return parse_plan(row.toml, source=f"plan v{row.version}")
