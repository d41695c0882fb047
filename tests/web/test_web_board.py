"""The reports page offers the board pack, and its workbook hides what measures.csv hides."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pandas as pd
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from pypdf import PdfReader
from web_support import analyse_via_api, make_world

from equalqi.synthetic import generate


def test_reports_page_offers_the_board_pack(tmp_path: Path) -> None:
    world = make_world(tmp_path, board_pack=True)
    frame, _ = generate("dna_sms", 20_000, 5)
    raw = frame.to_csv(index=False).encode()
    with TestClient(world.app) as c:
        pid = analyse_via_api(world, c, raw, title="Board")  # the pack is written by the job
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
