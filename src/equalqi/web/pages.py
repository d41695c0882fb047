"""HTML pages: sign in, portfolio, project sections, the upload wizard and downloads.

Thin: read the form, call a registry service, render a template. Every route depends on a
role check (:mod:`equalqi.web.deps`) and every POST on the CSRF check.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from equalqi.assess import (
    ACTIVITY_TYPES,
    BARRIERS,
    Assessment,
    activity_from_dict,
    assessment_from_dict,
    default_theory,
    summarise_involvement,
)
from equalqi.assess.actions import ACTION_STATUSES, summarise_actions
from equalqi.assess.summary import RISK_WORDS
from equalqi.disclosure import Policy
from equalqi.errors import InputError, Problem
from equalqi.plan import parse_plan, plan_from_dict
from equalqi.registry import (
    analyses,
    assessments,
    audit,
    datasets,
    involvement,
    jobs,
    projects,
)
from equalqi.registry.models import (
    CORE20PLUS5,
    PROJECT_STATUSES,
    QI_TYPES,
    ROLES,
    Organisation,
    Project,
    User,
)
from equalqi.registry.users import MIN_PASSWORD, create_user, email_taken, list_users
from equalqi.services import analyses as analysis_service
from equalqi.services import assessments as assessment_service
from equalqi.services.chart_help import chart_help, verdict_module
from equalqi.services.disclosure import plan_policy
from equalqi.services.page_charts import Chart
from equalqi.services.report.assessment_section import render_assessment_section
from equalqi.web import forms
from equalqi.web.deps import DB, Admin, Cfg, Editor, Form, Viewer
from equalqi.web.render import page
from equalqi.web.security import CSRF_FIELD, verify_csrf
from equalqi.web.settings import Settings

router = APIRouter(include_in_schema=False)
csrf = [Depends(verify_csrf)]
DOWNLOADS = {
    "report.html": "text/html",
    "measures.csv": "text/csv",
    "gaps.csv": "text/csv",
    "summary.json": "application/json",
    "plan.toml": "text/plain",
}


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# ---------------------------------------------------------------- home (sign in: account.py)


@router.get("/")
def home() -> RedirectResponse:
    return _see_other("/projects")


# ---------------------------------------------------------------- portfolio and projects


@router.get("/projects", response_class=HTMLResponse)
def portfolio(request: Request, user: Viewer, session: DB) -> HTMLResponse:
    items = projects.list_projects(session, user)
    return page(
        request,
        "portfolio.html.j2",
        title="Your projects",
        user=user,
        projects=items,
        equity=projects.equity_status(session, items),
        verdict_module=verdict_module(),
    )


def project_form(
    request: Request,
    user: User,
    form: Mapping[str, Any],
    errors: Mapping[str, str],
    status: int = 200,
    **labels: str,
) -> HTMLResponse:
    """The project form, for creating (the default labels) or editing (``title``,
    ``heading``, ``action`` and ``button`` given)."""
    return page(
        request,
        "project_form.html.j2",
        **{"title": "Create a project", **labels},
        user=user,
        form=form,
        errors=errors,
        problems=forms.field_items(errors),
        qi_types=QI_TYPES,
        statuses=PROJECT_STATUSES,
        core20=CORE20PLUS5,
        status=status,
    )


@router.get("/projects/new", response_class=HTMLResponse)
def new_project_page(request: Request, user: Editor) -> HTMLResponse:
    blank = {
        "title": "",
        "aim": "",
        "qi_type": "Other",
        "setting": "",
        "team": "",
        "start_date": "",
        "end_date": "",
        "status": "planning",
        "core20plus5": [],
    }
    return project_form(request, user, blank, {})


@router.post("/projects/new", dependencies=csrf)
def new_project(request: Request, user: Editor, session: DB, form: Form) -> Response:
    shown = {
        k: forms.text(form, k)
        for k in ("title", "aim", "qi_type", "setting", "team", "start_date", "end_date", "status")
    }
    shown["core20plus5"] = form.getlist("core20plus5")  # type: ignore[assignment]
    data, errors = forms.project_input(form)
    if data is not None:
        try:
            project = projects.create_project(session, user, data)
        except InputError as exc:
            errors = {p.column or "title": p.what for p in exc.problems}
        else:
            return _see_other(f"/projects/{project.id}")
    return project_form(request, user, shown, errors, status=400)


def _project_page(
    request: Request,
    name: str,
    user: User,
    project: Project,
    section: str,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    return page(
        request,
        name,
        title=f"{section} – {project.title}",
        user=user,
        project=project,
        section=section,
        can_edit=user.can("editor"),
        status=status,
        **context,
    )


@router.get("/projects/{project_id}", response_class=HTMLResponse)
def project_overview(request: Request, project_id: int, user: Viewer, session: DB) -> HTMLResponse:
    project = projects.get_project(session, user, project_id)
    run = analyses.latest_analysis(session, user, project_id)
    risk = assessment_service.latest_risk_words(session, user, project_id)
    return _project_page(
        request,
        "project_overview.html.j2",
        user,
        project,
        "Overview",
        analysis=run,
        equity=run.equity_status if run else "not analysed",
        risk=risk,
        verdict_module=verdict_module(),
    )


# ---------------------------------------------------------------- the upload wizard


def _data_page(
    request: Request,
    session: Session,
    user: User,
    project: Project,
    problems: list[dict[str, str]],
    status: int = 200,
) -> HTMLResponse:
    cfg: Settings = request.app.state.settings
    return _project_page(
        request,
        "project_data.html.j2",
        user,
        project,
        "Data",
        status=status,
        datasets=datasets.list_datasets(session, user, project.id),
        problems=problems,
        max_mb=f"{cfg.max_upload_bytes / 1048576:,.0f}",
    )


@router.get("/projects/{project_id}/data", response_class=HTMLResponse)
def data_page(request: Request, project_id: int, user: Viewer, session: DB) -> HTMLResponse:
    project = projects.get_project(session, user, project_id)
    return _data_page(request, session, user, project, [])


@router.post("/projects/{project_id}/data", dependencies=csrf)
def upload(
    request: Request,
    project_id: int,
    user: Editor,
    session: DB,
    cfg: Cfg,
    form: Form,
) -> Response:
    project = projects.get_project(session, user, project_id)
    file = form.get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        problems = [{"text": "Select a file to upload", "href": "#file"}]
        return _data_page(request, session, user, project, problems, status=400)
    try:
        dataset = datasets.store_upload(
            session,
            user,
            project.id,
            file.filename,
            file.file,
            data_dir=cfg.data_dir,
            max_bytes=cfg.max_upload_bytes,
        )
    except datasets.TooLarge:
        response: Response = request.app.state.too_large(request.scope)
        return response
    except InputError as exc:
        problems = forms.summary_items(exc.problems, "file")
        return _data_page(request, session, user, project, problems, status=400)
    return _see_other(f"/projects/{project.id}/data/{dataset.id}/map")


def _guess(columns: list[str]) -> dict[str, str]:
    """Pre-select columns whose names say what they are (the user can change them)."""
    hints = {
        "date": ("date", "event_date", "appointment_date"),
        "imd_decile": ("imd_decile", "imd", "deprivation_decile"),
        "ethnicity": ("ethnic_category", "ethnicity", "ethnic_group"),
        "age": ("age", "age_years"),
        "sex": ("sex", "gender"),
        "numerator": ("dna", "outcome", "numerator"),
    }
    lower = {c.lower(): c for c in columns}
    return {f: next((lower[n] for n in names if n in lower), "") for f, names in hints.items()}


@router.get("/projects/{project_id}/data/{dataset_id}/map", response_class=HTMLResponse)
def map_page(
    request: Request,
    project_id: int,
    dataset_id: int,
    user: Editor,
    session: DB,
) -> HTMLResponse:
    project = projects.get_project(session, user, project_id)
    dataset = datasets.get_dataset(session, user, project_id, dataset_id)
    form = {**_guess(dataset.columns), "improvement": "decrease", "period": "month"}
    return _project_page(
        request,
        "project_map.html.j2",
        user,
        project,
        "Data",
        dataset=dataset,
        columns=dataset.columns,
        form=form,
        errors={},
        problems=[],
    )


@router.post("/projects/{project_id}/data/{dataset_id}/map", dependencies=csrf)
def map_columns(
    request: Request,
    project_id: int,
    dataset_id: int,
    user: Editor,
    session: DB,
    form: Form,
) -> Response:
    project = projects.get_project(session, user, project_id)
    dataset = datasets.get_dataset(session, user, project_id, dataset_id)
    raw, errors = forms.plan_dict(form, dataset.columns, project.title)
    problems = forms.field_items(errors)
    if not errors:
        try:
            plan = plan_from_dict(raw, source="the column form")
        except InputError as exc:
            problems = forms.summary_items(exc.problems)
        else:
            row = analyses.save_plan(session, user, project.id, plan)
            return _see_other(f"/projects/{project.id}/data/{dataset.id}/check?plan={row.id}")
    shown = {k: forms.text(form, k) for k in form if k != CSRF_FIELD}
    return _project_page(
        request,
        "project_map.html.j2",
        user,
        project,
        "Data",
        status=400,
        dataset=dataset,
        columns=dataset.columns,
        form=shown,
        errors=errors,
        problems=problems,
    )


@router.get("/projects/{project_id}/data/{dataset_id}/check", response_class=HTMLResponse)
def check_page(
    request: Request,
    project_id: int,
    dataset_id: int,
    plan: int,
    user: Editor,
    session: DB,
) -> HTMLResponse:
    project = projects.get_project(session, user, project_id)
    dataset = datasets.get_dataset(session, user, project_id, dataset_id)
    row = analyses.get_plan(session, user, project_id, plan)
    try:
        found = analysis_service.check_dataset(
            session, user, project_id, dataset_id, parse_plan(row.toml, source="plan")
        )
    except InputError as exc:
        return _check_page(request, user, project, dataset, row.id, problems=exc.problems)
    facts = [
        ("File", dataset.filename),
        ("Records", f"{found.n_rows:,}"),
        ("Records in the analysis window", f"{found.n_in_window:,}"),
        ("First date", found.first_date.strftime("%d %B %Y")),
        ("Last date", found.last_date.strftime("%d %B %Y")),
    ]
    return _check_page(
        request, user, project, dataset, row.id, facts=facts, notes=list(found.notes)
    )


def _check_page(
    request: Request,
    user: User,
    project: Project,
    dataset: Any,
    plan_id: int,
    *,
    problems: Sequence[Problem] = (),
    facts: list[tuple[str, str]] | None = None,
    notes: list[str] | None = None,
) -> HTMLResponse:
    """The wizard's check step: what was found, or every problem (422) to fix first."""
    return _project_page(
        request,
        "project_check.html.j2",
        user,
        project,
        "Data",
        dataset=dataset,
        problems=forms.summary_items(problems),
        facts=facts or [],
        notes=notes or [],
        plan_id=plan_id,
        status=422 if problems else 200,
    )


@router.post("/projects/{project_id}/data/{dataset_id}/analyse", dependencies=csrf)
def analyse(
    request: Request,
    project_id: int,
    dataset_id: int,
    user: Editor,
    session: DB,
    form: Form,
) -> Response:
    """Queue the analysis as a job and show its progress page (never analysed in here)."""
    try:
        plan_id = int(forms.text(form, "plan_id"))
    except ValueError as exc:
        raise HTTPException(status_code=400, detail="No plan was given.") from exc
    job = jobs.queue_analysis(session, user, project_id, dataset_id, plan_id)
    session.commit()  # the worker reads the job row from its own connection
    request.app.state.jobs.submit(job.id)
    return _see_other(f"/projects/{project_id}/jobs/{job.id}")


# ---------------------------------------------------------------- analysis, charts


@router.get("/projects/{project_id}/analysis", response_class=HTMLResponse)
def analysis_page(request: Request, project_id: int, user: Viewer, session: DB) -> HTMLResponse:
    project = projects.get_project(session, user, project_id)
    run = analyses.latest_analysis(session, user, project_id)
    groups: list[Chart] = []
    gaps: list[Chart] = []
    notes: list[str] = []
    disclosure: dict[str, Any] = {}
    verdicts: dict[str, str] = {}
    records = None
    rows_noun = "records"
    team = _team_view(session, user, project)
    if run is not None:
        view = analysis_service.analysis_view(run, team=team)
        groups = [Chart.from_dict(c) for c in view.get("group_charts", [])]
        gaps = [Chart.from_dict(c) for c in view.get("gap_charts", [])]
        notes = list(view.get("notes", []))
        disclosure = view.get("disclosure", {})
        verdicts = view.get("verdicts", {})
        records = view.get("records")
        rows_noun = view.get("rows_noun", rows_noun)
    return _project_page(
        request,
        "project_analysis.html.j2",
        user,
        project,
        "Analysis",
        analysis=run,
        group_charts=groups,
        gap_charts=gaps,
        notes=notes,
        disclosure=disclosure,
        team_view=team,
        verdicts=verdicts,
        records=records,
        rows_noun=rows_noun,
        chart_help=chart_help().for_templates(),
        verdict_module=verdict_module(),
    )


def _team_view(session: Session, user: User, project: Project) -> bool:
    """Unsuppressed numbers only for the uploading organisation, where its admin allows it."""
    org = session.get(Organisation, project.organisation_id)
    return bool(
        org is not None
        and user.organisation_id == project.organisation_id
        and org.show_unsuppressed
    )


# ---------------------------------------------------------------- assessment, involvement


def _clusters() -> list[dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for cluster, _statement, question in default_theory().questions():
        out.setdefault(cluster.id, {"name": cluster.name, "questions": []})
        out[cluster.id]["questions"].append(question)
    return list(out.values())


def _assessment_rows(session: Session, user: User, project_id: int) -> list[dict[str, Any]]:
    """Saved assessments, newest first, for the history table (with ids to correct them)."""
    rows = assessments.list_assessments(session, user, project_id)
    out = []
    for r in rows:
        created = str(r.data.get("created_at", ""))[:10]
        out.append(
            {"id": r.id, "stage": r.stage, "date": created, "risk": RISK_WORDS[r.overall_risk]}
        )
    return out


def _assessment_form_page(
    request: Request,
    session: Session,
    user: User,
    project: Project,
    *,
    editing: int | None = None,
    problems: Sequence[dict[str, str]] = (),
    status: int = 200,
) -> HTMLResponse:
    if editing is not None:
        record = assessments.get_assessment(session, user, project.id, editing)
        current: Assessment | None = assessment_from_dict(record.data)
    else:
        current = assessments.latest_assessment(session, user, project.id)
    answers = {a.question_id: a.value for a in current.answers} if current else {}
    summary = assessment_service.project_summary(
        session, user, project.id, policy=_project_policy(session, user, project.id)
    )
    latest = assessments.latest_assessment(session, user, project.id)
    clusters = _clusters()
    return _project_page(
        request,
        "project_assessment.html.j2",
        user,
        project,
        "Equity assessment",
        status=status,
        section_html=render_assessment_section(summary, None) if summary else "",
        history=_assessment_rows(session, user, project.id),
        clusters=clusters,
        n_questions=sum(len(c["questions"]) for c in clusters),
        answers=answers,
        stage=current.stage if current else "planning",
        editing=editing,
        tasks=assessment_service.area_tasks(latest),
        current_stage=latest.stage if latest else None,
        problems=list(problems),
    )


@router.get("/projects/{project_id}/assessment", response_class=HTMLResponse)
def assessment_page(request: Request, project_id: int, user: Viewer, session: DB) -> HTMLResponse:
    project = projects.get_project(session, user, project_id)
    return _assessment_form_page(request, session, user, project)


def _answers_from(form: Any) -> dict[str, str]:
    return {k[2:]: v for k, v in form.items() if k.startswith("q:") and isinstance(v, str)}


@router.post("/projects/{project_id}/assessment", dependencies=csrf)
def save_assessment(
    request: Request, project_id: int, user: Editor, session: DB, form: Form
) -> Response:
    projects.get_project(session, user, project_id)
    stage = forms.text(form, "stage") or "planning"
    try:
        assessment_service.record_assessment(
            session, user, project_id, _answers_from(form), stage=stage
        )
    except InputError as exc:  # AnswersError: unknown question or answer (a tampered form)
        raise HTTPException(status_code=400, detail=str(exc)) from exc
    return _see_other(f"/projects/{project_id}/assessment")


@router.post("/projects/{project_id}/assessment/start", dependencies=csrf)
def start_assessment(
    request: Request, project_id: int, user: Editor, session: DB, form: Form
) -> Response:
    """Start a new check (planning or review) with no answers yet; areas are then answered
    one page at a time."""
    projects.get_project(session, user, project_id)
    try:
        assessment_service.record_assessment(
            session, user, project_id, {}, stage=forms.text(form, "stage") or "planning"
        )
    except InputError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from exc
    return _see_other(f"/projects/{project_id}/assessment")


def _area_page(
    request: Request,
    session: Session,
    user: User,
    project: Project,
    cluster_id: str,
    problems: Sequence[dict[str, str]] = (),
    status: int = 200,
) -> HTMLResponse:
    latest = assessments.latest_assessment(session, user, project.id)
    theory = latest.theory if latest else default_theory()
    cluster = next((c for c in theory.clusters if c.id == cluster_id), None)
    if cluster is None:
        raise HTTPException(status_code=404, detail="no such area")
    tasks = assessment_service.area_tasks(latest)
    index = next(i for i, t in enumerate(tasks) if t.cluster_id == cluster_id)
    return _project_page(
        request,
        "project_assessment_area.html.j2",
        user,
        project,
        "Equity assessment",
        status=status,
        area=cluster,
        questions=[q for s in cluster.statements for q in s.questions],
        answers={a.question_id: a.value for a in latest.answers} if latest else {},
        number=index + 1,
        n_areas=len(tasks),
        next_area=tasks[index + 1].cluster_id if index + 1 < len(tasks) else None,
        problems=list(problems),
    )


def _actions_page(
    request: Request,
    session: Session,
    user: User,
    project: Project,
    problems: Sequence[dict[str, str]] = (),
    status: int = 200,
    values: Mapping[str, Any] | None = None,
) -> HTMLResponse:
    latest = assessments.latest_assessment(session, user, project.id)
    theory = latest.theory if latest else default_theory()
    plan = (
        summarise_actions(latest.actions, theory, today=dt.datetime.now(dt.UTC).date())
        if latest
        else None
    )
    return _project_page(
        request,
        "project_assessment_actions.html.j2",
        user,
        project,
        "Equity assessment",
        status=status,
        has_assessment=latest is not None,
        plan=plan,
        actions=list(latest.actions) if latest else [],
        statements=[(st.id, st.plain or st.id) for _, st in theory.statements()],
        statuses=ACTION_STATUSES,
        values=dict(values or {}),
        problems=list(problems),
    )


@router.get("/projects/{project_id}/assessment/actions", response_class=HTMLResponse)
def actions_page(request: Request, project_id: int, user: Editor, session: DB) -> HTMLResponse:
    project = projects.get_project(session, user, project_id)
    return _actions_page(request, session, user, project)


def _action_from_form(form: Any) -> dict[str, Any]:
    raw = {k: forms.text(form, k) for k in ("risk", "what", "owner", "due", "status")}
    return {k: v for k, v in raw.items() if v}


@router.post("/projects/{project_id}/assessment/actions", dependencies=csrf)
def add_action(
    request: Request, project_id: int, user: Editor, session: DB, form: Form
) -> Response:
    project = projects.get_project(session, user, project_id)
    raw = _action_from_form(form)
    try:
        assessment_service.save_action(session, user, project.id, raw)
    except InputError as exc:
        return _actions_page(
            request, session, user, project, forms.summary_items(exc.problems), 400, raw
        )
    return _see_other(f"/projects/{project_id}/assessment/actions")


@router.post("/projects/{project_id}/assessment/actions/{number}", dependencies=csrf)
def update_action(
    request: Request, project_id: int, number: int, user: Editor, session: DB, form: Form
) -> Response:
    """Change one action's status (the rest of the action is kept as it was)."""
    project = projects.get_project(session, user, project_id)
    latest = assessments.latest_assessment(session, user, project.id)
    if latest is None or not 1 <= number <= len(latest.actions):
        raise HTTPException(status_code=404, detail="no such action")
    raw = {**latest.actions[number - 1].to_dict(), "status": forms.text(form, "status")}
    try:
        assessment_service.save_action(session, user, project.id, raw, index=number - 1)
    except InputError as exc:
        return _actions_page(
            request, session, user, project, forms.summary_items(exc.problems), 400
        )
    return _see_other(f"/projects/{project_id}/assessment/actions")


def _about_page(
    request: Request,
    session: Session,
    user: User,
    project: Project,
    problems: Sequence[dict[str, str]] = (),
    status: int = 200,
    values: Mapping[str, Any] | None = None,
) -> HTMLResponse:
    """The written sections (who is affected, the inequality at the start, unintended
    consequences), the groups considered and the sign-off, on one page (HEAT-style)."""
    from equalqi.assess.heat import INCLUSION_HEALTH, PROTECTED_CHARACTERISTICS, TEXT_FIELDS

    latest = assessments.latest_assessment(session, user, project.id)
    if values is None and latest is not None:
        about = latest.about
        values = {
            **{k: getattr(about, k) or "" for k in TEXT_FIELDS},
            "protected_characteristics": list(about.protected_characteristics),
            "inclusion_health": list(about.inclusion_health),
            "sign_off_name": about.sign_off.name if about.sign_off else "",
            "sign_off_role": about.sign_off.role if about.sign_off else "",
            "sign_off_date": about.sign_off.date.isoformat() if about.sign_off else "",
        }
    return _project_page(
        request,
        "project_assessment_about.html.j2",
        user,
        project,
        "Equity assessment",
        status=status,
        has_assessment=latest is not None,
        text_fields=TEXT_FIELDS,
        characteristics=PROTECTED_CHARACTERISTICS,
        inclusion=INCLUSION_HEALTH,
        values=dict(values or {}),
        problems=list(problems),
    )


def _about_items(problems: Sequence[Any]) -> list[dict[str, str]]:
    """Error-summary items for the sections form: plain words, each linked to its field."""
    from equalqi.assess.heat import INCLUSION_HEALTH, PROTECTED_CHARACTERISTICS

    first = {
        "protected_characteristics": next(iter(PROTECTED_CHARACTERISTICS)),
        "inclusion_health": next(iter(INCLUSION_HEALTH)),
    }
    items = []
    for p in problems:
        parts = (p.column or "").split(".")
        anchor = ""
        if parts[0] == "about" and len(parts) > 1:
            anchor = f"{parts[1]}-{first[parts[1]]}" if parts[1] in first else parts[1]
        elif parts[0] == "sign_off" and len(parts) > 1:
            anchor = f"sign_off_{parts[1]}"
        what = p.what.replace("sign_off: ", "Sign-off: ", 1)
        fix = "Fill it in." if p.fix == "Write the value in double quotes." else p.fix
        items.append({"text": f"{what[:1].upper()}{what[1:]}. {fix}", "href": f"#{anchor}"})
    return items


@router.get("/projects/{project_id}/assessment/about", response_class=HTMLResponse)
def about_page(request: Request, project_id: int, user: Editor, session: DB) -> HTMLResponse:
    project = projects.get_project(session, user, project_id)
    return _about_page(request, session, user, project)


@router.post("/projects/{project_id}/assessment/about", dependencies=csrf)
def save_about(
    request: Request, project_id: int, user: Editor, session: DB, form: Form
) -> Response:
    from equalqi.assess.heat import TEXT_FIELDS

    project = projects.get_project(session, user, project_id)
    about: dict[str, Any] = {k: forms.text(form, k) for k in TEXT_FIELDS}
    about["protected_characteristics"] = [
        v for v in form.getlist("protected_characteristics") if isinstance(v, str)
    ]
    about["inclusion_health"] = [v for v in form.getlist("inclusion_health") if isinstance(v, str)]
    sign_off = {k: forms.text(form, f"sign_off_{k}") for k in ("name", "role", "date")}
    try:
        assessment_service.save_about(session, user, project.id, about, sign_off)
    except InputError as exc:
        values = {**about, **{f"sign_off_{k}": v for k, v in sign_off.items()}}
        return _about_page(request, session, user, project, _about_items(exc.problems), 400, values)
    return _see_other(f"/projects/{project_id}/assessment")


@router.get("/projects/{project_id}/assessment/areas/{cluster_id}", response_class=HTMLResponse)
def area_page(
    request: Request, project_id: int, cluster_id: str, user: Editor, session: DB
) -> HTMLResponse:
    project = projects.get_project(session, user, project_id)
    return _area_page(request, session, user, project, cluster_id)


@router.post("/projects/{project_id}/assessment/areas/{cluster_id}", dependencies=csrf)
def save_area(
    request: Request, project_id: int, cluster_id: str, user: Editor, session: DB, form: Form
) -> Response:
    project = projects.get_project(session, user, project_id)
    try:
        assessment_service.answer_area(session, user, project.id, cluster_id, _answers_from(form))
    except InputError as exc:
        return _area_page(
            request, session, user, project, cluster_id, forms.summary_items(exc.problems), 400
        )
    if forms.text(form, "then") == "next":
        tasks = assessment_service.area_tasks(
            assessments.latest_assessment(session, user, project.id)
        )
        ids = [t.cluster_id for t in tasks]
        if cluster_id in ids and ids.index(cluster_id) + 1 < len(ids):
            return _see_other(
                f"/projects/{project_id}/assessment/areas/{ids[ids.index(cluster_id) + 1]}"
            )
    return _see_other(f"/projects/{project_id}/assessment")


@router.get("/projects/{project_id}/assessment/{assessment_id}/edit", response_class=HTMLResponse)
def edit_assessment_page(
    request: Request, project_id: int, assessment_id: int, user: Editor, session: DB
) -> HTMLResponse:
    project = projects.get_project(session, user, project_id)
    return _assessment_form_page(request, session, user, project, editing=assessment_id)


@router.post("/projects/{project_id}/assessment/{assessment_id}", dependencies=csrf)
def correct_assessment(
    request: Request, project_id: int, assessment_id: int, user: Editor, session: DB, form: Form
) -> Response:
    projects.get_project(session, user, project_id)
    stage = forms.text(form, "stage") or "planning"
    try:
        assessment_service.correct_assessment(
            session, user, project_id, assessment_id, _answers_from(form), stage=stage
        )
    except InputError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from exc
    return _see_other(f"/projects/{project_id}/assessment")


@router.post("/projects/{project_id}/assessment/{assessment_id}/remove", dependencies=csrf)
def remove_assessment(
    request: Request, project_id: int, assessment_id: int, user: Editor, session: DB, form: Form
) -> Response:
    project = projects.get_project(session, user, project_id)
    try:
        assessment_service.remove_assessment(
            session, user, project_id, assessment_id, forms.text(form, "reason")
        )
    except InputError as exc:
        problems = forms.summary_items(exc.problems, anchor=f"reason-{assessment_id}")
        return _assessment_form_page(request, session, user, project, problems=problems, status=400)
    return _see_other(f"/projects/{project_id}/assessment")


def _activity_rows(session: Session, user: User, project_id: int) -> list[dict[str, Any]]:
    policy = _project_policy(session, user, project_id)
    out = []
    for r in involvement.activity_records(session, user, project_id):
        a = activity_from_dict(r.data)
        out.append(
            {
                "id": r.id,
                "date": a.date.isoformat(),
                "activity": a.type_words + (f": {a.title}" if a.title else ""),
                "people": policy.count_text(a.participants),
            }
        )
    return out


def _involvement_page(
    request: Request,
    session: Session,
    user: User,
    project: Project,
    problems: list[dict[str, str]],
    status: int = 200,
    *,
    editing: int | None = None,
    values: Mapping[str, Any] | None = None,
) -> HTMLResponse:
    log = involvement.involvement_log(session, user, project.id)
    html = render_assessment_section(
        None, summarise_involvement(log, policy=_project_policy(session, user, project.id))
    )
    if values is None and editing is not None:
        values = involvement.get_activity(session, user, project.id, editing).data
    return _project_page(
        request,
        "project_involvement.html.j2",
        user,
        project,
        "Involvement",
        section_html=html,
        activity_rows=_activity_rows(session, user, project.id),
        activity_types=ACTIVITY_TYPES,
        barriers=BARRIERS,
        problems=problems,
        status=status,
        editing=editing,
        values=dict(values or {}),
    )


@router.get("/projects/{project_id}/involvement", response_class=HTMLResponse)
def involvement_page(request: Request, project_id: int, user: Viewer, session: DB) -> HTMLResponse:
    project = projects.get_project(session, user, project_id)
    return _involvement_page(request, session, user, project, [])


def _activity_from_form(form: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {"type": forms.text(form, "type"), "date": forms.text(form, "date")}
    count = forms.text(form, "participants")
    raw["participants"] = int(count) if count.isdigit() else count
    if forms.text(form, "title"):
        raw["title"] = forms.text(form, "title")
    barriers = [b for b in form.getlist("barriers") if isinstance(b, str)]
    if barriers:
        raw["barriers"] = barriers
    return raw


@router.post("/projects/{project_id}/involvement", dependencies=csrf)
def add_involvement(
    request: Request, project_id: int, user: Editor, session: DB, form: Form
) -> Response:
    project = projects.get_project(session, user, project_id)
    raw = _activity_from_form(form)
    try:
        assessment_service.log_activity(session, user, project.id, raw)
    except InputError as exc:
        problems = forms.summary_items(exc.problems)
        return _involvement_page(request, session, user, project, problems, status=400, values=raw)
    return _see_other(f"/projects/{project_id}/involvement")


@router.get("/projects/{project_id}/involvement/{activity_id}/edit", response_class=HTMLResponse)
def edit_involvement_page(
    request: Request, project_id: int, activity_id: int, user: Editor, session: DB
) -> HTMLResponse:
    project = projects.get_project(session, user, project_id)
    return _involvement_page(request, session, user, project, [], editing=activity_id)


@router.post("/projects/{project_id}/involvement/{activity_id}", dependencies=csrf)
def correct_involvement(
    request: Request, project_id: int, activity_id: int, user: Editor, session: DB, form: Form
) -> Response:
    project = projects.get_project(session, user, project_id)
    raw = _activity_from_form(form)
    # keep what the form does not show (roles, groups, barrier notes) as it was
    kept = involvement.get_activity(session, user, project.id, activity_id).data
    for key in ("roles", "groups", "barrier_notes"):
        if key in kept:
            raw[key] = kept[key]
    try:
        assessment_service.correct_activity(session, user, project.id, activity_id, raw)
    except InputError as exc:
        problems = forms.summary_items(exc.problems)
        return _involvement_page(
            request, session, user, project, problems, status=400, editing=activity_id, values=raw
        )
    return _see_other(f"/projects/{project_id}/involvement")


@router.post("/projects/{project_id}/involvement/{activity_id}/remove", dependencies=csrf)
def remove_involvement(
    request: Request, project_id: int, activity_id: int, user: Editor, session: DB, form: Form
) -> Response:
    project = projects.get_project(session, user, project_id)
    try:
        assessment_service.remove_activity(
            session, user, project.id, activity_id, forms.text(form, "reason")
        )
    except InputError as exc:
        problems = forms.summary_items(exc.problems, anchor=f"reason-{activity_id}")
        return _involvement_page(request, session, user, project, problems, status=400)
    return _see_other(f"/projects/{project_id}/involvement")


# ---------------------------------------------------------------- reports and downloads


@router.get("/projects/{project_id}/reports", response_class=HTMLResponse)
def reports_page(request: Request, project_id: int, user: Viewer, session: DB) -> HTMLResponse:
    project = projects.get_project(session, user, project_id)
    runs = analyses.list_analyses(session, user, project_id)
    return _project_page(request, "project_reports.html.j2", user, project, "Reports", runs=runs)


def _project_policy(session: Session, user: User, project_id: int) -> Policy:
    """The disclosure policy of the project's latest plan (the default before it has one)."""
    row = analyses.latest_plan(session, user, project_id)
    return plan_policy(parse_plan(row.toml, source="plan")) if row else Policy()


def report_html(session: Session, user: User, run: analyses.AnalysisRun) -> str:
    """The stored (disclosed) report with the latest assessment and involvement log."""
    policy = plan_policy(analyses.plan_of(session, run))
    summary = assessment_service.project_summary(session, user, run.project_id, policy=policy)
    log = involvement.involvement_log(session, user, run.project_id)
    section = render_assessment_section(
        summary,
        summarise_involvement(log, policy=policy) if log.activities else None,
    )
    if not section:
        section = "<h2>Equity by design</h2><p>No equity assessment has been completed yet.</p>"
    return analysis_service.report_text(run).replace(analyses.ASSESSMENT_MARKER, section)


@router.get("/projects/{project_id}/reports/{version}/{name}")
def download(
    project_id: int,
    version: int,
    name: str,
    user: Viewer,
    session: DB,
) -> Response:
    if name not in DOWNLOADS:
        raise HTTPException(status_code=404)
    run = analyses.get_analysis(session, user, project_id, version)
    filename = f"project-{project_id}-v{version}-{name}"
    disposition = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if name == "report.html":
        return Response(
            report_html(session, user, run), media_type="text/html", headers=disposition
        )
    return Response(
        analysis_service.shared_file(run, name), media_type=DOWNLOADS[name], headers=disposition
    )


# ---------------------------------------------------------------- audit


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, user: Admin, session: DB) -> HTMLResponse:
    events = audit.trail(session, user)
    ids = {e.user_id for e in events if e.user_id is not None}
    names = {u.id: u.name for u in session.scalars(select(User).where(User.id.in_(ids)))}
    return page(
        request, "audit.html.j2", title="Audit trail", user=user, events=events, names=names
    )


# ---------------------------------------------------------------- users (admins)


def _users_page(
    request: Request,
    session: Session,
    user: User,
    form: Mapping[str, Any],
    errors: Mapping[str, str],
    status: int = 200,
) -> HTMLResponse:
    return page(
        request,
        "users.html.j2",
        title="Users",
        user=user,
        users=list_users(session, user),
        roles=ROLES,
        form=form,
        errors=errors,
        problems=forms.field_items(errors),
        status=status,
    )


@router.get("/users", response_class=HTMLResponse)
def users_page(request: Request, user: Admin, session: DB) -> HTMLResponse:
    return _users_page(request, session, user, {}, {})


@router.post("/users", dependencies=csrf)
def add_user(request: Request, user: Admin, session: DB, form: Form) -> Response:
    values = {k: forms.text(form, k) for k in ("name", "email", "role")}
    password = form.get("password")
    password = password if isinstance(password, str) else ""
    errors: dict[str, str] = {}
    if not values["name"]:
        errors["name"] = "Enter the person's full name"
    if "@" not in values["email"]:
        errors["email"] = "Enter an e-mail address in the correct format, like name@nhs.net"
    elif email_taken(session, values["email"]):
        errors["email"] = "This e-mail address already has an account"
    if len(password) < MIN_PASSWORD:
        errors["password"] = f"The password must be at least {MIN_PASSWORD} characters"
    if values["role"] not in ROLES:
        errors["role"] = "Choose a role"
    if errors:
        return _users_page(request, session, user, values, errors, status=400)
    create_user(
        session,
        user.organisation,
        values["email"],
        values["name"],
        values["role"],
        password,
        by=user,
        must_change_password=True,
    )
    return _see_other("/users")
