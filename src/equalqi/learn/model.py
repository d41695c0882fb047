"""The guide's content model: modules, exercises, glossary terms, and checking an answer.

Plain frozen dataclasses, built by :mod:`equalqi.learn.loader` from the editable files under
``content/``. An exercise whose answer depends on the demo data has ``answer=None`` and names
the data rule in ``answer_from``; the answer then comes from
:func:`equalqi.services.guide.materials` (computed from the disclosed demo results), so the
guide stays true when the methods change.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

Kind = Literal["single", "multiple"]


@dataclass(frozen=True)
class Option:
    """One choice in an exercise: ``key`` is what a form sends back, ``text`` what people read."""

    key: str
    text: str


@dataclass(frozen=True)
class Exercise:
    """A question that checks itself. ``figure`` names a figure from the demo materials."""

    id: str
    module: str  # the module's slug
    prompt: str
    kind: Kind
    options: tuple[Option, ...]
    explanation: str
    figure: str | None = None
    answer: frozenset[str] | None = None
    answer_from: str | None = None

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(o.key for o in self.options)

    def option(self, key: str) -> Option:
        for o in self.options:
            if o.key == key:
                return o
        raise KeyError(f"exercise {self.id!r} has no option {key!r}; its options are {self.keys}")


@dataclass(frozen=True)
class Module:
    """One chapter of the guide, in Markdown, ending with its exercises."""

    number: int
    slug: str
    title: str
    summary: str
    body_markdown: str
    exercises: tuple[Exercise, ...]


@dataclass(frozen=True)
class GlossaryTerm:
    """A technical word and its plain-English meaning; ``slug`` is its page anchor.

    ``aliases`` are other spellings that should link to the same entry (plurals, short forms).
    """

    term: str
    slug: str
    definition: str
    aliases: tuple[str, ...] = ()

    @property
    def spellings(self) -> tuple[str, ...]:
        return (self.term, *self.aliases)


@dataclass(frozen=True)
class Guide:
    """The whole guide: the modules in order and the glossary."""

    modules: tuple[Module, ...]
    glossary: tuple[GlossaryTerm, ...]

    def module(self, slug: str) -> Module:
        for m in self.modules:
            if m.slug == slug:
                return m
        raise KeyError(
            f"the guide has no module {slug!r}; its modules are "
            f"{', '.join(m.slug for m in self.modules)}"
        )

    def exercise(self, exercise_id: str) -> Exercise:
        for m in self.modules:
            for e in m.exercises:
                if e.id == exercise_id:
                    return e
        raise KeyError(f"the guide has no exercise {exercise_id!r}")

    @property
    def exercises(self) -> tuple[Exercise, ...]:
        return tuple(e for m in self.modules for e in m.exercises)

    def term(self, slug: str) -> GlossaryTerm:
        for t in self.glossary:
            if t.slug == slug:
                return t
        raise KeyError(f"the glossary has no term {slug!r}")


@dataclass(frozen=True)
class Feedback:
    """The result of checking one attempt: right or not, a short message, and the why."""

    correct: bool
    message: str
    explanation: str


def check(exercise: Exercise, chosen: Collection[str], answer: frozenset[str]) -> Feedback:
    """Check the keys a person chose against the answer.

    ``answer`` is passed in (not read from the exercise) so that data-bound answers, which
    come from the demo materials, are checked the same way as fixed ones. Every chosen key
    must be one of the exercise's options (else ``ValueError`` naming it); a single-choice
    exercise takes exactly one key.
    """
    keys = set(exercise.keys)
    unknown = [c for c in chosen if c not in keys]
    if unknown:
        raise ValueError(
            f"exercise {exercise.id!r} has no option {unknown[0]!r}; "
            f"choose from {', '.join(exercise.keys)}"
        )
    bad_answer = sorted(answer - keys)
    if bad_answer or not answer:
        raise ValueError(
            f"the answer for exercise {exercise.id!r} ({sorted(answer)}) is not a set of its "
            f"options ({', '.join(exercise.keys)})"
        )
    picked = frozenset(chosen)
    if not picked:
        return Feedback(False, "Choose an answer first.", exercise.explanation)
    if exercise.kind == "single" and len(picked) > 1:
        raise ValueError(f"exercise {exercise.id!r} takes one answer; {len(picked)} were chosen")
    if picked == answer:
        return Feedback(True, "Correct.", exercise.explanation)
    if exercise.kind == "multiple":
        right = len(picked & answer)
        message = f"Not quite: you chose {right} of the {len(answer)} right answers" + (
            f" and {len(picked - answer)} that do not fit." if picked - answer else "."
        )
    else:
        message = "Not quite. Have another look."
    return Feedback(False, message, exercise.explanation)
