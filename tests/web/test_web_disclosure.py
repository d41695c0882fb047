"""The web app shows only disclosed numbers: pages, API and downloads agree on what is hidden,
and the attacker given every download and the API's JSON recovers nothing."""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import pandas as pd
from fastapi.testclient import TestClient
from sqlalchemy import select
from web_support import PASSWORD, World, analyse_via_api

from equalqi.registry.models import User
from equalqi.registry.organisations import set_show_unsuppressed
from equalqi.services.analysis.pipeline import analyse
from equalqi.services.demo import demo_plan
from equalqi.synthetic import generate

sys.path.insert(0, str(Path(__file__).parents[1] / "disclosure"))
from attacker import Attacker, read_published, recovered


def test_pages_api_and_downloads_are_disclosed(world: World, tmp_path: Path) -> None:
    frame, _ = generate("dna_sms", 4_000, 21)
    raw = frame.to_csv(index=False).encode()
    plan = demo_plan("dna_sms")
    with TestClient(world.app) as c:
        pid = analyse_via_api(world, c, raw, title="Small")
        summary = c.get(f"/api/projects/{pid}/analyses/1").json()["summary"]
        view = c.get(f"/api/projects/{pid}/analyses/1/view").json()
        folder = tmp_path / "downloads"
        folder.mkdir()
        for name in ("measures.csv", "gaps.csv", "summary.json", "plan.toml", "report.html"):
            got = c.get(f"/projects/{pid}/reports/1/{name}")
            assert got.status_code == 200
            (folder / name).write_bytes(got.content)
        page = c.get(f"/projects/{pid}/analysis").text
    measures = pd.read_csv(folder / "measures.csv", parse_dates=["period"])
    hidden = measures[measures["suppressed"]]
    assert len(hidden) == summary["disclosure"]["cells_hidden"] > 0
    assert view["disclosure"] == summary["disclosure"]
    keys = set(zip(hidden["dimension"], hidden["group"], hidden["period"], strict=True))
    points = {(p["dimension"], p["group"], pd.Timestamp(p["x"])) for p in view["charts"]}
    assert points and not points & keys
    # the page states the policy and what it did, and is not the team's unsuppressed view
    statement = summary["disclosure"]["statement"]
    assert statement.split(": ", 1)[1][:60] in " ".join(page.split())
    assert 'id="team-view"' not in page
    # the attacker, given every download and the API's JSON, learns nothing hidden
    # the truth: the same analysis, undisclosed
    csv = tmp_path / "small.csv"
    csv.write_bytes(raw)
    full = analyse(csv, plan).measures
    attacker = Attacker(read_published(folder, extra_json=view))
    assert recovered(attacker, attacker.run(), full) == []


def _points(page: str) -> int:
    """Chart points drawn on a page: the "y" values in its embedded Vega-Lite data."""
    return len(re.findall(r'\\?"y\\?": ?-?[0-9]', page))


def test_team_view_only_where_the_admin_allows_it(world: World) -> None:
    with TestClient(world.app) as c:
        frame, _ = generate("dna_sms", 4_000, 21)
        pid = analyse_via_api(world, c, frame.to_csv(index=False).encode(), title="Team")
        shared_page = c.get(f"/projects/{pid}/analysis").text
        shared_view = c.get(f"/api/projects/{pid}/analyses/1/view").json()
        with world.app.state.registry.session() as s, s.begin():
            admin = s.scalar(select(User).where(User.email == world.emails["a-admin"]))
            assert admin is not None
            set_show_unsuppressed(s, admin, True)
        team_page = c.get(f"/projects/{pid}/analysis").text
        # downloads and the API stay disclosed whatever the switch says
        assert c.get(f"/api/projects/{pid}/analyses/1/view").json() == shared_view
        measures = pd.read_csv(io.BytesIO(c.get(f"/projects/{pid}/reports/1/measures.csv").content))
        assert measures["suppressed"].sum() == shared_view["disclosure"]["cells_hidden"] > 0
    assert 'id="team-view"' not in shared_page and 'id="team-view"' in team_page
    # the charts' tables name hidden cells as hidden (not "no data"); the team sees them all
    assert re.search(r"<td[^>]*>hidden</td>", shared_page)
    assert not re.search(r"<td[^>]*>hidden</td>", team_page)
    assert "No small-number protection" in team_page
    # the team sees the points the shared view hides (4,000 records: most are small)
    assert _points(team_page) > _points(shared_page) > 0
    with TestClient(world.app) as other:
        r = other.post(
            "/api/session", json={"email": world.emails["b-editor"], "password": PASSWORD}
        )
        assert r.status_code == 200
        assert other.get(f"/projects/{pid}/analysis").status_code == 404
