"""Security: organisation isolation, CSRF on every POST, role checks, upload limits and type,
security headers, sign-in."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from web_support import PASSWORD, World, api_routes, csrf_of, make_world, sign_in

Client = Callable[[str], tuple[TestClient, str]]


def _project(client: TestClient, token: str, title: str = "Project") -> int:
    r = client.post(
        "/projects/new",
        data={"title": title, "qi_type": "Other", "status": "planning", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return int(r.headers["location"].rsplit("/", 1)[1])


def _upload(client: TestClient, token: str, pid: int, name: str, body: bytes) -> int:
    r = client.post(
        f"/projects/{pid}/data",
        data={"csrf_token": token},
        files={"file": (name, io.BytesIO(body), "application/octet-stream")},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return int(r.headers["location"].split("/data/")[1].split("/")[0])


SECTIONS = ["", "/data", "/analysis", "/assessment", "/involvement", "/reports"]


def test_other_organisation_cannot_see_or_touch_a_project(client_for: Client) -> None:
    a, ta = client_for("a-editor")
    pid = _project(a, ta, "Northgate secret project")
    did = _upload(a, ta, pid, "x.csv", b"event_date,dna\n2024-01-01,1\n")
    b, tb = client_for("b-editor")
    assert "Northgate secret project" not in b.get("/projects").text
    for section in SECTIONS:
        assert b.get(f"/projects/{pid}{section}").status_code == 404, section
    assert b.get(f"/projects/{pid}/data/{did}/map").status_code == 404
    assert b.get(f"/projects/{pid}/reports/1/report.html").status_code == 404
    r = b.post(f"/projects/{pid}/assessment", data={"csrf_token": tb, "stage": "planning"})
    assert r.status_code == 404
    r = b.post(
        f"/projects/{pid}/data",
        data={"csrf_token": tb},
        files={"file": ("y.csv", io.BytesIO(b"a\n1\n"), "text/csv")},
    )
    assert r.status_code == 404
    # The JSON API too.
    assert b.get(f"/api/projects/{pid}").status_code == 404
    assert b.get(f"/api/projects/{pid}/datasets").status_code == 404
    assert [p["id"] for p in b.get("/api/projects").json()] == []
    assert [p["id"] for p in a.get("/api/projects").json()] == [pid]


def test_posts_without_or_with_a_wrong_csrf_token_are_refused(client_for: Client) -> None:
    a, token = client_for("a-editor")
    pid = _project(a, token)
    form = {"title": "x", "qi_type": "Other", "status": "planning"}
    assert a.post("/projects/new", data=form).status_code == 403
    assert a.post("/projects/new", data={**form, "csrf_token": "forged"}).status_code == 403
    assert a.post(f"/projects/{pid}/assessment", data={"stage": "planning"}).status_code == 403
    r = a.post(f"/projects/{pid}/data", files={"file": ("a.csv", io.BytesIO(b"a\n1\n"))})
    assert r.status_code == 403
    # API: the header is required, and must match.
    body = {"title": "API project"}
    assert a.post("/api/projects", json=body).status_code == 403
    assert a.post("/api/projects", json=body, headers={"X-CSRF-Token": "nope"}).status_code == 403
    ok = a.post("/api/projects", json=body, headers={"X-CSRF-Token": token})
    assert ok.status_code == 201
    # Sign-out is a POST too.
    assert a.post("/sign-out").status_code == 403


def test_a_token_from_another_session_does_not_work(client_for: Client) -> None:
    a, _ta = client_for("a-editor")
    _b, tb = client_for("a-admin")
    r = a.post("/projects/new", data={"title": "x", "csrf_token": tb})
    assert r.status_code == 403


def test_viewer_cannot_edit(client_for: Client) -> None:
    ed, te = client_for("a-editor")
    pid = _project(ed, te)
    v, tv = client_for("a-viewer")
    assert v.get(f"/projects/{pid}").status_code == 200  # can read
    assert v.get("/projects/new").status_code == 403
    assert v.post("/projects/new", data={"title": "x", "csrf_token": tv}).status_code == 403
    r = v.post(
        f"/projects/{pid}/data",
        data={"csrf_token": tv},
        files={"file": ("a.csv", io.BytesIO(b"a\n1\n"), "text/csv")},
    )
    assert r.status_code == 403
    r = v.post(f"/projects/{pid}/assessment", data={"csrf_token": tv, "stage": "planning"})
    assert r.status_code == 403
    r = v.post(f"/projects/{pid}/involvement", data={"csrf_token": tv, "type": "workshop"})
    assert r.status_code == 403
    assert v.get("/audit").status_code == 403  # admins only
    assert (
        v.post("/api/projects", json={"title": "x"}, headers={"X-CSRF-Token": tv}).status_code
        == 403
    )
    # The forms an editor sees are not offered to a viewer.
    assert "Upload an extract" not in v.get(f"/projects/{pid}/data").text


def test_every_route_checks_a_role() -> None:
    # Property: apart from sign-in, home, static files and the OpenAPI document, every route
    # depends on a role check.
    from equalqi.web.deps import admin, editor, viewer

    open_routes = {"/", "/sign-in", "/sign-out", "/api/session", "/api/openapi.json"}
    checks = {viewer, editor, admin}
    from tempfile import TemporaryDirectory

    with TemporaryDirectory() as tmp:
        world = make_world(Path(tmp))
        routes = api_routes(world.app)
        assert len(routes) > 30
        for route in routes:
            if route.path in open_routes:
                continue
            calls = {d.call for d in route.dependant.dependencies}
            assert calls & checks, route.path
        world.app.state.registry.close()


def test_signed_out_visitors_are_sent_to_sign_in(world: World) -> None:
    with TestClient(world.app) as c:
        r = c.get("/projects/1/analysis", follow_redirects=False)
        assert r.status_code == 303
        assert r.headers["location"] == "/sign-in?next=/projects/1/analysis"
        assert c.get("/api/projects").status_code == 401


def test_wrong_password_is_refused_and_next_cannot_leave_the_site(world: World) -> None:
    with TestClient(world.app) as c:
        token = csrf_of(c.get("/sign-in").text)
        r = c.post(
            "/sign-in",
            data={"email": world.emails["a-editor"], "password": "wrong", "csrf_token": token},
        )
        assert r.status_code == 400
        assert "nhsuk-error-summary" in r.text
        r = c.post(
            "/sign-in",
            data={
                "email": world.emails["a-editor"],
                "password": PASSWORD,
                "csrf_token": token,
                "next": "//evil.example/",
            },
            follow_redirects=False,
        )
        assert r.headers["location"] == "/projects"
    from equalqi.web.account import safe_next as _safe_next

    for evil in ("//evil.example", "/\\evil.example", "https://evil.example", "/x y", None):
        assert _safe_next(evil) == "/projects"
    assert _safe_next("/projects/3/analysis") == "/projects/3/analysis"


def test_oversized_upload_gets_413(tmp_path: Path) -> None:
    world = make_world(tmp_path, max_upload_bytes=10_000)
    with TestClient(world.app) as c:
        token = sign_in(c, world.emails["a-editor"])
        pid = _project(c, token)
        body = b"event_date,dna\n" + b"2024-01-01,1\n" * 20_000  # ~260 kB > 10 kB + slack
        r = c.post(
            f"/projects/{pid}/data",
            data={"csrf_token": token},
            files={"file": ("big.csv", io.BytesIO(body), "text/csv")},
        )
        assert r.status_code == 413
        assert "The file is too large" in r.text
        r = c.post(
            f"/api/projects/{pid}/datasets",
            headers={"X-CSRF-Token": token},
            files={"file": ("big.csv", io.BytesIO(body), "text/csv")},
        )
        assert r.status_code == 413
        # Just over the limit but within the multipart slack: the streaming count refuses it.
        r = c.post(
            f"/projects/{pid}/data",
            data={"csrf_token": token},
            files={"file": ("edge.csv", io.BytesIO(b"a\n" + b"1\n" * 6000), "text/csv")},
        )
        assert r.status_code == 413
        assert "big.csv" not in c.get(f"/projects/{pid}/data").text
    world.app.state.registry.close()


@pytest.mark.parametrize("name", ["report.exe", "data.txt", "archive.zip", "noextension"])
def test_wrong_file_types_are_refused(client_for: Client, name: str) -> None:
    a, token = client_for("a-editor")
    pid = _project(a, token)
    r = a.post(
        f"/projects/{pid}/data",
        data={"csrf_token": token},
        files={"file": (name, io.BytesIO(b"a,b\n1,2\n"), "text/plain")},
    )
    assert r.status_code == 400
    assert "nhsuk-error-summary" in r.text
    assert "Upload a CSV (.csv), Parquet (.parquet) or Excel (.xlsx) file" in r.text


def test_security_headers_on_pages_and_api(client_for: Client) -> None:
    a, _ = client_for("a-viewer")
    for path in ("/projects", "/api/projects", "/static/equalqi.css", "/sign-in"):
        h = a.get(path).headers
        csp = h["content-security-policy"]
        script_src = re.search(r"script-src ([^;]+)", csp)
        assert script_src and script_src.group(1).strip() == "'self'", path
        assert "frame-ancestors 'none'" in csp
        assert h["x-frame-options"] == "DENY"
        assert h["x-content-type-options"] == "nosniff"
        assert h["referrer-policy"] == "same-origin"


def test_session_cookie_is_httponly_and_samesite(world: World) -> None:
    with TestClient(world.app) as c:
        cookie = c.get("/sign-in").headers.get("set-cookie", "")  # the CSRF token's session
        assert cookie.startswith("equalqi_session=")
        assert "httponly" in cookie.lower()
        assert "samesite=lax" in cookie.lower()


def test_templates_escape_user_text(client_for: Client) -> None:
    a, token = client_for("a-editor")
    pid = _project(a, token, '<script>alert("x")</script>')
    page = a.get(f"/projects/{pid}").text
    assert '<script>alert("x")</script>' not in page
    assert "&lt;script&gt;" in page
