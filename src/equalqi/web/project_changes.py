"""Changing what is stored: edit a project's details, delete an uploaded extract (with a
confirmation page). Editors only; another organisation's project or dataset is not found,
and nothing changes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from equalqi.errors import InputError
from equalqi.registry import datasets, projects
from equalqi.registry.models import Project, User
from equalqi.web import forms
from equalqi.web.deps import DB, Editor, Form
from equalqi.web.pages import project_form
from equalqi.web.render import page
from equalqi.web.security import CSRF_FIELD, verify_csrf

router = APIRouter(include_in_schema=False)
csrf = [Depends(verify_csrf)]
FIELDS = ("title", "aim", "qi_type", "setting", "team", "start_date", "end_date", "status")


def _edit_page(
    request: Request,
    user: User,
    project: Project,
    form: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> HTMLResponse:
    return project_form(
        request,
        user,
        form,
        errors,
        status,
        title=f"Edit – {project.title}",
        heading="Edit the project's details",
        action=f"/projects/{project.id}/edit",
        button="Save changes",
    )


@router.get("/projects/{project_id}/edit", response_class=HTMLResponse)
def edit_page(request: Request, project_id: int, user: Editor, session: DB) -> HTMLResponse:
    project = projects.get_project(session, user, project_id)
    shown: dict[str, Any] = {k: getattr(project, k) or "" for k in FIELDS}
    shown["core20plus5"] = list(project.core20plus5)
    return _edit_page(request, user, project, shown, {})


@router.post("/projects/{project_id}/edit", dependencies=csrf)
def edit(request: Request, project_id: int, user: Editor, session: DB, form: Form) -> Response:
    project = projects.get_project(session, user, project_id)
    shown: dict[str, Any] = {k: forms.text(form, k) for k in FIELDS if k != CSRF_FIELD}
    shown["core20plus5"] = form.getlist("core20plus5")
    data, errors = forms.project_input(form)
    if data is not None:
        try:
            projects.update_project(session, user, project_id, data)
        except InputError as exc:
            errors = {p.column or "title": p.what for p in exc.problems}
        else:
            return RedirectResponse(f"/projects/{project_id}", status_code=303)
    session.rollback()  # nothing half-changed is kept
    return _edit_page(request, user, project, shown, errors, status=400)


@router.get("/projects/{project_id}/data/{dataset_id}/delete", response_class=HTMLResponse)
def delete_page(
    request: Request, project_id: int, dataset_id: int, user: Editor, session: DB
) -> HTMLResponse:
    project = projects.get_project(session, user, project_id)
    dataset = datasets.get_dataset(session, user, project_id, dataset_id)
    return page(
        request,
        "dataset_delete.html.j2",
        title=f"Delete {dataset.filename} – {project.title}",
        user=user,
        project=project,
        section="Data",
        dataset=dataset,
        n_analyses=datasets.analyses_of(session, dataset),
    )


@router.post("/projects/{project_id}/data/{dataset_id}/delete", dependencies=csrf)
def delete(project_id: int, dataset_id: int, user: Editor, session: DB) -> RedirectResponse:
    datasets.delete_dataset(session, user, project_id, dataset_id)
    return RedirectResponse(f"/projects/{project_id}/data", status_code=303)
