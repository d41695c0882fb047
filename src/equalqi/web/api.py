"""The JSON API over the same registry services (documented at ``/api/openapi.json``).

Sign in with ``POST /api/session`` (JSON e-mail and password); it returns the CSRF token to
send in the ``X-CSRF-Token`` header of every later POST. The session cookie carries the rest.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile

from equalqi.errors import InputError
from equalqi.plan import parse_plan
from equalqi.registry import analyses, assessments, audit, datasets, jobs, projects
from equalqi.registry.models import AnalysisRun, Dataset, Job, Project, User
from equalqi.services import analyses as analysis_service
from equalqi.services import assessments as assessment_service
from equalqi.web.account import begin_session, check_password
from equalqi.web.deps import DB, Admin, Cfg, Editor, Form, Viewer
from equalqi.web.security import csrf_token, verify_csrf
from equalqi.web.throttle import BLOCKED_MESSAGE

router = APIRouter(prefix="/api", tags=["api"])
csrf = [Depends(verify_csrf)]


class Credentials(BaseModel):
    email: str
    password: str


class ProjectBody(BaseModel):
    title: str
    aim: str = ""
    qi_type: str = "Other"
    setting: str = ""
    team: str = ""
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    status: str = "planning"
    core20plus5: list[str] = Field(default_factory=list)


class AnalysisBody(BaseModel):
    dataset_id: int
    plan_toml: str = Field(description="The analysis plan, as equalqi.plan.parse_plan reads it.")


class AssessmentBody(BaseModel):
    stage: str = "planning"
    answers: dict[str, str] = Field(description="question id -> yes | partly | no | dont_know")


def problems_response(exc: InputError, status: int = 422) -> JSONResponse:
    return JSONResponse(
        {"detail": "The input has problems.", "problems": [p.to_dict() for p in exc.problems]},
        status_code=status,
    )


def project_json(p: Project, status: str | None = None) -> dict[str, Any]:
    out = {
        "id": p.id,
        "title": p.title,
        "aim": p.aim,
        "qi_type": p.qi_type,
        "setting": p.setting,
        "team": p.team,
        "start_date": p.start_date.isoformat() if p.start_date else None,
        "end_date": p.end_date.isoformat() if p.end_date else None,
        "status": p.status,
        "core20plus5": p.core20plus5,
    }
    if status is not None:
        out["equity_status"] = status
    return out


def dataset_json(d: Dataset) -> dict[str, Any]:
    return {
        "id": d.id,
        "filename": d.filename,
        "sha256": d.sha256,
        "size_bytes": d.size_bytes,
        "columns": d.columns,
        "uploaded_at": d.uploaded_at.isoformat(),
    }


def job_json(j: Job) -> dict[str, Any]:
    base = f"/api/projects/{j.project_id}"
    return {
        "id": j.id,
        "kind": j.kind,
        "status": j.status,
        "message": j.message,
        "problems": j.problems,
        "dataset_id": j.dataset_id,
        "analysis_version": j.analysis_version,
        "url": f"{base}/jobs/{j.id}",
        "page": f"/projects/{j.project_id}/jobs/{j.id}",
        "analysis_url": f"{base}/analyses/{j.analysis_version}" if j.analysis_version else None,
    }


def analysis_json(r: AnalysisRun) -> dict[str, Any]:
    return {
        "version": r.version,
        "dataset_id": r.dataset_id,
        "equity_status": r.equity_status,
        "created_at": r.created_at.isoformat(),
        "dataset_deleted": r.dataset_deleted,
        "summary": r.summary,
    }


@router.post("/session")
def sign_in(body: Credentials, request: Request, session: DB) -> Response:
    """Sign in: a new server-side session (cookie) and its CSRF token. Throttled like the
    page: 401 for a wrong password or unknown e-mail alike, 429 once throttled."""
    found = check_password(request, session, body.email, body.password)
    if isinstance(found, str):
        blocked = found == BLOCKED_MESSAGE
        detail = found if blocked else "Wrong e-mail address or password."
        return JSONResponse({"detail": detail}, status_code=429 if blocked else 401)
    begin_session(request, session, found)
    return JSONResponse({"user": _me(found), "csrf_token": csrf_token(request)})


def _me(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "organisation": user.organisation.name,
    }


@router.get("/me")
def me(request: Request, user: Viewer) -> dict[str, Any]:
    return {"user": _me(user), "csrf_token": csrf_token(request)}


@router.get("/projects")
def list_projects(user: Viewer, session: DB) -> list[dict[str, Any]]:
    items = projects.list_projects(session, user)
    status = projects.equity_status(session, items)
    return [project_json(p, status[p.id]) for p in items]


@router.post("/projects", status_code=201, dependencies=csrf)
def create_project(body: ProjectBody, user: Editor, session: DB) -> Response:
    data = projects.ProjectInput(**{**body.model_dump(), "core20plus5": tuple(body.core20plus5)})
    try:
        project = projects.create_project(session, user, data)
    except InputError as exc:
        return problems_response(exc)
    return JSONResponse(project_json(project, "not analysed"), status_code=201)


@router.get("/projects/{project_id}")
def get_project(project_id: int, user: Viewer, session: DB) -> dict[str, Any]:
    project = projects.get_project(session, user, project_id)
    return project_json(project, projects.equity_status(session, [project])[project.id])


class ProjectPatch(BaseModel):
    """The fields to change; those left out keep their value."""

    title: str | None = None
    aim: str | None = None
    qi_type: str | None = None
    setting: str | None = None
    team: str | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    status: str | None = None
    core20plus5: list[str] | None = None


@router.patch("/projects/{project_id}", dependencies=csrf)
def edit_project(project_id: int, body: ProjectPatch, user: Editor, session: DB) -> Response:
    project = projects.get_project(session, user, project_id)
    current = project_json(project)
    given = body.model_dump(exclude_unset=True)
    merged = {k: given.get(k, current[k]) for k in ProjectBody.model_fields}
    data = projects.ProjectInput(
        **{
            **merged,
            "start_date": _date(merged["start_date"]),
            "end_date": _date(merged["end_date"]),
            "core20plus5": tuple(merged["core20plus5"] or ()),
        }
    )
    try:
        project = projects.update_project(session, user, project_id, data)
    except InputError as exc:
        session.rollback()
        return problems_response(exc)
    return JSONResponse(
        project_json(project, projects.equity_status(session, [project])[project.id])
    )


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


@router.delete("/projects/{project_id}/datasets/{dataset_id}", status_code=204, dependencies=csrf)
def delete_dataset(project_id: int, dataset_id: int, user: Editor, session: DB) -> Response:
    """Remove the stored file; analyses made from it are kept and marked ``dataset_deleted``."""
    datasets.delete_dataset(session, user, project_id, dataset_id)
    return Response(status_code=204)


@router.get("/projects/{project_id}/datasets")
def list_datasets(project_id: int, user: Viewer, session: DB) -> list[dict[str, Any]]:
    return [dataset_json(d) for d in datasets.list_datasets(session, user, project_id)]


@router.post(
    "/projects/{project_id}/datasets",
    status_code=201,
    dependencies=csrf,
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                    }
                }
            }
        }
    },
)
def upload(
    project_id: int,
    request: Request,
    user: Editor,
    session: DB,
    cfg: Cfg,
    form: Form,
) -> Response:
    projects.get_project(session, user, project_id)
    file = form.get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        raise HTTPException(status_code=400, detail="Send the file in a 'file' form field.")
    try:
        dataset = datasets.store_upload(
            session,
            user,
            project_id,
            file.filename,
            file.file,
            data_dir=cfg.data_dir,
            max_bytes=cfg.max_upload_bytes,
        )
    except datasets.TooLarge:
        response: Response = request.app.state.too_large(request.scope)
        return response
    except InputError as exc:
        return problems_response(exc, 415)
    return JSONResponse(dataset_json(dataset), status_code=201)


@router.post("/projects/{project_id}/analyses", status_code=202, dependencies=csrf)
def analyse(
    project_id: int,
    body: AnalysisBody,
    request: Request,
    user: Editor,
    session: DB,
) -> Response:
    """Queue an analysis job: 202 with the job's URL (poll it until ``status`` is done)."""
    projects.get_project(session, user, project_id)
    try:
        plan = parse_plan(body.plan_toml, source="plan_toml")
    except InputError as exc:
        return problems_response(exc)
    datasets.get_dataset(session, user, project_id, body.dataset_id)
    row = analyses.save_plan(session, user, project_id, plan)
    job = jobs.queue_analysis(session, user, project_id, body.dataset_id, row.id)
    session.commit()  # the worker reads the job row from its own connection
    request.app.state.jobs.submit(job.id)
    url = f"/api/projects/{project_id}/jobs/{job.id}"
    return JSONResponse(job_json(job), status_code=202, headers={"Location": url})


@router.get("/projects/{project_id}/jobs/{job_id}")
def get_job(project_id: int, job_id: int, user: Viewer, session: DB) -> dict[str, Any]:
    return job_json(jobs.get_job(session, user, project_id, job_id))


@router.get("/projects/{project_id}/analyses")
def list_analyses(project_id: int, user: Viewer, session: DB) -> list[dict[str, Any]]:
    return [analysis_json(r) for r in analyses.list_analyses(session, user, project_id)]


@router.get("/projects/{project_id}/analyses/{version}")
def get_analysis(project_id: int, version: int, user: Viewer, session: DB) -> dict[str, Any]:
    return analysis_json(analyses.get_analysis(session, user, project_id, version))


@router.get("/projects/{project_id}/analyses/{version}/view")
def get_analysis_view(project_id: int, version: int, user: Viewer, session: DB) -> dict[str, Any]:
    """The data behind the analysis page's charts, as shared (always disclosed): every SPC
    point per group and for the gap, the pairs, and what the disclosure policy hid."""
    run = analyses.get_analysis(session, user, project_id, version)
    return analysis_service.analysis_view(run, team=False)


@router.get("/projects/{project_id}/assessments")
def list_assessments(project_id: int, user: Viewer, session: DB) -> list[dict[str, Any]]:
    return [
        {
            "id": a.id,
            "stage": a.stage,
            "overall_risk": a.overall_risk,
            "created_at": a.created_at.isoformat(),
            "assessment": a.data,
        }
        for a in assessments.list_assessments(session, user, project_id)
    ]


@router.post("/projects/{project_id}/assessments", status_code=201, dependencies=csrf)
def save_assessment(
    project_id: int,
    body: AssessmentBody,
    user: Editor,
    session: DB,
) -> Response:
    try:
        row = assessment_service.record_assessment(
            session, user, project_id, body.answers, stage=body.stage
        )
    except InputError as exc:
        return problems_response(exc)
    except ValueError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    return JSONResponse({"id": row.id, "overall_risk": row.overall_risk}, status_code=201)


@router.get("/audit")
def audit_trail(user: Admin, session: DB) -> list[Any]:
    return [
        {
            "at": e.at.isoformat(),
            "user_id": e.user_id,
            "action": e.action,
            "entity": e.entity,
            "entity_id": e.entity_id,
            "detail": e.detail,
        }
        for e in audit.trail(session, user)
    ]
