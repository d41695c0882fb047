"""The job runner: analyses run in a small pool of worker processes, never in a request.

A request queues a job row (:func:`equalqi.registry.jobs.queue_analysis`), commits, and calls
:meth:`JobRunner.submit`; a worker process opens the registry itself, marks the job running,
runs the analysis and marks it done (with the analysis version) or failed (with the
problems). A failed analysis registers nothing (``run_analysis`` writes only on success).
Processes, not threads: the statistics hold the GIL, and the web server's event loop and
thread pool must keep answering while an analysis runs.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import socket
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

from equalqi.errors import InputError
from equalqi.registry import jobs as job_rows
from equalqi.registry.db import Registry, open_registry
from equalqi.registry.models import Job, PlanVersion, User
from equalqi.services.analyses import run_analysis

log = logging.getLogger(__name__)


def _analyse(registry: Registry, job_id: int, board: bool = True) -> None:
    """Run one analysis job to the end, recording its state in the job row."""
    with registry.session() as session, session.begin():
        job = session.get(Job, job_id)
        if job is None or job.status != "queued":
            return
        job_rows.mark_running(session, job, "Analysing the data: this can take a few minutes.")
    try:
        with registry.session() as session, session.begin():
            job = session.get(Job, job_id)
            user = session.get(User, job.created_by) if job and job.created_by else None
            plan = session.get(PlanVersion, job.plan_id) if job and job.plan_id else None
            if job is None or user is None or plan is None or job.dataset_id is None:
                raise RuntimeError(f"job {job_id} lacks its user, plan or dataset")
            run = run_analysis(
                session,
                user,
                job.project_id,
                job.dataset_id,
                plan,
                data_dir=registry.data_dir,
                board=board,
            )
            job_rows.mark_done(
                session, job, run.version, f"Analysis version {run.version} is ready."
            )
    except InputError as exc:
        _fail(registry, job_id, "The data cannot be analysed yet.", exc)
    except Exception as exc:  # recorded for the user; the details go to the server log
        log.exception("job %s failed", job_id)
        _fail(registry, job_id, f"The analysis stopped with an error ({type(exc).__name__}).")


def _fail(registry: Registry, job_id: int, message: str, exc: InputError | None = None) -> None:
    with registry.session() as session, session.begin():
        job = session.get(Job, job_id)
        if job is not None:
            problems = [p.to_dict() for p in exc.problems] if exc is not None else []
            job_rows.mark_failed(session, job, message, problems)


def analyse_now(registry: Registry, job_id: int) -> None:
    """Run a queued job in this process (seeding and scripts; requests use the runner)."""
    _analyse(registry, job_id)


_WORKER_REGISTRY: Registry | None = None
_WORKER_BOARD = True


def _init_worker(url: str, data_dir: str, board: bool) -> None:
    global _WORKER_REGISTRY, _WORKER_BOARD
    _WORKER_REGISTRY = open_registry(url, data_dir=Path(data_dir), run_migrations=False)
    _WORKER_BOARD = board


def _run_in_worker(job_id: int) -> None:
    if _WORKER_REGISTRY is None:  # pragma: no cover - the initializer always runs first
        raise RuntimeError("the worker has no registry")
    _analyse(_WORKER_REGISTRY, job_id, _WORKER_BOARD)


class JobRunner:
    """A pool of ``workers`` processes (started on first use) running queued jobs."""

    def __init__(self, url: str, data_dir: Path, *, workers: int = 2, board: bool = True) -> None:
        self.url = url
        self.board = board  # write the board pack (PDFs, workbook, slides) with each analysis
        self.data_dir = data_dir
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._futures: dict[int, Future[None]] = {}

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                # spawn: a fork of a threaded server (uvicorn, DuckDB) is unsafe
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
                initargs=(self.url, str(self.data_dir), self.board),
            )
        return self._pool

    def submit(self, job_id: int) -> Future[None]:
        """Run the (committed, queued) job ``job_id``; the future ends when it has."""
        future = self._executor().submit(_run_in_worker, job_id)
        self._futures[job_id] = future
        future.add_done_callback(lambda _f: self._futures.pop(job_id, None))
        return future

    def wait(self, job_id: int, timeout: float | None = None) -> None:
        """Block until job ``job_id`` (submitted by this runner) has finished, if it runs."""
        future = self._futures.get(job_id)
        if future is not None:
            future.result(timeout)

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def fail_orphaned_jobs(registry: Registry) -> int:
    """At start: jobs that a server process of this host left unfinished become failed."""
    with registry.session() as session, session.begin():
        return job_rows.fail_orphans(session, alive=_alive)


def _alive(worker: str) -> bool:
    """Is the server process ``host:pid`` that queued a job still running? (Another host's
    processes cannot be seen: they are taken to be alive.)"""
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
