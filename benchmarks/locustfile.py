"""Locust users for :mod:`benchmarks.bench_web`: each signs in as its own account, then
browses every kind of route: HTML pages, the JSON API, static assets and a form POST with
its CSRF token.

Read from the environment (set by ``bench_web``): ``EQUALQI_BENCH_EMAILS`` (comma separated),
``EQUALQI_BENCH_PASSWORD``, ``EQUALQI_BENCH_PROJECT`` and ``EQUALQI_BENCH_JOB``.
"""

from __future__ import annotations

import itertools
import json
import os
import re
from typing import Any

import gevent
from locust import between, events, task
from locust.contrib.fasthttp import FastHttpUser
from locust.env import Environment

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
EMAILS = os.environ.get("EQUALQI_BENCH_EMAILS", "").split(",")
PASSWORD = os.environ.get("EQUALQI_BENCH_PASSWORD", "")
PROJECT = os.environ.get("EQUALQI_BENCH_PROJECT", "1")
JOB = os.environ.get("EQUALQI_BENCH_JOB", "1")
_next_email = itertools.cycle(EMAILS)
#: Seconds after the last user has started before the steady-state figures begin: the
#: sign-in burst (argon2id, by design about 0.2 s of CPU each) is over by then.
SETTLE = float(os.environ.get("EQUALQI_BENCH_SETTLE", "20"))
RAMP_FILE = os.environ.get("EQUALQI_BENCH_RAMP_FILE", "")
_env: list[Environment] = []


@events.init.add_listener
def _keep(environment: Environment, **_kw: Any) -> None:
    _env.append(environment)


@events.spawning_complete.add_listener
def _after_ramp(user_count: int, **_kw: Any) -> None:
    """Save the figures of the ramp-up (every sign-in) and start the steady-state ones."""

    def snapshot_and_reset() -> None:
        stats = _env[0].stats
        rows = [
            {
                "name": e.name,
                "requests": e.num_requests,
                "failures": e.num_failures,
                "p50": e.get_response_time_percentile(0.5),
                "p95": e.get_response_time_percentile(0.95),
            }
            for e in [*stats.entries.values(), stats.total]
            if e.num_requests
        ]
        if RAMP_FILE:
            with open(RAMP_FILE, "w", encoding="utf-8") as fh:
                json.dump(rows, fh)
        stats.reset_all()

    gevent.spawn_later(SETTLE, snapshot_and_reset)


class Member(FastHttpUser):
    """A signed-in member of the organisation moving between pages (1 to 3 s per click)."""

    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.email = next(_next_email)
        page = self.client.get("/sign-in", name="GET /sign-in")
        token = CSRF_RE.search(page.text or "")
        with self.client.post(
            "/sign-in",
            data={
                "email": self.email,
                "password": PASSWORD,
                "csrf_token": token.group(1) if token else "",
                "next": "/projects",
            },
            allow_redirects=False,
            name="POST /sign-in",
            catch_response=True,
        ) as answer:
            if answer.status_code != 303:
                answer.failure(f"sign-in answered {answer.status_code}")
        portfolio = self.client.get("/projects", name="GET /projects (first, after sign-in)")
        found = CSRF_RE.search(portfolio.text or "")
        self.csrf = found.group(1) if found else ""

    def _page(self, path: str, name: str) -> None:
        with self.client.get(path, name=name, catch_response=True) as answer:
            if answer.status_code != 200:
                answer.failure(f"{answer.status_code}")

    @task(4)
    def portfolio(self) -> None:
        self._page("/projects", "GET /projects")

    @task(4)
    def overview(self) -> None:
        self._page(f"/projects/{PROJECT}", "GET /projects/{id}")

    @task(3)
    def analysis(self) -> None:
        self._page(f"/projects/{PROJECT}/analysis", "GET /projects/{id}/analysis")

    @task(2)
    def data(self) -> None:
        self._page(f"/projects/{PROJECT}/data", "GET /projects/{id}/data")

    @task(2)
    def reports(self) -> None:
        self._page(f"/projects/{PROJECT}/reports", "GET /projects/{id}/reports")

    @task(2)
    def assessment(self) -> None:
        self._page(f"/projects/{PROJECT}/assessment", "GET /projects/{id}/assessment")

    @task(1)
    def job(self) -> None:
        self._page(f"/projects/{PROJECT}/jobs/{JOB}", "GET /projects/{id}/jobs/{job}")

    @task(3)
    def api_projects(self) -> None:
        self._page("/api/projects", "GET /api/projects")

    @task(2)
    def api_analyses(self) -> None:
        self._page(f"/api/projects/{PROJECT}/analyses", "GET /api/projects/{id}/analyses")

    @task(2)
    def api_me(self) -> None:
        self._page("/api/me", "GET /api/me")

    @task(3)
    def static(self) -> None:
        self._page("/static/equalqi.css", "GET /static/equalqi.css")
        self._page("/static/vendor/nhsuk-frontend.min.css", "GET /static/vendor/…css")

    @task(1)
    def log_involvement(self) -> None:
        """A form POST with its CSRF token (the body is read by the async form dependency)."""
        with self.client.post(
            f"/projects/{PROJECT}/involvement",
            data={
                "csrf_token": self.csrf,
                "type": "workshop",
                "date": "2025-03-04",
                "participants": "12",
                "title": "Load test workshop",
            },
            allow_redirects=False,
            name="POST /projects/{id}/involvement",
            catch_response=True,
        ) as answer:
            if answer.status_code != 303:
                answer.failure(f"{answer.status_code}")
