"""Correct and remove assessments and involvement activities in the web app, with CSRF,
roles, organisation isolation and the audit trail."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from web_support import World

from equalqi.assess import default_theory
from equalqi.registry import audit
from equalqi.registry.models import User

Client = Callable[[str], tuple[TestClient, str]]
IDS = default_theory().question_ids


def _project(client: TestClient, token: str) -> int:
    r = client.post(
        "/projects/new",
        data={"title": "P", "qi_type": "Other", "status": "planning", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return int(r.headers["location"].rsplit("/", 1)[1])


def _log(client: TestClient, token: str, pid: int, date: str, people: int) -> None:
    r = client.post(
        f"/projects/{pid}/involvement",
        data={"csrf_token": token, "type": "workshop", "date": date, "participants": str(people)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text


def _ids(html: str, kind: str) -> list[int]:
    return [int(x) for x in re.findall(rf"/{kind}/(\d+)/remove", html)]


def _trail(world: World, who: str) -> list[tuple[str, str, dict]]:
    from sqlalchemy import select

    email = world.emails[who]
    with world.app.state.registry.session() as s:
        user = s.scalar(select(User).where(User.email == email))
        assert user is not None
        return [(e.action, e.entity, dict(e.detail)) for e in audit.trail(s, user)]


def test_involvement_correct_and_remove(client_for: Client, world: World) -> None:
    ed, te = client_for("a-editor")
    pid = _project(ed, te)
    _log(ed, te, pid, "2024-02-01", 12)
    _log(ed, te, pid, "2024-03-01", 30)
    page = ed.get(f"/projects/{pid}/involvement").text
    first, second = _ids(page, "involvement")
    form = ed.get(f"/projects/{pid}/involvement/{first}/edit").text
    assert 'value="12"' in form and "Correct the activity" in form
    r = ed.post(
        f"/projects/{pid}/involvement/{first}",
        data={"csrf_token": te, "type": "workshop", "date": "2024-02-01", "participants": "21"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    # a removal without a reason is refused, loudly, and changes nothing
    r = ed.post(f"/projects/{pid}/involvement/{second}/remove", data={"csrf_token": te})
    assert r.status_code == 400 and "a removal needs a reason" in r.text
    assert _ids(r.text, "involvement") == [first, second]
    r = ed.post(
        f"/projects/{pid}/involvement/{second}/remove",
        data={"csrf_token": te, "reason": "entered twice"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = ed.get(f"/projects/{pid}/involvement").text
    assert _ids(page, "involvement") == [first]
    assert "The team has recorded 1 activity. People took part 21 times in total." in page
    trail = _trail(world, "a-editor")
    removed = next(d for a, e, d in trail if (a, e) == ("remove", "involvement"))
    assert removed["reason"] == "entered twice" and removed["removed"]["participants"] == 30
    edited = next(d for a, e, d in trail if (a, e) == ("edit", "involvement"))
    assert (edited["before"]["participants"], edited["after"]["participants"]) == (12, 21)
    # without the CSRF token, as a viewer, or from another organisation: refused
    assert (
        ed.post(f"/projects/{pid}/involvement/{first}/remove", data={"reason": "x"}).status_code
        == 403
    )
    v, tv = client_for("a-viewer")
    r = v.post(
        f"/projects/{pid}/involvement/{first}/remove", data={"csrf_token": tv, "reason": "x"}
    )
    assert r.status_code == 403
    assert "Correct or remove" not in v.get(f"/projects/{pid}/involvement").text
    b, tb = client_for("b-editor")
    r = b.post(
        f"/projects/{pid}/involvement/{first}/remove", data={"csrf_token": tb, "reason": "x"}
    )
    assert r.status_code == 404
    assert b.get(f"/projects/{pid}/involvement/{first}/edit").status_code == 404


def test_assessment_correct_and_remove(client_for: Client, world: World) -> None:
    ed, te = client_for("a-editor")
    pid = _project(ed, te)
    answers = {f"q:{q}": "no" for q in IDS}
    r = ed.post(
        f"/projects/{pid}/assessment",
        data={"csrf_token": te, "stage": "planning", **answers},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = ed.get(f"/projects/{pid}/assessment").text
    (aid,) = _ids(page, "assessment")
    form = ed.get(f"/projects/{pid}/assessment/{aid}/edit").text
    assert "Correct this assessment" in form
    assert f'action="/projects/{pid}/assessment/{aid}"' in form
    r = ed.post(
        f"/projects/{pid}/assessment/{aid}",
        data={"csrf_token": te, "stage": "planning", **{f"q:{q}": "yes" for q in IDS}},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert _ids(ed.get(f"/projects/{pid}/assessment").text, "assessment") == [aid]  # in place
    r = ed.post(
        f"/projects/{pid}/assessment/{aid}/remove",
        data={"csrf_token": te, "reason": "wrong project"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert "No assessment yet." in ed.get(f"/projects/{pid}/assessment").text
    trail = _trail(world, "a-editor")
    assert ("edit", "assessment") in [(a, e) for a, e, _ in trail]
    removed = next(d for a, e, d in trail if (a, e) == ("remove", "assessment"))
    assert removed["reason"] == "wrong project"
    assert {x["answer"] for x in removed["removed"]["answers"]} == {"yes"}


def test_task_list_one_area_per_page(client_for: Client, world: World) -> None:
    from equalqi.assess import default_theory

    theory = default_theory()
    first, second = theory.clusters[0], theory.clusters[1]
    first_ids = [q.id for s in first.statements for q in s.questions]
    second_ids = [q.id for s in second.statements for q in s.questions]
    ed, te = client_for("a-editor")
    pid = _project(ed, te)
    r = ed.post(
        f"/projects/{pid}/assessment/start",
        data={"csrf_token": te, "stage": "planning"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = ed.get(f"/projects/{pid}/assessment").text
    # one task per area, then the action plan, then about the project and sign-off
    tasks = page.count("nhsuk-task-list__item nhsuk-task-list__item--with-link")
    assert tasks == len(theory.clusters) + 2
    assert f"0 of {len(first_ids)} questions answered" in page
    assert "This assessment is not finished: 0 of 24 questions answered" in page
    area = ed.get(f"/projects/{pid}/assessment/areas/{first.id}").text
    assert f"Area 1 of {len(theory.clusters)}" in area and first.name in area
    assert all(f'name="q:{q}"' in area for q in first_ids)
    assert not any(f'name="q:{q}"' in area for q in second_ids)  # one area per page
    r = ed.post(
        f"/projects/{pid}/assessment/areas/{first.id}",
        data={"csrf_token": te, "then": "next", **{f"q:{q}": "yes" for q in first_ids}},
        follow_redirects=False,
    )
    assert r.headers["location"] == f"/projects/{pid}/assessment/areas/{second.id}"
    # a question from another area is refused, loudly, and nothing changes
    r = ed.post(
        f"/projects/{pid}/assessment/areas/{second.id}",
        data={"csrf_token": te, f"q:{first_ids[0]}": "no"},
    )
    assert r.status_code == 400 and "not in the area" in r.text
    page = ed.get(f"/projects/{pid}/assessment").text
    assert "Completed" in page and "Not started" in page
    assert f"{len(first_ids)} of {len(first_ids)} questions answered" in page
    # without the token, as a viewer or from another organisation: refused
    assert ed.post(f"/projects/{pid}/assessment/areas/{first.id}", data={}).status_code == 403
    v, _tv = client_for("a-viewer")
    assert v.get(f"/projects/{pid}/assessment/areas/{first.id}").status_code == 403
    b, tb = client_for("b-editor")
    assert b.get(f"/projects/{pid}/assessment/areas/{first.id}").status_code == 404
    r = b.post(f"/projects/{pid}/assessment/start", data={"csrf_token": tb, "stage": "planning"})
    assert r.status_code == 404


def test_action_plan_in_the_web_app(client_for: Client, world: World) -> None:
    ed, te = client_for("a-editor")
    pid = _project(ed, te)
    action = {"csrf_token": te, "risk": "design-digital-barriers", "what": "Phone line"}
    r = ed.post(f"/projects/{pid}/assessment/actions", data=action)
    assert r.status_code == 400 and "Start the assessment first" in r.text
    ed.post(f"/projects/{pid}/assessment/start", data={"csrf_token": te, "stage": "planning"})
    r = ed.post(
        f"/projects/{pid}/assessment/actions",
        data={"csrf_token": te, "risk": "design-digital-barriers", "what": "Offer a phone line",
              "owner": "Clinic manager", "due": "2020-01-31", "status": "planned"},
        follow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 303, r.text
    page = ed.get(f"/projects/{pid}/assessment/actions").text
    # due in 2020 and still planned: overdue, on the action plan page and in the summary
    assert "0 of 1 action done; 1 overdue." in page and "Overdue actions" in page
    assert "Offer a phone line (due 31 January 2020; owner: Clinic manager)" in page
    assert "Overdue actions" in ed.get(f"/projects/{pid}/assessment").text
    r = ed.post(f"/projects/{pid}/assessment/actions/1",
                data={"csrf_token": te, "status": "done"}, follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    page = ed.get(f"/projects/{pid}/assessment/actions").text
    assert "1 of 1 action done." in page and "Overdue actions" not in page
    # a bad owner (an e-mail address) is refused and changes nothing
    r = ed.post(
        f"/projects/{pid}/assessment/actions",
        data={"csrf_token": te, "risk": "design-digital-barriers", "what": "Ring round",
              "owner": "jo@example.nhs.uk"},
    )  # fmt: skip
    assert r.status_code == 400 and "e-mail address" in r.text
    assert (
        ed.post(f"/projects/{pid}/assessment/actions/1", data={"status": "done"}).status_code == 403
    )
    b, _tb = client_for("b-editor")
    assert b.get(f"/projects/{pid}/assessment/actions").status_code == 404
    trail = _trail(world, "a-editor")
    assert sum(1 for a, e, _ in trail if (a, e) == ("edit", "assessment")) == 2
