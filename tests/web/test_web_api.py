"""The JSON API: the same services as the pages, with CSRF in a header, documented by OpenAPI."""

from __future__ import annotations

import io
from pathlib import Path

from fastapi.testclient import TestClient
from web_support import PASSWORD, World

from equalqi.services.demo import demo_plan


def test_api_journey_upload_analyse_assess(world: World, demo_csv: Path) -> None:
    with TestClient(world.app) as c:
        r = c.post("/api/session", json={"email": world.emails["a-editor"], "password": "no"})
        assert r.status_code == 401
        r = c.post("/api/session", json={"email": world.emails["a-editor"], "password": PASSWORD})
        assert r.status_code == 200
        token = r.json()["csrf_token"]
        assert r.json()["user"]["role"] == "editor"
        h = {"X-CSRF-Token": token}
        r = c.post("/api/projects", json={"title": "API", "qi_type": "Magic"}, headers=h)
        assert r.status_code == 422
        assert r.json()["problems"][0]["column"] == "qi_type"
        pid = c.post("/api/projects", json={"title": "API"}, headers=h).json()["id"]
        raw = demo_csv.read_bytes()
        r = c.post(
            f"/api/projects/{pid}/datasets",
            headers=h,
            files={"file": ("demo.csv", io.BytesIO(raw), "text/csv")},
        )
        assert r.status_code == 201
        import hashlib

        assert r.json()["sha256"] == hashlib.sha256(raw).hexdigest()
        did = r.json()["id"]
        # A plan whose numerator column is missing: the job fails naming the column, and
        # nothing is stored (no analysis version, no output folder).
        bad = demo_plan("dna_sms").to_toml().replace('numerator = "dna"', 'numerator = "dnaa"')
        r = c.post(
            f"/api/projects/{pid}/analyses", headers=h, json={"dataset_id": did, "plan_toml": bad}
        )
        assert r.status_code == 202
        assert r.headers["location"] == r.json()["url"]
        world.app.state.jobs.wait(r.json()["id"])
        failed = c.get(r.json()["url"]).json()
        assert failed["status"] == "failed" and failed["analysis_version"] is None
        assert any(p["column"] == "dnaa" for p in failed["problems"])
        assert c.get(f"/api/projects/{pid}/analyses").json() == []
        assert not (world.settings.data_dir / "analyses").exists()
        r = c.post(
            f"/api/projects/{pid}/analyses",
            headers=h,
            json={"dataset_id": did, "plan_toml": demo_plan("dna_sms").to_toml()},
        )
        assert r.status_code == 202 and r.json()["status"] == "queued"
        world.app.state.jobs.wait(r.json()["id"])
        done = c.get(r.json()["url"]).json()
        assert done["status"] == "done" and done["analysis_version"] == 1
        body = c.get(done["analysis_url"]).json()
        assert body["version"] == 1
        assert body["summary"]["records"] == 20_000
        assert c.get(f"/api/projects/{pid}").json()["equity_status"] == body["equity_status"]
        r = c.post(
            f"/api/projects/{pid}/assessments",
            headers=h,
            json={"stage": "planning", "answers": {"not-a-question": "yes"}},
        )
        assert r.status_code == 422
        from equalqi.assess import default_theory

        answers = dict.fromkeys(default_theory().question_ids, "no")
        r = c.post(
            f"/api/projects/{pid}/assessments",
            headers=h,
            json={"stage": "planning", "answers": answers},
        )
        assert r.status_code == 201
        listed = c.get(f"/api/projects/{pid}/assessments").json()
        assert len(listed) == 1 and listed[0]["overall_risk"] == r.json()["overall_risk"]
        # The audit trail (admins only) recorded each change with who made it.
        assert c.get("/api/audit").status_code == 403
    with TestClient(world.app) as other:  # another organisation: the job is not found
        other.post("/api/session", json={"email": world.emails["b-editor"], "password": PASSWORD})
        assert other.get(done["url"]).status_code == 404
    with TestClient(world.app) as admin:
        r = admin.post(
            "/api/session", json={"email": world.emails["a-admin"], "password": PASSWORD}
        )
        events = admin.get("/api/audit").json()
        actions = {(e["action"], e["entity"]) for e in events}
        assert {
            ("create", "project"),
            ("upload", "dataset"),
            ("analyse", "analysis"),
            ("assess", "assessment"),
        } <= actions


def test_openapi_documents_the_api(world: World) -> None:
    with TestClient(world.app) as c:
        doc = c.get("/api/openapi.json").json()
    paths = set(doc["paths"])
    assert {
        "/api/projects",
        "/api/projects/{project_id}/datasets",
        "/api/projects/{project_id}/analyses",
        "/api/session",
    } <= paths
    assert not any(p.startswith("/projects") for p in paths)  # HTML pages are not in the API
