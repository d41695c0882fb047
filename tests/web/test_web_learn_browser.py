"""``/learn`` and the chart help in a real browser (Debian's Chromium through Playwright):
axe-core on every guide page, an answer given by keyboard and mouse, the help under the
analysis page's charts collapsed until opened. Screenshots are saved for a person to see."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi.testclient import TestClient
from playwright.sync_api import sync_playwright
from test_web_browser import ARGS, CHROMIUM, axe, shot
from web_support import PASSWORD, World, analyse_via_api, make_world

from equalqi.learn import load_guide

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, World]]:
    world = make_world(tmp_path / "data")
    port = _free_port()
    srv = uvicorn.Server(
        uvicorn.Config(world.app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", world
    srv.should_exit = True
    thread.join(10)
    world.app.state.jobs.shutdown()
    world.app.state.registry.close()


def test_learn_pages_axe_answers_and_chart_help(
    server: tuple[str, World], demo_csv: Path, tmp_path: Path
) -> None:
    base, world = server
    guide = load_guide()
    shots = Path(os.environ.get("EQUALQI_SCREENSHOTS", tmp_path / "screenshots"))
    shots.mkdir(parents=True, exist_ok=True)
    pid = analyse_via_api(world, TestClient(world.app), demo_csv.read_bytes())
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on(
            "console",
            lambda m: (
                errors.append(m.text)
                if m.type == "error" and "Failed to load resource" not in m.text
                else None
            ),
        )
        page.goto(f"{base}/sign-in")
        page.fill("#email", world.emails["a-viewer"])
        page.fill("#password", PASSWORD)
        with page.expect_navigation():
            page.get_by_role("button", name="Sign in").click()

        # The header's Learn link leads to the index of modules.
        with page.expect_navigation():
            page.get_by_role("link", name="Learn", exact=True).click()
        assert page.url == f"{base}/learn"
        assert page.locator(".nhsuk-task-list__item").count() == len(guide.modules) == 6
        axe(page, "learn index")
        shot(page, shots, "learn-01-index")
        for module in guide.modules:
            page.goto(f"{base}/learn/{module.slug}")
            assert page.locator("h1").inner_text() == module.title
            assert page.locator("form[action^='/learn/exercises/']").count() == len(
                module.exercises
            )
            axe(page, f"learn module {module.number}")
            shot(page, shots, f"learn-02-module-{module.number}")
        page.goto(f"{base}/learn/glossary")
        assert page.locator("dl.eq-glossary dt").count() == len(guide.glossary)
        axe(page, "glossary")
        shot(page, shots, "learn-03-glossary")

        # Answer the first exercise of module 3: nothing chosen first (error summary), then
        # the first option, then see the feedback where the exercise is.
        module = guide.modules[2]
        exercise = module.exercises[0]
        page.goto(f"{base}/learn/{module.slug}")
        form = page.locator(f"form[action='/learn/exercises/{exercise.id}']")
        with page.expect_navigation():
            form.get_by_role("button").click()
        summary = page.locator(".nhsuk-error-summary")
        assert summary.is_visible()
        assert "then check your answer" in summary.inner_text()
        axe(page, "learn module with an error")
        shot(page, shots, "learn-04-error")
        page.screenshot(path=str(shots / "learn-04b-error-top.png"))
        form = page.locator(f"form[action='/learn/exercises/{exercise.id}']")
        form.locator("input").nth(1).check()  # [0] is the CSRF token; [1] the first option
        with page.expect_navigation():
            form.get_by_role("button").click()
        assert page.url.endswith(f"/learn/{module.slug}#{exercise.id}")
        feedback = page.locator(f"#{exercise.id}-feedback")
        assert feedback.is_visible()
        assert "Your answer is" in feedback.inner_text()
        axe(page, "learn module with feedback")
        shot(page, shots, "learn-05-feedback")
        page.locator(f"#{exercise.id}").screenshot(path=str(shots / "learn-05b-exercise.png"))
        page.goto(f"{base}/learn")
        status = page.locator(f"#module-{module.number}-status").inner_text().strip()
        assert status in ("In progress", "Completed")
        # On a phone: the task list and an exercise still fit the screen's width.
        page.set_viewport_size({"width": 375, "height": 800})
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        shot(page, shots, "learn-07-phone-index")
        page.goto(f"{base}/learn/{module.slug}#{exercise.id}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        page.screenshot(path=str(shots / "learn-07b-phone-exercise.png"))
        axe(page, "learn module on a phone")
        page.set_viewport_size({"width": 1280, "height": 900})

        # The analysis page: each chart's help is there, closed, and opens on a click.
        page.goto(f"{base}/projects/{pid}/analysis")
        page.wait_for_function(
            "() => [...document.querySelectorAll('.eq-chart')].every("
            "e => e.dataset.rendered === 'true')",
            timeout=20_000,
        )
        helps = page.locator("details.eq-how-to-read")
        assert helps.count() == page.locator(".eq-chart").count() >= 6
        for i in range(helps.count()):
            assert helps.nth(i).get_attribute("open") is None
            assert not helps.nth(i).locator("p").first.is_visible()
        helps.first.locator("summary").click()
        assert helps.first.locator("p").first.is_visible()
        axe(page, "analysis with chart help")
        shot(page, shots, "learn-06-analysis-help")
        helps.first.locator("xpath=..").screenshot(path=str(shots / "learn-06b-chart-help.png"))
        assert errors == [], errors
        context.close()
        browser.close()
