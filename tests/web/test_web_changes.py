"""Deleting an uploaded extract and editing a project: editors of the project's own
organisation only; another organisation gets 404 and nothing changes; the audit trail
records who and when."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from web_support import World

from equalqi.registry import jobs
from equalqi.registry.analyses import save_plan
from equalqi.registry.models import AnalysisRun, AuditEvent, Dataset, Project, User
from equalqi.services.demo import demo_plan
from equalqi.services.jobs import analyse_now

Client = Callable[[str], tuple[TestClient, str]]


def _project_with_analysed_data(
    world: World, c: TestClient, token: str, csv: Path
) -> tuple[int, int]:
    h = {"X-CSRF-Token": token}
    pid = c.post("/api/projects", json={"title": "Deletable"}, headers=h).json()["id"]
    r = c.post(
        f"/api/projects/{pid}/datasets",
        headers=h,
        files={"file": ("extract.csv", io.BytesIO(csv.read_bytes()), "text/csv")},
    )
    did = r.json()["id"]
    reg = world.app.state.registry
    with reg.session() as s, s.begin():
        user = s.query(User).filter_by(email=world.emails["a-editor"]).one()
        plan = save_plan(s, user, pid, demo_plan("dna_sms"))
        job_id = jobs.queue_analysis(s, user, pid, did, plan.id).id
    analyse_now(reg, job_id)  # the job's own code, in this process
    return pid, did


def test_an_editor_deletes_a_dataset_after_confirming(
    world: World, client_for: Client, demo_csv: Path
) -> None:
    a, token = client_for("a-editor")
    pid, did = _project_with_analysed_data(world, a, token, demo_csv)
    with world.app.state.registry.session() as s:
        stored = Path(s.get(Dataset, did).stored_path)  # type: ignore[union-attr]
    assert stored.is_file()
    b, b_token = client_for("b-editor")  # another organisation: 404, and nothing changes
    assert b.get(f"/projects/{pid}/data/{did}/delete").status_code == 404
    r = b.post(f"/projects/{pid}/data/{did}/delete", data={"csrf_token": b_token})
    assert r.status_code == 404
    r = b.delete(f"/api/projects/{pid}/datasets/{did}", headers={"X-CSRF-Token": b_token})
    assert r.status_code == 404
    viewer, v_token = client_for("a-viewer")
    r = viewer.post(f"/projects/{pid}/data/{did}/delete", data={"csrf_token": v_token})
    assert r.status_code == 403
    assert a.post(f"/projects/{pid}/data/{did}/delete", data={}).status_code == 403  # no CSRF
    assert stored.is_file()

    confirm = a.get(f"/projects/{pid}/data/{did}/delete")
    assert confirm.status_code == 200 and "extract.csv" in confirm.text
    assert "1 analysis version made from it is kept" in confirm.text
    r = a.post(
        f"/projects/{pid}/data/{did}/delete", data={"csrf_token": token}, follow_redirects=False
    )
    assert r.status_code == 303
    assert not stored.exists() and not stored.parent.exists()
    assert a.get(f"/api/projects/{pid}/datasets").json() == []
    assert a.get(f"/projects/{pid}/data/{did}/map").status_code == 404
    runs = a.get(f"/api/projects/{pid}/analyses").json()
    assert [r["dataset_deleted"] for r in runs] == [True]
    assert "data deleted" in a.get(f"/projects/{pid}/reports").text
    r = a.delete(f"/api/projects/{pid}/datasets/{did}", headers={"X-CSRF-Token": token})
    assert r.status_code == 404  # already gone
    with world.app.state.registry.session() as s:
        event = s.query(AuditEvent).filter_by(action="delete", entity="dataset").one()
        editor = s.query(User).filter_by(email=world.emails["a-editor"]).one()
        dataset = s.get(Dataset, did)
        assert event.user_id == editor.id and event.entity_id == did
        assert event.detail["analyses marked"] == 1 and event.detail["file"] == "extract.csv"
        assert dataset is not None and dataset.deleted_by == editor.id
        assert dataset.deleted_at is not None
        assert s.query(AnalysisRun).filter_by(dataset_id=did).one().dataset_deleted


def test_api_deletes_a_dataset_with_204(world: World, client_for: Client) -> None:
    a, token = client_for("a-editor")
    h = {"X-CSRF-Token": token}
    pid = a.post("/api/projects", json={"title": "API delete"}, headers=h).json()["id"]
    r = a.post(
        f"/api/projects/{pid}/datasets",
        headers=h,
        files={"file": ("x.csv", io.BytesIO(b"event_date,dna\n2024-01-01,1\n"), "text/csv")},
    )
    did = r.json()["id"]
    assert a.delete(f"/api/projects/{pid}/datasets/{did}").status_code == 403  # no CSRF
    assert a.delete(f"/api/projects/{pid}/datasets/{did}", headers=h).status_code == 204
    assert a.get(f"/api/projects/{pid}/datasets").json() == []


def test_editors_edit_a_project_by_page_and_api(world: World, client_for: Client) -> None:
    a, token = client_for("a-editor")
    h = {"X-CSRF-Token": token}
    pid = a.post("/api/projects", json={"title": "Old title", "aim": "Aim"}, headers=h).json()["id"]
    b, b_token = client_for("b-editor")
    r = b.patch(
        f"/api/projects/{pid}", json={"title": "Hijacked"}, headers={"X-CSRF-Token": b_token}
    )
    assert r.status_code == 404
    assert b.get(f"/projects/{pid}/edit").status_code == 404
    r = b.post(f"/projects/{pid}/edit", data={"csrf_token": b_token, "title": "Hijacked"})
    assert r.status_code == 404
    viewer, v_token = client_for("a-viewer")
    r = viewer.patch(f"/api/projects/{pid}", json={"title": "X"}, headers={"X-CSRF-Token": v_token})
    assert r.status_code == 403

    r = a.patch(f"/api/projects/{pid}", json={"qi_type": "Magic"}, headers=h)
    assert r.status_code == 422 and r.json()["problems"][0]["column"] == "qi_type"
    r = a.patch(f"/api/projects/{pid}", json={"title": "New title", "status": "active"}, headers=h)
    assert r.status_code == 200
    assert (r.json()["title"], r.json()["status"], r.json()["aim"]) == (
        "New title",
        "active",
        "Aim",
    )
    page = a.get(f"/projects/{pid}/edit")
    assert page.status_code == 200 and 'value="New title"' in page.text
    form = {"csrf_token": token, "title": "", "qi_type": "Other", "status": "active"}
    r = a.post(f"/projects/{pid}/edit", data=form)
    assert r.status_code == 400 and "Enter a project title" in r.text
    form = {**form, "title": "Page title", "aim": "Narrow the gap", "end_date": "2026-12-31"}
    r = a.post(f"/projects/{pid}/edit", data=form, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/projects/{pid}"
    with world.app.state.registry.session() as s:
        project = s.get(Project, pid)
        assert project is not None and project.title == "Page title"
        assert str(project.end_date) == "2026-12-31"
        updates = s.query(AuditEvent).filter_by(action="update", entity="project").all()
        assert [e.detail.get("title") for e in updates] == ["New title", "Page title"]
