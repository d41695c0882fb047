"""``/learn`` through the app: the six modules, answers checked against the demo materials
and saved for the person signed in only, CSRF on every answer, clear refusals."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient
from web_support import PASSWORD, World, make_world, sign_in

from equalqi.learn import Exercise, Guide, load_guide
from equalqi.registry import learning
from equalqi.registry.models import LearningAttempt, User
from equalqi.services.learning import Learning


class _Page(HTMLParser):
    """The parts of a page the tests read: ids, links, forms and task-list statuses."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.hrefs: list[str] = []
        self.forms: list[str] = []
        self.details_open: list[bool] = []
        self.svgs = 0
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(str(a["id"]))
        if tag == "a" and a.get("href"):
            self.hrefs.append(str(a["href"]))
        if tag == "form" and a.get("action"):
            self.forms.append(str(a["action"]))
        if tag == "details":
            self.details_open.append("open" in a)
        if tag == "svg":
            self.svgs += 1


@pytest.fixture(scope="module")
def guide() -> Guide:
    return load_guide()


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """One app for the module, so the demo materials are built once (as in production,
    once per process) rather than once per test."""
    world = make_world(tmp_path_factory.mktemp("learn"))
    yield world
    world.app.state.jobs.shutdown()
    world.app.state.registry.close()


@pytest.fixture
def client(shared: World) -> Iterator[TestClient]:
    with TestClient(shared.app) as c:
        yield c


def _fresh(world: World, tag: str) -> str:
    """A new viewer of organisation A for one test (so no test sees another's answers);
    its key in ``world.emails``."""
    from equalqi.registry.models import Organisation
    from equalqi.registry.users import create_user

    with world.app.state.registry.session() as s, s.begin():
        org = s.query(Organisation).filter(Organisation.name == "Northgate NHS Trust").one()
        email = f"{tag}@a.example.nhs.uk"
        create_user(s, org, email, f"Learner {tag}", "viewer", PASSWORD)
    world.emails[tag] = email
    return tag


def _learning(world: World) -> Learning:
    value: Learning = world.app.state.learning
    return value


def _attempts(world: World, who: str) -> list[tuple[str, list[str], bool]]:
    with world.app.state.registry.session() as s:
        user = s.query(User).filter(User.email == world.emails[who]).one()
        return [(a.exercise_id, a.chosen, a.correct) for a in learning.attempts(s, user)]


def _wrong(exercise: Exercise, right: frozenset[str]) -> list[str]:
    """A wrong answer: an option that is not part of the right answer."""
    others = [o.key for o in exercise.options if o.key not in right]
    assert others, exercise.id
    return [others[0]]


def test_signed_out_visitors_are_sent_to_sign_in(client: TestClient, guide: Guide) -> None:
    for path in ("/learn", f"/learn/{guide.modules[0].slug}", "/learn/glossary"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303
        assert r.headers["location"] == f"/sign-in?next={path}"


def test_index_lists_the_six_modules_as_a_task_list(
    shared: World, client: TestClient, guide: Guide
) -> None:
    sign_in(client, shared.emails["b-viewer"])
    html = client.get("/learn").text
    assert len(guide.modules) == 6
    titles = re.findall(r'class="nhsuk-task-list__link nhsuk-link"[^>]*>([^<]+)</a>', html)
    assert titles == [f"{m.number}. {m.title}" for m in guide.modules]
    assert [h for h in _Page(html).hrefs if h.startswith("/learn/") and h != "/learn/glossary"] == [
        f"/learn/{m.slug}" for m in guide.modules
    ]
    assert html.count(">Not started</strong>") == 6
    total = sum(len(m.exercises) for m in guide.modules)
    assert f"<strong>0 of {total}</strong>" in html
    # The header menu has Learn, marked as the current page.
    assert re.search(r'href="/learn" aria-current="page">Learn</a>', html)


def test_every_module_page_renders_its_text_figures_exercises_and_glossary_links(
    shared: World, client: TestClient, guide: Guide
) -> None:
    sign_in(client, shared.emails["b-viewer"])
    glossary = _Page(client.get("/learn/glossary").text)
    slugs = {t.slug for t in guide.glossary}
    assert slugs <= glossary.ids  # every term has its anchor
    from equalqi.learn import figure_keys

    for module in guide.modules:
        r = client.get(f"/learn/{module.slug}")
        assert r.status_code == 200, module.slug
        page = _Page(r.text)
        assert f"<h1>{module.title}</h1>" in r.text
        # One form per exercise, each posting to its own exercise.
        answers = [f for f in page.forms if f.startswith("/learn/")]
        assert answers == [f"/learn/exercises/{e.id}" for e in module.exercises]
        assert {e.id for e in module.exercises} <= page.ids
        # Glossary words link to an entry that exists on the glossary page.
        links = [h for h in page.hrefs if h.startswith("/learn/glossary#")]
        assert links, f"module {module.number} links no glossary word"
        assert {h.split("#", 1)[1] for h in links} <= glossary.ids
        # Figures from the demo materials: one inline SVG per placed figure and exercise
        # figure (at least; charts may draw icons of their own).
        figures = len(figure_keys(module.body_markdown)) + sum(
            1 for e in module.exercises if e.figure
        )
        assert r.text.count('<figure class="eq-guide-figure">') == figures
        assert page.svgs >= figures
    assert client.get("/learn/no-such-module").status_code == 404


def test_an_answer_is_checked_saved_and_shown_then_progress_counts_it(
    shared: World, client: TestClient, guide: Guide
) -> None:
    who = _fresh(shared, "answers")
    token = sign_in(client, shared.emails[who])
    module = guide.modules[2]
    exercise = module.exercises[0]
    right = _learning(shared).answer_of(exercise)  # the answer from the demo materials
    wrong = _wrong(exercise, right)

    r = client.post(
        f"/learn/exercises/{exercise.id}",
        data={"csrf_token": token, "chosen": wrong},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert r.headers["location"] == f"/learn/{module.slug}#{exercise.id}"
    html = client.get(f"/learn/{module.slug}").text
    assert "Your answer is not right yet" in html
    assert f'value="{wrong[0]}" checked' in html  # the saved answer is shown ticked
    index = client.get("/learn").text
    assert index.count(">In progress</strong>") == 1

    r = client.post(
        f"/learn/exercises/{exercise.id}",
        data={"csrf_token": token, "chosen": sorted(right)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    html = client.get(f"/learn/{module.slug}").text
    assert "Your answer is right" in html
    assert f"You have got 1 of {len(module.exercises)} exercises in this module right" in html
    assert _attempts(shared, who) == [
        (exercise.id, wrong, False),
        (exercise.id, sorted(right), True),
    ]
    total = sum(len(m.exercises) for m in guide.modules)
    assert f"<strong>1 of {total}</strong>" in client.get("/learn").text


def test_every_exercise_right_completes_the_module(
    shared: World, client: TestClient, guide: Guide
) -> None:
    token = sign_in(client, shared.emails[_fresh(shared, "completes")])
    module = guide.modules[0]
    for exercise in module.exercises:
        right = _learning(shared).answer_of(exercise)
        r = client.post(
            f"/learn/exercises/{exercise.id}",
            data={"csrf_token": token, "chosen": sorted(right)},
            follow_redirects=False,
        )
        assert r.status_code == 303
    index = client.get("/learn").text
    status = re.search(r'id="module-1-status">\s*<strong[^>]*>([^<]+)<', index)
    assert status and status.group(1) == "Completed"
    assert index.count(">Not started</strong>") == 5


def test_an_answer_without_or_with_a_wrong_csrf_token_is_refused(
    shared: World, client: TestClient, guide: Guide
) -> None:
    sign_in(client, shared.emails["b-editor"])
    exercise = guide.modules[1].exercises[0]
    before = _attempts(shared, "b-editor")
    key = exercise.options[0].key
    assert client.post(f"/learn/exercises/{exercise.id}", data={"chosen": key}).status_code == 403
    r = client.post(f"/learn/exercises/{exercise.id}", data={"chosen": key, "csrf_token": "forged"})
    assert r.status_code == 403
    assert _attempts(shared, "b-editor") == before


def test_unknown_exercise_and_unknown_option_are_clear_refusals(
    shared: World, client: TestClient, guide: Guide
) -> None:
    token = sign_in(client, shared.emails["b-admin"])
    r = client.post("/learn/exercises/no-such-exercise", data={"csrf_token": token, "chosen": "a"})
    assert r.status_code == 404
    assert "There is no exercise called &#39;no-such-exercise&#39; in the guide" in r.text
    exercise = guide.modules[3].exercises[0]
    r = client.post(f"/learn/exercises/{exercise.id}", data={"csrf_token": token, "chosen": "zz"})
    assert r.status_code == 400
    assert "This question has no option &#39;zz&#39;" in r.text
    assert "nhsuk-error-summary" in r.text  # on the module page, in the NHS error pattern
    # The summary links to the question's first option, which is on the page.
    first = f"{exercise.id}-{exercise.options[0].key}"
    assert f'<a href="#{first}">' in r.text and first in _Page(r.text).ids
    r = client.post(f"/learn/exercises/{exercise.id}", data={"csrf_token": token})
    assert r.status_code == 400
    assert "then check your answer" in r.text
    if exercise.kind == "single" and len(exercise.options) > 1:
        both = [o.key for o in exercise.options[:2]]
        r = client.post(
            f"/learn/exercises/{exercise.id}", data={"csrf_token": token, "chosen": both}
        )
        assert r.status_code == 400
        assert "Choose only one answer" in r.text
    assert _attempts(shared, "b-admin") == []  # nothing refused was saved


def test_no_one_else_sees_a_users_progress(shared: World, client: TestClient, guide: Guide) -> None:
    token = sign_in(client, shared.emails[_fresh(shared, "private")])
    exercise = guide.modules[4].exercises[0]
    right = _learning(shared).answer_of(exercise)
    client.post(
        f"/learn/exercises/{exercise.id}", data={"csrf_token": token, "chosen": sorted(right)}
    )
    mine = client.get(f"/learn/{guide.modules[4].slug}").text
    assert "Your answer is right" in mine
    total = sum(len(m.exercises) for m in guide.modules)
    # The admin of the same organisation, and a user of another, see none of it.
    for who in ("a-admin", "b-viewer"):
        with TestClient(shared.app) as other:
            sign_in(other, shared.emails[who])
            assert f"<strong>0 of {total}</strong>" in other.get("/learn").text
            theirs = other.get(f"/learn/{guide.modules[4].slug}").text
            assert "Your answer is" not in theirs
            assert " checked>" not in theirs


def test_materials_are_built_once_per_app(shared: World, client: TestClient, guide: Guide) -> None:
    sign_in(client, shared.emails["a-viewer"])
    learning_ = _learning(shared)
    first = learning_.materials()
    for module in guide.modules[:2]:
        client.get(f"/learn/{module.slug}")
    assert learning_.materials() is first
    # Cached under the app's data folder.
    assert learning_.cache_dir == shared.settings.data_dir / "guide-cache"
    assert learning_.cache_dir.is_dir() and any(learning_.cache_dir.iterdir())


def test_stored_attempts_use_the_guides_own_ids(shared: World, guide: Guide) -> None:
    ids = {e.id for m in guide.modules for e in m.exercises}
    with shared.app.state.registry.session() as s:
        stored = {a.exercise_id for a in s.query(LearningAttempt)}
    assert stored and stored <= ids
