"""The progress page of a job, then a link to the result; a failed job lists its problems.

Without JavaScript a "Check progress" link reloads the page; with it, the page polls the
JSON API and reloads when the state changes. (No ``<meta http-equiv="refresh">``: a timed
refresh fails WCAG 2.2.1, and axe-core flags it as critical.)"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from equalqi.registry import jobs, projects
from equalqi.web.deps import DB, Viewer
from equalqi.web.render import page

router = APIRouter(include_in_schema=False)


@router.get("/projects/{project_id}/jobs/{job_id}", response_class=HTMLResponse)
def job_page(
    request: Request, project_id: int, job_id: int, user: Viewer, session: DB
) -> HTMLResponse:
    project = projects.get_project(session, user, project_id)
    job = jobs.get_job(session, user, project_id, job_id)
    problems = [{"text": str(p.get("message", "")), "href": ""} for p in job.problems]
    if job.status == "failed" and not problems:
        problems = [{"text": job.message, "href": ""}]
    return page(
        request,
        "job.html.j2",
        title=f"Analysis job {job.id} – {project.title}",
        user=user,
        project=project,
        section="Data",
        job=job,
        problems=problems,
        status=200,
    )
