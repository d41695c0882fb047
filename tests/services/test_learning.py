"""The learning service: answers checked against the demo materials' answer and saved,
refusals that save nothing, progress per module, and what a module page shows."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from equalqi.learn import Exercise
from equalqi.registry import learning as store
from equalqi.registry.access import NotFound
from equalqi.registry.db import Registry, open_registry
from equalqi.registry.models import User
from equalqi.registry.organisations import create_organisation
from equalqi.registry.users import create_user
from equalqi.services.learning import (
    COMPLETED,
    IN_PROGRESS,
    NOT_STARTED,
    AnswerProblem,
    Learning,
    UnknownExercise,
)

PASSWORD = "a long enough password"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Learning:
    """One service for the module: the demo materials are built once, as in the app."""
    return Learning(tmp_path_factory.mktemp("guide-cache"))


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[Registry]:
    reg = open_registry(f"sqlite:///{tmp_path / 'r.db'}", data_dir=tmp_path)
    yield reg
    reg.close()


def _user(registry: Registry, email: str = "vi@a.nhs.uk") -> User:
    with registry.session() as s, s.begin():
        org = create_organisation(s, f"Org {email}")
        user = create_user(s, org, email, "Vi", "viewer", PASSWORD)
        s.flush()
        s.expunge(user)
    return user


def _wrong(exercise: Exercise, right: frozenset[str]) -> list[str]:
    return [next(o.key for o in exercise.options if o.key not in right)]


def test_right_and_wrong_answers_are_checked_and_saved(
    service: Learning, registry: Registry
) -> None:
    user = _user(registry)
    exercise = service.guide.modules[1].exercises[0]
    right = service.answer_of(exercise)
    with registry.session() as s, s.begin():
        _, feedback = service.record_answer(s, user, exercise.id, _wrong(exercise, right))
        assert not feedback.correct
        _, feedback = service.record_answer(s, user, exercise.id, sorted(right))
        assert feedback.correct
        assert feedback.explanation == exercise.explanation
        got = [(a.exercise_id, a.correct) for a in store.attempts(s, user)]
    assert got == [(exercise.id, False), (exercise.id, True)]


def test_fixed_answers_come_back_unchanged_from_the_materials(service: Learning) -> None:
    # Where the content file states the answer, the materials give that same answer; the
    # others (data-bound) are answered from the demo data, as a set of the exercise's keys.
    for exercise in service.guide.exercises:
        answer = service.answer_of(exercise)
        assert answer and answer <= set(exercise.keys), exercise.id
        if exercise.answer is not None:
            assert answer == exercise.answer, exercise.id


def test_refusals_are_clear_and_save_nothing(service: Learning, registry: Registry) -> None:
    user = _user(registry)
    single = next(e for e in service.guide.exercises if e.kind == "single")
    with registry.session() as s, s.begin():
        with pytest.raises(UnknownExercise, match="no exercise called 'nope' in the guide"):
            service.record_answer(s, user, "nope", ["a"])
        with pytest.raises(AnswerProblem) as info:
            service.record_answer(s, user, single.id, ["zz"])
        assert info.value.message.startswith("This question has no option 'zz'; choose from ")
        assert ", ".join(single.keys) in info.value.message
        with pytest.raises(AnswerProblem, match="Choose one answer"):
            service.record_answer(s, user, single.id, [])
        with pytest.raises(AnswerProblem, match="Choose only one answer"):
            service.record_answer(s, user, single.id, list(single.keys[:2]))
        assert store.attempts(s, user) == []


def test_progress_per_module(service: Learning, registry: Registry) -> None:
    user = _user(registry)
    first, second = service.guide.modules[:2]
    with registry.session() as s, s.begin():
        assert {p.status for p in service.progress(s, user)} == {NOT_STARTED}
        for exercise in first.exercises:
            service.record_answer(s, user, exercise.id, sorted(service.answer_of(exercise)))
        ex = second.exercises[0]
        service.record_answer(s, user, ex.id, _wrong(ex, service.answer_of(ex)))
        progress = service.progress(s, user)
    assert [p.slug for p in progress] == [m.slug for m in service.guide.modules]
    assert (progress[0].solved, progress[0].total, progress[0].status) == (
        len(first.exercises),
        len(first.exercises),
        COMPLETED,
    )
    assert (progress[1].solved, progress[1].status) == (0, IN_PROGRESS)
    assert {p.status for p in progress[2:]} == {NOT_STARTED}


def test_module_view_shows_the_last_answer_links_and_figures(
    service: Learning, registry: Registry
) -> None:
    user = _user(registry)
    module = next(m for m in service.guide.modules if any(e.figure for e in m.exercises))
    exercise = next(e for e in module.exercises if e.figure)
    right = service.answer_of(exercise)
    with registry.session() as s, s.begin():
        service.record_answer(s, user, exercise.id, sorted(right))
        view = service.module_view(s, user, module.slug, glossary=lambda slug: f"/g#{slug}")
        with pytest.raises(NotFound):
            service.module_view(s, user, "no-such-module", glossary=str)
    shown = next(x for x in view.exercises if x.exercise.id == exercise.id)
    assert shown.chosen == right and shown.solved
    assert shown.feedback is not None and shown.feedback.correct
    assert shown.figure_svg is not None and "<svg" in shown.figure_svg
    assert 'href="/g#' in view.body_html
    others = [x for x in view.exercises if x.exercise.id != exercise.id]
    assert all(x.feedback is None and not x.chosen for x in others)


def test_materials_are_built_once(service: Learning) -> None:
    assert service.materials() is service.materials()


def test_simultaneous_first_requests_build_the_materials_once(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from equalqi.services.guide import Materials, materials

    calls: list[Path] = []

    def build(folder: Path) -> Materials:
        calls.append(folder)
        return materials(cache_dir=folder)

    service = Learning(tmp_path / "cache", materials=build)
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda _i: service.materials(), range(4)))
    assert len(calls) == 1
    assert all(m is got[0] for m in got)
    assert any((tmp_path / "cache").iterdir())  # and written to the cache folder
