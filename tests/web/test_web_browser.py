"""The whole journey in a real browser (Debian's Chromium through Playwright), keyboard first,
with axe-core on every page: sign in, create a project, upload the demo extract, match the
columns, check, analyse, see the stratified charts and the gap, complete the assessment,
download the report. Screenshots are saved for a person to look at."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import Page, sync_playwright
from web_support import PASSWORD, World, make_world

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
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
BAD_CSV = "event_date,dna,imd_decile\n2024-01-05,1,3\n2024-01-06,maybe,4\n2024-13-07,0,11\n"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, World]]:
    world = make_world(tmp_path / "data")
    port = _free_port()
    config = uvicorn.Config(world.app, host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", world
    srv.should_exit = True
    thread.join(10)
    world.app.state.registry.close()


def axe(page: Page, where: str) -> None:
    """No serious or critical axe-core violation (WCAG 2.0/2.1/2.2 A and AA rules)."""
    page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = page.evaluate(
        """async () => await axe.run(document, {runOnly: {type: 'tag', values:
             ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})"""
    )
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"axe on {where}: {bad}"


def tab_to(page: Page, selector: str, limit: int = 60) -> None:
    """Press Tab until ``selector`` has the focus (proves it is reachable by keyboard)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement?.matches(s) ?? false", selector):
            return
    raise AssertionError(f"could not reach {selector} with the Tab key")


def shot(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def test_whole_journey_keyboard_axe_and_screenshots(
    server: tuple[str, World], demo_csv: Path, tmp_path: Path
) -> None:
    base, world = server
    shots = Path(os.environ.get("EQUALQI_SCREENSHOTS", tmp_path / "screenshots"))
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        # bypass_csp lets the test inject axe-core; the app's own pages never need it.
        context = browser.new_context(
            viewport={"width": 1280, "height": 900}, bypass_csp=True, accept_downloads=True
        )
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        # Console errors, except the deliberate 400/422 answers of forms with problems.
        page.on(
            "console",
            lambda m: (
                errors.append(m.text)
                if m.type == "error" and "Failed to load resource" not in m.text
                else None
            ),
        )

        # Sign in, keyboard only.
        page.goto(f"{base}/projects")
        assert page.url.startswith(f"{base}/sign-in")
        axe(page, "sign in")
        shot(page, shots, "01-sign-in")
        # The first Tab reaches the skip link, which moves the focus to the main content.
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "nhsuk-skip-link"
        page.keyboard.press("Enter")
        assert page.evaluate("location.hash") == "#maincontent"
        tab_to(page, "#email")
        page.keyboard.type(world.emails["a-editor"])
        page.keyboard.press("Tab")
        page.keyboard.type(PASSWORD)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        page.wait_for_url(f"{base}/projects")
        axe(page, "portfolio (empty)")

        # Create a project: an empty title first shows the error summary, focused.
        page.goto(f"{base}/projects/new")
        axe(page, "new project")
        with page.expect_navigation():
            page.get_by_role("button", name="Create project").click()
        assert page.locator(".nhsuk-error-summary").is_visible()
        assert "Enter a project title" in page.locator(".nhsuk-error-summary").inner_text()
        axe(page, "new project with errors")
        shot(page, shots, "02-new-project-error")
        tab_to(page, "#title")
        page.keyboard.type("SMS reminders: who do they reach?")
        page.get_by_label("Aim").fill("Fewer missed appointments without widening the gap.")
        page.get_by_label("Type of QI").select_option("Digital intervention")
        page.get_by_label("Core20 (most deprived 20%)").check()
        tab_to(page, "button.nhsuk-button[type=submit]")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        page.wait_for_url(f"{base}/projects/*")
        project_url = page.url
        axe(page, "project overview")

        # A broken extract: the check step lists every problem in an error summary.
        page.goto(f"{project_url}/data")
        bad = tmp_path / "broken.csv"
        bad.write_text(BAD_CSV, encoding="utf-8")
        page.set_input_files("#file", str(bad))
        with page.expect_navigation():
            page.locator("form[enctype] button[type=submit]").click()
        page.wait_for_url("**/map")
        page.get_by_label("Name of the measure").fill("DNA rate")
        with page.expect_navigation():
            page.get_by_role("button", name="Continue").click()
        page.wait_for_url("**/check?plan=*")
        summary = page.locator(".nhsuk-error-summary")
        assert summary.is_visible()
        assert "maybe" in summary.inner_text()  # the bad value is named
        axe(page, "check with errors")
        shot(page, shots, "03-validation-summary")

        # Upload the demo extract, match the columns, check, confirm.
        page.goto(f"{project_url}/data")
        axe(page, "data")
        page.set_input_files("#file", str(demo_csv))
        with page.expect_navigation():
            page.locator("form[enctype] button[type=submit]").click()
        page.wait_for_url("**/map")
        axe(page, "map columns")
        page.get_by_label("Name of the measure").fill("DNA rate")
        assert page.get_by_label("Date of the event").input_value() == "event_date"
        assert page.get_by_label("IMD decile (deprivation)").input_value() == "imd_decile"
        page.get_by_label("Another group to compare (optional)").select_option("site")
        page.get_by_label("Date the change was introduced (optional)").fill("2024-01-01")
        shot(page, shots, "04-map-columns")
        with page.expect_navigation():
            page.get_by_role("button", name="Continue").click()
        page.wait_for_url("**/check?plan=*")
        assert "20,000" in page.locator(".nhsuk-summary-list").inner_text()
        axe(page, "check passed")
        shot(page, shots, "05-check")
        with page.expect_navigation(timeout=60_000):
            page.get_by_role("button", name="Confirm and analyse").click()
        # The analysis runs as a job: its progress page reloads itself until it is done.
        page.wait_for_url("**/jobs/*")
        axe(page, "job progress")
        page.wait_for_selector("#job-result", timeout=120_000)
        assert page.locator("#job-status").inner_text() == "done"
        with page.expect_navigation():
            page.locator("#job-result").click()
        page.wait_for_url("**/analysis")

        # The stratified charts and the gap, drawn by vega-embed, each with its table.
        page.wait_for_selector(".eq-chart[data-rendered=true]", timeout=20_000)
        page.wait_for_function(
            "() => [...document.querySelectorAll('.eq-chart')].every("
            "e => e.dataset.rendered === 'true')",
            timeout=20_000,
        )
        n_charts = page.locator(".eq-chart").count()
        assert n_charts >= 6  # overall, 5 dimensions and the gap
        assert page.locator(".eq-chart svg").count() == n_charts
        # Every chart drew its data: one line mark per chart at least (not an empty frame).
        for i in range(n_charts):
            assert page.locator(".eq-chart").nth(i).locator(".mark-line path").count() >= 1
        assert page.locator(".eq-figure table").count() == n_charts
        assert "The gap: Deprivation (IMD quintile)" in page.content()
        assert not page.locator(".eq-chart[data-error]").count()
        axe(page, "analysis")
        shot(page, shots, "06-analysis")
        page.goto(project_url)
        assert "the gap between 1 - most deprived and 5 - least deprived" in page.content()
        axe(page, "project overview (analysed)")

        # The equity assessment: start a check, then answer one area per page from the
        # NHS.UK task list, with the keyboard-friendly radios.
        page.goto(f"{project_url}/assessment")
        axe(page, "assessment (empty)")
        with page.expect_navigation():
            page.get_by_role("button", name="Start a new check").click()
        # 4 areas, the action plan, about the project and sign-off
        assert page.locator(".nhsuk-task-list__item").count() == 6
        assert page.locator(".nhsuk-task-list__status").first.inner_text() == "Not started"
        axe(page, "assessment (task list)")
        with page.expect_navigation():
            page.locator(".nhsuk-task-list__link").first.click()
        for area in range(4):
            assert f"Area {area + 1} of 4" in page.content()
            if area == 0:
                axe(page, "assessment area")
                shot(page, shots, "07a-assessment-area")
            radios = page.locator("input.nhsuk-radios__input[value=partly]")
            for i in range(radios.count()):
                radios.nth(i).check()
            if area == 0:
                page.locator("input[value=yes]").first.check()
            name = "Save and go to the next area" if area < 3 else "Save and go back to the list"
            with page.expect_navigation():
                page.get_by_role("button", name=name).click()
        page.wait_for_url("**/assessment")
        statuses = page.locator(".nhsuk-task-list__status").all_inner_texts()
        assert [t.strip() for t in statuses] == ["Completed"] * 4
        page.goto(f"{project_url}/assessment/actions")
        axe(page, "action plan")
        page.goto(f"{project_url}/assessment/about")
        axe(page, "about the project and sign-off")
        page.get_by_label("Who is affected").fill("Adults booked into the clinic")
        page.get_by_label("Race").check()
        page.get_by_label("Name").fill("A. Lead")
        page.get_by_label("Role").fill("Clinical lead")
        page.get_by_label("Date").fill("2025-03-04")
        with page.expect_navigation():
            page.get_by_role("button", name="Save and return to the assessment").click()
        assert "Signed off by A. Lead (Clinical lead) on 4 March 2025." in page.content()
        page.goto(f"{project_url}/assessment")
        assert page.locator(".eq-assessment").is_visible()
        axe(page, "assessment (completed)")
        shot(page, shots, "07-assessment")

        page.goto(f"{project_url}/involvement")
        axe(page, "involvement")

        # Portfolio shows the equity status; reports download.
        page.goto(f"{base}/projects")
        assert "SMS reminders: who do they reach?" in page.content()
        assert page.locator(".nhsuk-tag").count() == 1
        axe(page, "portfolio")
        shot(page, shots, "08-portfolio")
        page.goto(f"{project_url}/reports")
        axe(page, "reports")
        with page.expect_download() as info:
            page.get_by_role("link", name="Download the report").first.click()
        report = Path(info.value.path()).read_text(encoding="utf-8")
        assert "DNA rate" in report
        assert "Equity by design" in report or "equity-design" in report
        assert "<!--equalqi:assessment-section-->" not in report  # filled in

        assert errors == [], errors  # no script or console error on any page so far
        page.goto(f"{base}/projects/999999")
        assert "Page not found" in page.content()
        axe(page, "404")

        # An admin sees the audit trail of who changed what.
        page.goto(f"{base}/projects")
        with page.expect_navigation():
            page.get_by_role("button", name="Sign out").click()
        page.fill("#email", world.emails["a-admin"])
        page.fill("#password", PASSWORD)
        with page.expect_navigation():
            page.get_by_role("button", name="Sign in").click()
        page.goto(f"{base}/audit")
        audit_text = page.locator("table").inner_text()
        assert "A editor" in audit_text and "analyse" in audit_text and "upload" in audit_text
        axe(page, "audit trail")
        shot(page, shots, "09-audit")
        page.goto(f"{base}/users")
        axe(page, "users")
        with page.expect_navigation():
            page.get_by_role("button", name="Add user").click()
        assert page.locator(".nhsuk-error-summary").is_visible()
        axe(page, "users with errors")
        shot(page, shots, "10-users-error")
        context.close()

        # Forms work without JavaScript: sign in, create a project, log involvement.
        nojs = browser.new_context(java_script_enabled=False)
        p2 = nojs.new_page()
        p2.goto(f"{base}/sign-in")
        p2.fill("#email", world.emails["a-editor"])
        p2.fill("#password", PASSWORD)
        with p2.expect_navigation():
            p2.get_by_role("button", name="Sign in").click()
        p2.goto(f"{base}/projects/new")
        p2.fill("#title", "Made without JavaScript")
        with p2.expect_navigation():
            p2.get_by_role("button", name="Create project").click()
        assert p2.locator("h1").inner_text() == "Made without JavaScript"
        p2.goto(p2.url + "/involvement")
        p2.select_option("#type", "workshop")
        p2.fill("#date", "2024-03-01")
        p2.fill("#participants", "14")
        with p2.expect_navigation():
            p2.get_by_role("button", name="Add to the log").click()
        assert "1 activity" in p2.content()
        nojs.close()
        browser.close()
    print(f"\nscreenshots: {shots}")
