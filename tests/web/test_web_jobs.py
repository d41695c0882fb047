"""Jobs: a failing analysis records its problems and changes nothing; the progress page
shows each state and is another organisation's 404; jobs orphaned by a stopped server are
marked failed at the next start."""

from __future__ import annotations

import io
import os
import socket
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from web_support import World

from equalqi.registry import jobs
from equalqi.registry.models import AnalysisRun, Job, Project
from equalqi.services.demo import demo_plan
from equalqi.services.jobs import fail_orphaned_jobs
from equalqi.web.throttle import SignInThrottle

Client = Callable[[str], tuple[TestClient, str]]


def test_a_failing_job_lists_its_problems_and_changes_nothing(
    world: World, client_for: Client, demo_csv: Path
) -> None:
    a, token = client_for("a-editor")
    h = {"X-CSRF-Token": token}
    pid = a.post("/api/projects", json={"title": "Jobs"}, headers=h).json()["id"]
    files = {"file": ("demo.csv", io.BytesIO(demo_csv.read_bytes()), "text/csv")}
    did = a.post(f"/api/projects/{pid}/datasets", headers=h, files=files).json()["id"]
    plan = demo_plan("dna_sms").to_toml().replace('date = "event_date"', 'date = "when"')
    r = a.post(
        f"/api/projects/{pid}/analyses", headers=h, json={"dataset_id": did, "plan_toml": plan}
    )
    job = r.json()
    world.app.state.jobs.wait(job["id"])
    page = a.get(job["page"])
    assert page.status_code == 200
    assert "The analysis did not run" in page.text and "when" in page.text
    assert "failed" in page.text
    with world.app.state.registry.session() as s:
        row = s.get(Job, job["id"])
        assert row is not None and row.status == "failed" and row.finished_at is not None
        assert any(p["column"] == "when" for p in row.problems)
        assert s.query(AnalysisRun).count() == 0
    assert not (world.settings.data_dir / "analyses").exists()
    b, _ = client_for("b-editor")
    assert b.get(job["page"]).status_code == 404
    assert b.get(job["url"]).status_code == 404


def test_orphaned_jobs_fail_at_start_and_live_ones_do_not(world: World) -> None:
    reg = world.app.state.registry
    here = socket.gethostname()
    with reg.session() as s, s.begin():
        project = Project(organisation_id=1, title="Orphans")
        s.add(project)
        s.flush()
        dead = 2**22 + 12345  # above Linux's default pid_max: no such process
        for worker in (f"{here}:{dead}", f"{here}:{os.getpid()}", "another-host:1"):
            s.add(Job(project_id=project.id, kind=jobs.ANALYSIS, worker=worker))
    assert fail_orphaned_jobs(reg) == 1
    with reg.session() as s:
        states = {j.worker: (j.status, j.message) for j in s.query(Job)}
    assert states[f"{here}:{dead}"][0] == "failed"
    assert "server stopped" in states[f"{here}:{dead}"][1]
    assert states[f"{here}:{os.getpid()}"][0] == "queued"
    assert states["another-host:1"][0] == "queued"


def test_the_job_page_needs_a_signed_in_member(world: World, client_for: Client) -> None:
    a, _ = client_for("a-viewer")
    assert a.get("/projects/1/jobs/1").status_code == 404  # no such project
    with TestClient(world.app) as anonymous:
        r = anonymous.get("/projects/1/jobs/1", follow_redirects=False)
        assert r.status_code == 303
        assert r.headers["location"] == "/sign-in?next=/projects/1/jobs/1"


def test_throttle_counts_failures_per_account_and_per_client() -> None:
    t = SignInThrottle(per_account="3/15 minutes", per_client="5/15 minutes")
    for _ in range(2):
        t.failed("Ann@x.nhs.uk", "10.0.0.1")
    assert not t.blocked("ann@x.nhs.uk", "10.0.0.1")
    t.failed("ann@x.nhs.uk ", "10.0.0.1")  # the same account, however it is typed
    assert t.blocked("ANN@x.nhs.uk", "10.0.0.2")  # per account: from any client
    t.succeeded("ann@x.nhs.uk")
    assert not t.blocked("ann@x.nhs.uk", "10.0.0.2")
    for i in range(2):
        t.failed(f"user{i}@x.nhs.uk", "10.0.0.1")
    assert t.blocked("someone.else@x.nhs.uk", "10.0.0.1")  # per client: 5 failures in all
    assert not t.blocked("someone.else@x.nhs.uk", "10.0.0.9")
