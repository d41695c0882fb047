"""The web analysis page: every chart has "How to read this chart", collapsed, and every
verdict links to the guide module that explains it."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient
from web_support import World, analyse_via_api

from equalqi.services.chart_help import chart_help, verdict_module


def test_every_chart_has_collapsed_help_and_every_verdict_a_module_link(
    world: World, demo_csv: Path
) -> None:
    with TestClient(world.app) as client:
        pid = analyse_via_api(world, client, demo_csv.read_bytes())
        html = client.get(f"/projects/{pid}/analysis").text
        overview = client.get(f"/projects/{pid}").text
        listing = client.get("/projects").text
    figures = html.split('<figure class="eq-figure"')[1:]
    assert len(figures) >= 6  # overall, five dimensions and the gap
    help_ = chart_help()
    for fig in figures:
        body = fig.split("</figure>", 1)[0]
        kind = "web_gap_spc" if 'id="gap-' in body else "web_group_spc"
        found = re.findall(r'<details class="nhsuk-details eq-how-to-read"([^>]*)>', body)
        assert len(found) == 1, body[:200]
        assert "open" not in found[0]  # collapsed by default
        assert f'data-chart="{kind}"' in found[0]
        assert help_.summary in body
        for paragraph in help_.paragraphs(kind):
            assert f"<p>{paragraph}</p>" in body.replace("&#39;", "'")
    assert any('id="gap-' in f for f in figures)
    module = verdict_module()
    verdicts = html.count('<h3 class="nhsuk-card__heading">The gap:')
    assert verdicts >= 1
    assert html.count(f'<a href="/learn/{module.slug}">What this verdict means') == verdicts
    assert module.number == 5
    # The overview's verdict sentences and the portfolio's equity status link there too.
    for other in (overview, listing):
        assert f'<a href="/learn/{module.slug}">What the ' in other
