"""Server-side sessions and sign-in (OWASP ASVS L2 as the yardstick): a copied cookie dies
with sign-out, idle and absolute timeouts (an injected clock, no sleeping), throttling of
wrong passwords with the same answer for unknown e-mails, one-time passwords that must be
changed, disabled users, deep links that keep their query, and no caching of pages."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from web_support import PASSWORD, World, csrf_of, sign_in

from equalqi.registry.models import AuditEvent, Organisation, SessionRecord, User
from equalqi.registry.users import create_user
from equalqi.web.session_cookie import COOKIE
from equalqi.web.throttle import BLOCKED_MESSAGE

Client = Callable[[str], tuple[TestClient, str]]
NEW_PASSWORD = "a brand new passphrase for me"


class Clock:
    """The app's clock, moved by hand."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


def _post_sign_in(c: TestClient, email: str, password: str, next: str = "/projects") -> object:
    token = csrf_of(c.get("/sign-in").text)
    return c.post(
        "/sign-in",
        data={"email": email, "password": password, "csrf_token": token, "next": next},
        follow_redirects=False,
    )


def test_a_copied_cookie_stops_working_after_sign_out(world: World, client_for: Client) -> None:
    owner, token = client_for("a-viewer")
    stolen = owner.cookies.get(COOKIE)
    assert stolen and len(stolen) == 43  # a random token: nothing else is in the cookie
    with TestClient(world.app, cookies={COOKIE: stolen}) as thief:
        assert thief.get("/projects", follow_redirects=False).status_code == 200
        owner.post("/sign-out", data={"csrf_token": token}, follow_redirects=False)
        r = thief.get("/projects", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/sign-in")
        assert thief.get("/api/me").status_code == 401
    with world.app.state.registry.session() as s:
        assert s.query(SessionRecord).count() == 0


def test_idle_and_absolute_timeouts(world: World) -> None:
    clock = Clock()
    world.app.state.clock = clock
    idle = dt.timedelta(seconds=world.settings.session_idle_seconds)
    absolute = dt.timedelta(seconds=world.settings.session_max_age)
    with TestClient(world.app) as c:
        sign_in(c, world.emails["a-viewer"])
        clock.now += idle - dt.timedelta(minutes=1)
        assert c.get("/projects", follow_redirects=False).status_code == 200  # still in use
        clock.now += idle + dt.timedelta(seconds=1)
        assert c.get("/projects", follow_redirects=False).status_code == 303  # idle: ended
    with TestClient(world.app) as c:
        sign_in(c, world.emails["a-viewer"])
        start = clock.now
        # A request every half idle period keeps it alive, until the absolute limit.
        while clock.now - start + idle / 2 <= absolute:
            clock.now += idle / 2
            assert c.get("/api/me").status_code == 200
        clock.now = start + absolute + dt.timedelta(seconds=1)
        assert c.get("/api/me").status_code == 401


def _answer(response: object) -> tuple[int, str]:
    """Status and the visible error text (the form's own token and e-mail taken out)."""
    text = re.sub(r'value="[^"]*"', "", response.text)  # type: ignore[attr-defined]
    summary = re.search(r'<ul class="nhsuk-list nhsuk-error-summary__list">(.*?)</ul>', text, re.S)
    return response.status_code, summary.group(1).strip() if summary else ""  # type: ignore[attr-defined]


def test_wrong_passwords_are_throttled_alike_for_known_and_unknown_emails(world: World) -> None:
    known, unknown = world.emails["a-editor"], "nobody@a.example.nhs.uk"
    answers: dict[str, list[tuple[int, str]]] = {}
    for email in (known, unknown):
        with TestClient(world.app) as c:
            answers[email] = [_answer(_post_sign_in(c, email, "wrong password!")) for _ in range(6)]
    assert answers[known] == answers[unknown]
    assert [code for code, _ in answers[known]] == [400] * 5 + [429]
    assert BLOCKED_MESSAGE in answers[known][-1][1]
    with TestClient(world.app) as c:  # blocked even with the right password, for now
        assert _post_sign_in(c, known, PASSWORD).status_code == 429  # type: ignore[attr-defined]
        r = c.post("/api/session", json={"email": known, "password": PASSWORD})
        assert r.status_code == 429 and r.json()["detail"] == BLOCKED_MESSAGE
    with TestClient(world.app) as c:  # other accounts are not affected
        assert _post_sign_in(c, world.emails["a-admin"], PASSWORD).status_code == 303  # type: ignore[attr-defined]


def test_deep_links_keep_their_query_through_sign_in(world: World) -> None:
    with TestClient(world.app) as c:
        r = c.get("/projects/7/data/3/check?plan=2", follow_redirects=False)
        assert r.status_code == 303
        assert r.headers["location"] == "/sign-in?next=/projects/7/data/3/check%3Fplan%3D2"
        form = c.get(r.headers["location"]).text
        assert 'name="next" value="/projects/7/data/3/check?plan=2"' in form
        r = _post_sign_in(c, world.emails["a-viewer"], PASSWORD, "/projects/7/data/3/check?plan=2")
        assert r.headers["location"] == "/projects/7/data/3/check?plan=2"  # type: ignore[attr-defined]


def test_signed_in_responses_are_not_cached_and_keep_the_security_headers(
    client_for: Client,
) -> None:
    c, _ = client_for("a-viewer")
    for path in ("/projects", "/api/projects", "/api/me", "/sign-in"):
        r = c.get(path)
        assert r.headers["cache-control"] == "no-store", path
        assert "script-src 'self'" in r.headers["content-security-policy"]
        assert r.headers["x-frame-options"] == "DENY"


def test_a_one_time_password_must_be_changed_and_the_change_ends_other_sessions(
    world: World,
) -> None:
    with world.app.state.registry.session() as s, s.begin():
        org = s.query(Organisation).filter_by(name="Northgate NHS Trust").one()
        create_user(
            s, org, "once@a.example.nhs.uk", "Once", "editor", PASSWORD, must_change_password=True
        )
    with TestClient(world.app) as first, TestClient(world.app) as second:
        sign_in_ok = _post_sign_in(first, "once@a.example.nhs.uk", PASSWORD)
        assert sign_in_ok.status_code == 303  # type: ignore[attr-defined]
        _post_sign_in(second, "once@a.example.nhs.uk", PASSWORD)
        r = first.get("/projects", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/account/password"
        assert first.get("/api/projects").status_code == 403
        page = first.get("/account/password").text
        assert "one-time password" in page
        token = csrf_of(page)
        bad = first.post(
            "/account/password",
            data={
                "csrf_token": token,
                "current_password": PASSWORD,
                "new_password": NEW_PASSWORD,
                "confirm_password": "something else entirely",
            },
        )
        assert bad.status_code == 400 and "are not the same" in bad.text
        r = first.post(
            "/account/password",
            data={
                "csrf_token": token,
                "current_password": PASSWORD,
                "new_password": NEW_PASSWORD,
                "confirm_password": NEW_PASSWORD,
            },
            follow_redirects=False,
        )
        assert r.status_code == 303
        assert first.get("/projects", follow_redirects=False).status_code == 200  # new session
        assert second.get("/projects", follow_redirects=False).status_code == 303  # ended
    with TestClient(world.app) as c:
        assert _post_sign_in(c, "once@a.example.nhs.uk", PASSWORD).status_code == 400  # type: ignore[attr-defined]
        assert _post_sign_in(c, "once@a.example.nhs.uk", NEW_PASSWORD).status_code == 303  # type: ignore[attr-defined]


def test_an_admin_disables_a_user_whose_sessions_end(world: World, client_for: Client) -> None:
    editor, _ = client_for("a-editor")
    admin, token = client_for("a-admin")
    other_admin, other_token = client_for("b-admin")
    with world.app.state.registry.session() as s:
        editor_id = s.query(User).filter_by(email=world.emails["a-editor"]).one().id
    # Another organisation's admin: not found, and nothing changes.
    r = other_admin.post(f"/users/{editor_id}/disable", data={"csrf_token": other_token})
    assert r.status_code == 404
    assert editor.get("/projects", follow_redirects=False).status_code == 200
    r = admin.post(
        f"/users/{editor_id}/disable", data={"csrf_token": token}, follow_redirects=False
    )
    assert r.status_code == 303
    assert "disabled" in admin.get("/users").text
    assert editor.get("/projects", follow_redirects=False).status_code == 303
    with TestClient(world.app) as c:
        r = _post_sign_in(c, world.emails["a-editor"], PASSWORD)
        assert _answer(r)[0] == 400  # the same answer as a wrong password
    with world.app.state.registry.session() as s:
        event = s.query(AuditEvent).filter_by(action="disable", entity_id=editor_id).one()
        assert event.user_id == s.query(User).filter_by(email=world.emails["a-admin"]).one().id


def test_an_admin_switches_unsuppressed_numbers_and_it_is_audited(
    world: World, client_for: Client
) -> None:
    admin, token = client_for("a-admin")
    editor, editor_token = client_for("a-editor")
    data = {"csrf_token": editor_token, "show_unsuppressed": "on"}
    assert editor.post("/organisation/unsuppressed", data=data).status_code == 403
    data = {"csrf_token": token, "show_unsuppressed": "on"}
    r = admin.post("/organisation/unsuppressed", data=data, follow_redirects=False)
    assert r.status_code == 303
    with world.app.state.registry.session() as s:
        orgs = {o.name: o.show_unsuppressed for o in s.query(Organisation)}
        assert orgs == {"Northgate NHS Trust": True, "Southfield NHS Trust": False}
        event = s.query(AuditEvent).filter_by(action="switch", entity="organisation").one()
        assert event.detail == {"show_unsuppressed": True}
        admin_id = s.query(User).filter_by(email=world.emails["a-admin"]).one().id
        assert event.user_id == admin_id
