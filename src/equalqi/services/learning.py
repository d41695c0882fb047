"""The learning service behind ``/learn``: the guide's modules with a user's progress, one
module ready to show (its text, figures and exercises with the user's last answer), and
answering an exercise (checked, then saved in the registry).

The guide itself is pure content (:mod:`equalqi.learn`); the figures and the answers that
depend on the demo data come from :func:`equalqi.services.guide.materials`, built once per
process on first use and cached under the app's data folder, never per request. An answer is
checked with :func:`equalqi.learn.check` against the answer from those materials, so the web
app and the offline guide mark the same answer right.

Checking happens here; the registry (:mod:`equalqi.registry.learning`) only stores and reads.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from html import escape
from pathlib import Path

from sqlalchemy.orm import Session

from equalqi.learn import Exercise, Feedback, Guide, Module, check, load_guide, render_module
from equalqi.registry import learning as store
from equalqi.registry.access import NotFound
from equalqi.registry.models import User
from equalqi.services.guide import Materials, materials

#: Status words of a module, as the NHS.UK task list uses them.
NOT_STARTED, IN_PROGRESS, COMPLETED = "Not started", "In progress", "Completed"


class UnknownExercise(LookupError):
    """No exercise of the guide has this id (a web request answers 404)."""

    def __init__(self, exercise_id: str) -> None:
        self.exercise_id = exercise_id
        super().__init__(
            f"There is no exercise called {exercise_id!r} in the guide. Go back to the list "
            "of modules at /learn and open the exercise from its module."
        )


class AnswerProblem(ValueError):
    """An answer that cannot be checked: nothing chosen, an option the exercise does not
    have, or more than one option for a single-choice question (a web request answers 400)."""

    def __init__(self, exercise: Exercise, message: str) -> None:
        self.exercise = exercise
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class ModuleProgress:
    number: int
    slug: str
    title: str
    summary: str
    solved: int
    total: int
    attempted: bool

    @property
    def status(self) -> str:
        if self.total and self.solved >= self.total:
            return COMPLETED
        return IN_PROGRESS if self.attempted else NOT_STARTED


@dataclass(frozen=True)
class ExerciseView:
    """One exercise as a page shows it: the user's last answer and its feedback, if any."""

    exercise: Exercise
    figure_svg: str | None
    chosen: frozenset[str]
    feedback: Feedback | None
    solved: bool


@dataclass(frozen=True)
class ModuleView:
    module: Module
    body_html: str
    exercises: tuple[ExerciseView, ...]
    progress: ModuleProgress
    previous: Module | None
    next: Module | None


class Learning:
    """One per app (``app.state.learning``): the guide, read once, and the demo materials,
    built once on first use (thread-safe: the web app's routes run in a thread pool)."""

    def __init__(
        self,
        cache_dir: Path,
        *,
        guide: Callable[[], Guide] = load_guide,
        materials: Callable[[Path], Materials] | None = None,
    ) -> None:
        self.cache_dir = cache_dir
        self._load_guide = guide
        self._build_materials = materials or _default_materials
        self._guide: Guide | None = None
        self._materials: Materials | None = None
        # Two locks: pages that need only the guide never wait for the materials' build.
        self._guide_lock = threading.Lock()
        self._materials_lock = threading.Lock()

    # ------------------------------------------------------------ content, built once

    @property
    def guide(self) -> Guide:
        if self._guide is None:
            with self._guide_lock:
                if self._guide is None:
                    self._guide = self._load_guide()
        return self._guide

    def materials(self) -> Materials:
        """The demo figures and data-bound answers (built from the demo scenarios on first
        use, then cached on disk under ``cache_dir`` and in this object)."""
        if self._materials is None:
            with self._materials_lock:
                if self._materials is None:
                    self.cache_dir.mkdir(parents=True, exist_ok=True)
                    self._materials = self._build_materials(self.cache_dir)
        return self._materials

    def module(self, slug: str) -> Module:
        try:
            return self.guide.module(slug)
        except KeyError:
            raise NotFound(f"guide module {slug}") from None

    def exercise(self, exercise_id: str) -> Exercise:
        try:
            return self.guide.exercise(exercise_id)
        except KeyError:
            raise UnknownExercise(exercise_id) from None

    def figure_html(self, key: str) -> str:
        """A demo figure (trusted SVG made by the toolkit) ready to place in a page."""
        materials = self.materials()
        caption = materials.caption(key)
        words = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
        return f'<figure class="eq-guide-figure">{materials.figure(key)}{words}</figure>'

    def answer_of(self, exercise: Exercise) -> frozenset[str]:
        """The right answer: fixed in the content, or worked out from the demo data."""
        return frozenset(self.materials().answer_for(self.guide, exercise.id))

    # ------------------------------------------------------------ what to show

    def progress(self, session: Session, user: User) -> tuple[ModuleProgress, ...]:
        """Every module with how many of its exercises ``user`` has got right."""
        solved = store.solved(session, user)
        tried = set(store.latest_attempts(session, user))
        return tuple(_progress(m, solved, tried) for m in self.guide.modules)

    def module_view(
        self, session: Session, user: User, slug: str, *, glossary: Callable[[str], str]
    ) -> ModuleView:
        """One module for ``user``: its body as HTML (glossary words linked to
        ``glossary(term slug)``, figures in place), and its exercises with the user's last
        answer and what was said about it."""
        module = self.module(slug)
        solved = store.solved(session, user)
        latest = store.latest_attempts(session, user)
        views = []
        for exercise in module.exercises:
            last = latest.get(exercise.id)
            chosen = frozenset(str(k) for k in last.chosen) if last else frozenset()
            feedback = (
                check(exercise, chosen, self.answer_of(exercise)) if last is not None else None
            )
            figure = self.figure_html(exercise.figure) if exercise.figure else None
            views.append(ExerciseView(exercise, figure, chosen, feedback, exercise.id in solved))
        modules = self.guide.modules
        at = modules.index(module)
        return ModuleView(
            module=module,
            body_html=render_module(module, self.guide, link=glossary, figure=self.figure_html),
            exercises=tuple(views),
            progress=_progress(module, solved, set(latest)),
            previous=modules[at - 1] if at > 0 else None,
            next=modules[at + 1] if at + 1 < len(modules) else None,
        )

    # ------------------------------------------------------------ answering

    def record_answer(
        self,
        session: Session,
        user: User,
        exercise_id: str,
        chosen: Iterable[str],
        *,
        at: dt.datetime | None = None,
    ) -> tuple[Exercise, Feedback]:
        """Check ``user``'s answer to one exercise and save it with whether it was right.

        Raises :class:`UnknownExercise` for an id the guide does not have and
        :class:`AnswerProblem` for an answer that cannot be checked; neither saves anything.
        """
        exercise = self.exercise(exercise_id)
        keys = validate_choice(exercise, chosen)
        feedback = check(exercise, keys, self.answer_of(exercise))
        store.record_attempt(session, user, exercise.id, keys, correct=feedback.correct, at=at)
        return exercise, feedback


def validate_choice(exercise: Exercise, chosen: Iterable[str]) -> frozenset[str]:
    """The chosen option keys, or :class:`AnswerProblem` saying what is wrong."""
    keys = [str(k).strip() for k in chosen]
    keys = [k for k in keys if k]
    known = [o.key for o in exercise.options]
    if not keys:
        what = "one answer" if exercise.kind == "single" else "one or more answers"
        raise AnswerProblem(exercise, f"Choose {what}, then check your answer")
    strange = [k for k in keys if k not in known]
    if strange:
        raise AnswerProblem(
            exercise,
            f"This question has no option {strange[0]!r}; choose from "
            f"{', '.join(known)}. Reload the page if the question has changed.",
        )
    if exercise.kind == "single" and len(set(keys)) > 1:
        raise AnswerProblem(exercise, "Choose only one answer to this question")
    return frozenset(keys)


def _progress(module: Module, solved: frozenset[str], tried: set[str]) -> ModuleProgress:
    ids = [e.id for e in module.exercises]
    return ModuleProgress(
        number=module.number,
        slug=module.slug,
        title=module.title,
        summary=module.summary,
        solved=sum(1 for i in ids if i in solved),
        total=len(ids),
        attempted=any(i in tried for i in ids),
    )


def _default_materials(cache_dir: Path) -> Materials:
    return materials(cache_dir=cache_dir)
