"""The written sections, groups considered and sign-off in the web app (one page from the task
list): CSRF, the editor role, organisation isolation, validation as in an answers file, and the
audit trail keeping what was there before."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from web_support import World

from equalqi.registry import audit
from equalqi.registry.models import User

Client = Callable[[str], tuple[TestClient, str]]


def _project(client: TestClient, token: str) -> int:
    r = client.post(
        "/projects/new",
        data={"title": "P", "qi_type": "Other", "status": "planning", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return int(r.headers["location"].rsplit("/", 1)[1])


def _form(token: str, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "csrf_token": token,
        "who_is_affected": "Adults booked into the outpatient clinic",
        "baseline_inequality": "DNA rate 14% in the most deprived fifth, 7% in the least",
        "unintended_consequences": "",
        "protected_characteristics": ["race", "age"],
        "inclusion_health": ["homelessness"],
        "sign_off_name": "A. Lead",
        "sign_off_role": "Clinical lead",
        "sign_off_date": "2025-03-04",
    }
    data.update(changes)
    return data


def _edits(world: World) -> list[dict]:
    from sqlalchemy import select

    with world.app.state.registry.session() as s:
        user = s.scalar(select(User).where(User.email == world.emails["a-editor"]))
        assert user is not None
        return [
            dict(e.detail)
            for e in audit.trail(s, user)
            if (e.action, e.entity) == ("edit", "assessment")
        ]


def test_sections_and_sign_off_in_the_web_app(client_for: Client, world: World) -> None:
    ed, te = client_for("a-editor")
    pid = _project(ed, te)
    url = f"/projects/{pid}/assessment/about"
    r = ed.post(url, data=_form(te))
    assert r.status_code == 400 and "Start the assessment first" in r.text
    ed.post(f"/projects/{pid}/assessment/start", data={"csrf_token": te, "stage": "planning"})
    assert f'href="{url}"' in ed.get(f"/projects/{pid}/assessment").text  # on the task list
    # personal details and a half-given sign-off are refused, naming what is wrong
    r = ed.post(url, data=_form(te, who_is_affected="Call 07700 900123", sign_off_role=""))
    assert r.status_code == 400
    assert "looks like it contains personal details" in r.text
    # each problem in plain words, linked to its field
    role = '<a href="#sign_off_role">Sign-off: &#39;role&#39; must be non-empty text. Fill it in.'
    assert role in r.text
    assert '<a href="#who_is_affected">&#39;Who is affected&#39; looks like' in r.text
    assert _edits(world) == []  # nothing changed
    r = ed.post(url, data=_form(te), follow_redirects=False)
    assert r.status_code == 303, r.text
    page = ed.get(f"/projects/{pid}/assessment").text
    assert "Signed off by A. Lead (Clinical lead) on 4 March 2025." in page
    assert "DNA rate 14% in the most deprived fifth, 7% in the least" in page
    # kept in the Act's order, whatever order they were ticked in
    assert "Age, Race" in page
    # the form shows what is stored
    form = ed.get(url).text
    assert 'value="race" checked' in form and 'value="sex">' in form
    assert 'value="2025-03-04"' in form
    # a blank section becomes "not written yet"; the audit trail keeps what it said before
    r = ed.post(url, data=_form(te, baseline_inequality=""), follow_redirects=False)
    assert r.status_code == 303
    edits = _edits(world)
    assert len(edits) == 2
    before, after = edits[0]["before"]["about"], edits[0]["after"]["about"]  # newest first
    assert before["baseline_inequality"].startswith("DNA rate 14%")
    assert "baseline_inequality" not in after
    assert after["sign_off"] == {"name": "A. Lead", "role": "Clinical lead", "date": "2025-03-04"}
    # without the CSRF token, as a viewer, or from another organisation: refused
    no_token = {k: v for k, v in _form(te).items() if k != "csrf_token"}
    assert ed.post(url, data=no_token).status_code == 403
    vi, tv = client_for("a-viewer")
    assert vi.get(url).status_code == 403
    assert vi.post(url, data=_form(tv)).status_code == 403
    b, tb = client_for("b-editor")
    assert b.get(url).status_code == 404
    assert b.post(url, data=_form(tb)).status_code == 404
    assert len(_edits(world)) == 2
