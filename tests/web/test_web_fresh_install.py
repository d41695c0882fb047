"""A fresh install, end to end in Debian's Chromium: ``equalqi admin create-organisation`` and
``create-user`` (the Typer app), sign in with the one-time password, the forced password
change, a project, an upload of synthetic records, the analysis job and its progress page,
the result, deleting the dataset, and the audit entry that records it. A session cookie
copied into another browser works until sign-out and not after."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import sync_playwright
from test_web_browser import ARGS, CHROMIUM, axe
from typer.testing import CliRunner

from equalqi.cli.main import app as cli
from equalqi.web import Settings, create_app

pytestmark = pytest.mark.browser
NEW_PASSWORD = "my own long passphrase 2026"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[tuple[str, str, str]]:
    """(base URL, e-mail, one-time password) of a fresh install set up with the CLI."""
    home = tmp_path / "home"
    db = f"sqlite:///{home / 'equalqi.db'}"
    env = {"EQUALQI_HOME": str(home), "EQUALQI_SECRET_KEY": "browser-test-only"}
    runner = CliRunner()
    r = runner.invoke(cli, ["admin", "create-organisation", "Fresh NHS Trust", "--db", db], env=env)
    assert r.exit_code == 0, r.output
    args = ["--organisation", "Fresh NHS Trust", "--email", "lead@fresh.nhs.uk", "--role", "admin"]
    r = runner.invoke(
        cli, ["admin", "create-user", *args, "--name", "Fresh Lead", "--db", db], env=env
    )
    assert r.exit_code == 0, r.output
    found = re.search(r"One-time password[^\n]*\n(\S+)\n", r.output)
    assert found, r.output
    settings = Settings(data_dir=home, database_url=db, secret_key="browser-test-only")
    app = create_app(settings)
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", "lead@fresh.nhs.uk", found.group(1)
    srv.should_exit = True
    thread.join(10)
    app.state.jobs.shutdown()
    app.state.registry.close()


def test_fresh_install_to_deleted_dataset(fresh: tuple[str, str, str], tmp_path: Path) -> None:
    from equalqi.synthetic import generate

    base, email, one_time = fresh
    frame, _truth = generate("dna_sms", 6_000, 3)
    extract = tmp_path / "fresh_extract.csv"
    frame.to_csv(extract, index=False)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(bypass_csp=True)
        page = context.new_page()

        # A deep link: sign in, then the forced password change, then back to work.
        page.goto(f"{base}/projects/new")
        assert page.url.startswith(f"{base}/sign-in?next=")
        page.fill("#email", email)
        page.fill("#password", one_time)
        with page.expect_navigation():
            page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{base}/account/password")
        assert "one-time password" in page.content()
        axe(page, "forced password change")
        page.fill("#current_password", one_time)
        page.fill("#new_password", NEW_PASSWORD)
        page.fill("#confirm_password", NEW_PASSWORD)
        with page.expect_navigation():
            page.get_by_role("button", name="Change password").click()
        page.wait_for_url(f"{base}/projects")

        # The session cookie, copied into a second browser, works (until sign-out).
        copied = browser.new_context()
        copied.add_cookies(context.cookies())
        thief = copied.new_page()
        thief.goto(f"{base}/projects")
        assert thief.url == f"{base}/projects"

        page.goto(f"{base}/projects/new")
        page.fill("#title", "Fresh start: who misses appointments?")
        with page.expect_navigation():
            page.get_by_role("button", name="Create project").click()
        page.wait_for_url(re.compile(r".*/projects/\d+$"))
        project_url = page.url

        page.goto(f"{project_url}/data")
        page.set_input_files("#file", str(extract))
        with page.expect_navigation():
            page.locator("form[enctype] button[type=submit]").click()
        page.wait_for_url("**/map")
        page.get_by_label("Name of the measure").fill("DNA rate")
        with page.expect_navigation():
            page.get_by_role("button", name="Continue").click()
        page.wait_for_url("**/check?plan=*")
        assert "6,000" in page.locator(".nhsuk-summary-list").inner_text()
        with page.expect_navigation():
            page.get_by_role("button", name="Confirm and analyse").click()
        page.wait_for_url("**/jobs/*")
        assert page.locator("#job-status").inner_text() in ("queued", "running", "done")
        page.wait_for_selector("#job-result", timeout=120_000)  # the page polls, then reloads
        assert "See analysis version 1" in page.locator("#job-result").inner_text()
        with page.expect_navigation():
            page.locator("#job-result").click()
        page.wait_for_url("**/analysis")
        assert page.locator(".eq-figure").count() >= 2

        # Delete the dataset after confirming; the analysis is kept and marked.
        page.goto(f"{project_url}/data")
        with page.expect_navigation():
            page.get_by_role("link", name="Delete fresh_extract.csv").click()
        assert "This cannot be undone" in page.content()
        axe(page, "delete confirmation")
        with page.expect_navigation():
            page.get_by_role("button", name="Delete the file").click()
        page.wait_for_url(f"{project_url}/data")
        assert "fresh_extract.csv" not in page.locator("main").inner_text()
        page.goto(f"{project_url}/reports")
        assert "data deleted" in page.content()

        # The audit trail shows who deleted it.
        page.goto(f"{base}/audit")
        rows = [r.inner_text() for r in page.locator("tbody tr").all()]
        deleted = [r for r in rows if "\tdelete\t" in r and "dataset" in r]
        assert len(deleted) == 1 and "Fresh Lead" in deleted[0]
        assert "fresh_extract.csv" in deleted[0]

        # Sign out: the copied cookie no longer works.
        with page.expect_navigation():
            page.get_by_role("button", name="Sign out").click()
        thief.goto(f"{base}/projects")
        assert thief.url.startswith(f"{base}/sign-in")
        copied.close()
        context.close()
        browser.close()
