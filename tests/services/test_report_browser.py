"""The demo report opened in Debian's Chromium (Playwright): it renders, offline, accessibly."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from equalqi.services.demo import run_demo

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run = run_demo(tmp_path_factory.mktemp("demo"), rows=120_000, seed=3, with_portfolio=False)
    return run.outputs.report


def test_report_renders_offline_without_errors(report: Path, tmp_path: Path) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        errors: list[str] = []
        requests: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("request", lambda r: requests.append(r.url))
        page.goto(report.as_uri())
        assert page.locator("h1").inner_text() == "SMS appointment reminders: who do they reach?"
        summary = page.locator("section.summary").inner_text()
        assert "gap" in summary
        # Every chart is an image with an accessible name and a text description.
        charts = page.locator("svg[role=img]")
        assert charts.count() >= 6
        for i in range(charts.count()):
            chart = charts.nth(i)
            assert chart.locator(":scope > title").count() == 1
        # The numbers behind each chart are a real table with headers.
        assert page.locator("table caption").count() >= 3
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        browser.close()
    assert errors == []
    # Only the file itself was loaded: no CDN, fonts or scripts from anywhere else.
    assert {u for u in requests if not u.startswith("data:")} == {report.as_uri()}
    assert (tmp_path / "report.png").stat().st_size > 50_000
