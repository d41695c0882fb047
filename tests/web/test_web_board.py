"""The reports page offers the board pack, and its workbook hides what measures.csv hides."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pandas as pd
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from pypdf import PdfReader
from web_support import PASSWORD, make_world

from equalqi.services.demo import demo_plan
from equalqi.synthetic import generate


def test_reports_page_offers_the_board_pack(tmp_path: Path) -> None:
    world = make_world(tmp_path, board_pack=True)
    frame, _ = generate("dna_sms", 20_000, 5)
    raw = frame.to_csv(index=False).encode()
    with TestClient(world.app) as c:
        r = c.post("/api/session", json={"email": world.emails["a-editor"], "password": PASSWORD})
        h = {"X-CSRF-Token": r.json()["csrf_token"]}
        pid = c.post("/api/projects", json={"title": "Board"}, headers=h).json()["id"]
        did = c.post(
            f"/api/projects/{pid}/datasets",
            headers=h,
            files={"file": ("x.csv", io.BytesIO(raw), "text/csv")},
        ).json()["id"]
        r = c.post(
            f"/api/projects/{pid}/analyses",
            headers=h,
            json={"dataset_id": did, "plan_toml": demo_plan("dna_sms").to_toml()},
        )
        assert r.status_code == 202  # a job: the pack is written with the analysis
        world.app.state.jobs.wait(r.json()["id"])
        page = c.get(f"/projects/{pid}/reports").text
        got = {}
        for name in ("board.pdf", "report.pdf", "tables.xlsx", "board.pptx", "charts.zip"):
            assert f"/projects/{pid}/reports/1/board/{name}" in page
            resp = c.get(f"/projects/{pid}/reports/1/board/{name}")
            assert resp.status_code == 200, name
            got[name] = resp.content
        measures = pd.read_csv(io.BytesIO(c.get(f"/projects/{pid}/reports/1/measures.csv").content))
        assert c.get(f"/projects/{pid}/reports/1/board/other.pdf").status_code == 404
    assert 1 <= len(PdfReader(io.BytesIO(got["board.pdf"])).pages) <= 2
    ws = load_workbook(io.BytesIO(got["tables.xlsx"]))["measures"]
    rows = list(ws.iter_rows(values_only=True))
    sheet = pd.DataFrame(rows[1:], columns=rows[0])
    assert (sheet["numerator"].isna().to_numpy() == measures["numerator"].isna().to_numpy()).all()
    assert sheet["suppressed"].astype(bool).sum() == measures["suppressed"].sum() > 0
    names = zipfile.ZipFile(io.BytesIO(got["charts.zip"])).namelist()
    assert any(n.endswith(".svg") for n in names) and any(n.endswith(".png") for n in names)
    world.app.state.registry.close()
