"""Helpers for the web tests: an app on a throwaway SQLite registry, two organisations with
users of every role, signed-in clients and a small synthetic demo extract."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from equalqi.registry.organisations import create_organisation
from equalqi.registry.users import create_user
from equalqi.web import Settings, create_app

PASSWORD = "correct horse battery staple"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class World:
    app: FastAPI
    settings: Settings
    emails: dict[str, str]  # "a-admin", "a-editor", "a-viewer", "b-editor" -> e-mail


def make_world(
    tmp: Path, *, max_upload_bytes: int = 50 * 1024 * 1024, board_pack: bool = False
) -> World:
    """The board pack (PDFs, workbook, slides: seconds per analysis) is written only where a
    test asks for it (``board_pack=True``; the deployed default is on)."""
    settings = Settings(
        data_dir=tmp,
        database_url=f"sqlite:///{tmp / 'registry.db'}",
        secret_key="test-secret-not-for-production",
        max_upload_bytes=max_upload_bytes,
        board_pack=board_pack,
    )
    app = create_app(settings)
    emails: dict[str, str] = {}
    with app.state.registry.session() as session, session.begin():
        a = create_organisation(session, "Northgate NHS Trust")
        b = create_organisation(session, "Southfield NHS Trust")
        for org, tag in ((a, "a"), (b, "b")):
            for role in ("admin", "editor", "viewer"):
                email = f"{role}@{tag}.example.nhs.uk"
                create_user(session, org, email, f"{tag.upper()} {role}", role, PASSWORD)
                emails[f"{tag}-{role}"] = email
    return World(app, settings, emails)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = make_world(tmp_path)
    yield w
    w.app.state.jobs.shutdown()
    w.app.state.registry.close()


def csrf_of(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> str:
    """Sign in through the form; return the session's CSRF token."""
    page = client.get("/sign-in")
    token = csrf_of(page.text)
    response = client.post(
        "/sign-in",
        data={"email": email, "password": password, "csrf_token": token, "next": "/projects"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/projects").text)


@pytest.fixture
def client_for(world: World) -> Iterator[Callable[[str], tuple[TestClient, str]]]:
    clients: list[TestClient] = []

    def make(who: str) -> tuple[TestClient, str]:
        client = TestClient(world.app)
        clients.append(client)
        return client, sign_in(client, world.emails[who])

    yield make
    for c in clients:
        c.close()


@pytest.fixture(scope="session")
def demo_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """20,000 synthetic records of the DNA/SMS scenario as CSV (the demo extract, small)."""
    from equalqi.synthetic import generate

    frame, _truth = generate("dna_sms", 20_000, 7)
    path = tmp_path_factory.mktemp("demo") / "dna_sms_extract.csv"
    frame.to_csv(path, index=False)
    return path


def api_routes(app: FastAPI) -> list[APIRoute]:
    """Every APIRoute of the app, also those of included routers (which FastAPI keeps behind
    an include wrapper in ``app.routes``); the routers are included without a prefix."""
    found: list[APIRoute] = []
    stack: list[Any] = list(app.routes)
    while stack:
        route = stack.pop(0)
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "original_router"):
            stack.extend(route.original_router.routes)
    return found


def analyse_via_api(world: World, client: TestClient, raw: bytes, *, title: str = "P") -> int:
    """Sign in as the editor of organisation A, create a project, upload ``raw`` (CSV) and
    analyse it with the demo plan through the JSON API; wait for the job. The project id."""
    from equalqi.services.demo import demo_plan

    r = client.post("/api/session", json={"email": world.emails["a-editor"], "password": PASSWORD})
    h = {"X-CSRF-Token": r.json()["csrf_token"]}
    pid = int(client.post("/api/projects", json={"title": title}, headers=h).json()["id"])
    did = client.post(
        f"/api/projects/{pid}/datasets",
        headers=h,
        files={"file": ("extract.csv", io.BytesIO(raw), "text/csv")},
    ).json()["id"]
    r = client.post(
        f"/api/projects/{pid}/analyses",
        headers=h,
        json={"dataset_id": did, "plan_toml": demo_plan("dna_sms").to_toml()},
    )
    assert r.status_code == 202  # a job: wait for it, then read the analysis
    world.app.state.jobs.wait(r.json()["id"])
    assert client.get(r.json()["url"]).json()["status"] == "done"
    return pid
