"""Job rows: heavy work (an analysis) queued by a request and run by a worker.

The registry only stores and reads the state (queued, running, done, failed, a progress
message, the problems of a failed job, the analysis version it made); the worker that runs
jobs is :mod:`equalqi.services.jobs`.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from equalqi.registry import audit
from equalqi.registry.access import NotFound, project_for, require
from equalqi.registry.analyses import get_plan
from equalqi.registry.datasets import get_dataset
from equalqi.registry.models import Job, User, utcnow

ANALYSIS = "analysis"


def worker_name() -> str:
    """``host:pid`` of this process: the worker a job was given to."""
    return f"{socket.gethostname()}:{os.getpid()}"


def queue_analysis(
    session: Session, user: User, project_id: int, dataset_id: int, plan_id: int
) -> Job:
    """A queued analysis job (the dataset and plan must be this project's, and present)."""
    require(user, "editor")
    project_for(session, user, project_id)
    dataset = get_dataset(session, user, project_id, dataset_id)
    if dataset.deleted_at is not None:
        raise NotFound(f"dataset {dataset_id}")
    get_plan(session, user, project_id, plan_id)
    job = Job(
        project_id=project_id,
        kind=ANALYSIS,
        status="queued",
        message="Waiting for a free worker.",
        dataset_id=dataset_id,
        plan_id=plan_id,
        worker=worker_name(),
        created_by=user.id,
    )
    session.add(job)
    session.flush()
    audit.record(session, user, "queue", "job", job.id, {"dataset": dataset_id, "plan": plan_id})
    return job


def get_job(session: Session, user: User, project_id: int, job_id: int) -> Job:
    """The job if it belongs to this project of the user's organisation (else NotFound)."""
    require(user, "viewer")
    project_for(session, user, project_id)
    job = session.scalar(select(Job).where(Job.id == job_id, Job.project_id == project_id))
    if job is None:
        raise NotFound(f"job {job_id}")
    return job


def mark_running(session: Session, job: Job, message: str) -> None:
    job.status = "running"
    job.message = message
    job.started_at = utcnow()


def mark_done(session: Session, job: Job, analysis_version: int, message: str) -> None:
    job.status = "done"
    job.message = message
    job.analysis_version = analysis_version
    job.finished_at = utcnow()


def mark_failed(
    session: Session, job: Job, message: str, problems: list[dict[str, Any]] | None = None
) -> None:
    job.status = "failed"
    job.message = message
    job.problems = problems or []
    job.finished_at = utcnow()


def fail_orphans(session: Session, alive: Callable[[str], bool]) -> int:
    """Mark unfinished jobs whose server process is gone (``alive(worker)`` is false) as
    failed; returns how many. A restart ends the jobs it was running: none hangs forever."""
    count = 0
    for job in session.scalars(select(Job).where(Job.status.in_(("queued", "running")))):
        if not alive(job.worker):
            mark_failed(session, job, "The server stopped before this job finished. Run it again.")
            count += 1
    return count
