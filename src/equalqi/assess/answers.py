"""A team's answers to a programme theory's questions, at planning or at review.

Each question is answered *yes*, *partly*, *no* or *don't know*, optionally with a free-text
note and links to evidence. An :class:`Assessment` keeps the answers together with the theory
they answer (a full copy, so an assessment saved today can be re-scored and compared years
later, even after the built-in theory changes) and the stage (``planning`` or ``review``), in
the spirit of HEAT's cycle of assessing at the start and reviewing at the end.

Answers files are TOML::

    stage = "planning"                   # optional: planning | review
    project = "DNA reduction, clinic A"  # optional

    [answers]
    values-aim-written = "yes"
    values-leader-backing = { answer = "partly", note = "Sponsor asked for a paper" }

    [answers.data-split-by-group]
    answer = "dont_know"
    evidence = ["https://intranet.example/plan.pdf"]

Unknown question ids and unrecognised answers are rejected with the line they are on.
Questions left out, or answered ``""`` (as ``equalqi assess template`` writes them), are *not
answered yet*: the summary reports how complete the assessment is and gives an area a risk
level only once all its questions have an answer.
"""

from __future__ import annotations

import datetime as dt
import difflib
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal, cast

from .actions import PlannedAction, read_actions
from .heat import About, read_about
from .keylines import KeyPath
from .problems import AnswersError, Located, toml_syntax_problem
from .theory import Theory, theory_from_dict

AnswerValue = Literal["yes", "partly", "no", "dont_know"]
Stage = Literal["planning", "review"]

ANSWER_VALUES: tuple[str, ...] = ("yes", "partly", "no", "dont_know")
STAGES: tuple[str, ...] = ("planning", "review")
ANSWER_WORDS: Mapping[str, str] = {
    "yes": "yes",
    "partly": "partly",
    "no": "no",
    "dont_know": "don't know",
}
#: Spellings people type, mapped to the canonical value (compared after lower-casing).
ANSWER_ALIASES: Mapping[str, str] = {
    "y": "yes",
    "p": "partly",
    "part": "partly",
    "n": "no",
    "dk": "dont_know",
    "?": "dont_know",
    "don't know": "dont_know",
    "dont know": "dont_know",
    "don't_know": "dont_know",
    "do not know": "dont_know",
    "unknown": "dont_know",
    "not sure": "dont_know",
}
ASSESSMENT_KIND = "equalqi.assessment"
ASSESSMENT_FORMAT_VERSION = 1


def normalise_answer(value: object) -> AnswerValue | None:
    """The canonical answer for what a person typed, or ``None`` if it is not recognised."""
    if not isinstance(value, str):
        return None
    key = " ".join(value.strip().lower().replace("’", "'").split())
    if key in ANSWER_VALUES:
        return cast(AnswerValue, key)
    alias = ANSWER_ALIASES.get(key)
    return cast(AnswerValue, alias) if alias else None


@dataclass(frozen=True)
class Answer:
    """The answer to one question, with an optional note and evidence links."""

    question_id: str
    value: AnswerValue
    note: str | None = None
    evidence: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"question_id": self.question_id, "answer": self.value}
        if self.note:
            out["note"] = self.note
        if self.evidence:
            out["evidence"] = list(self.evidence)
        return out


@dataclass(frozen=True)
class AnswersFile:
    """What an answers file said: the answers, and the stage and project if it gave them."""

    answers: tuple[Answer, ...]
    stage: Stage | None = None
    project: str | None = None
    actions: tuple[PlannedAction, ...] = ()
    about: About = field(default_factory=About)


@dataclass(frozen=True)
class Assessment:
    """One completed (or partly completed) assessment of a project against a theory."""

    theory: Theory
    stage: Stage
    answers: tuple[Answer, ...]
    created_at: dt.datetime
    project: str | None = None
    #: the action plan (see :mod:`equalqi.assess.actions`)
    actions: tuple[PlannedAction, ...] = ()
    #: the written sections, groups considered and sign-off (see :mod:`equalqi.assess.heat`)
    about: About = field(default_factory=About)

    @cached_property
    def _by_id(self) -> dict[str, Answer]:
        return {a.question_id: a for a in self.answers}

    def answer(self, question_id: str) -> Answer | None:
        return self._by_id.get(question_id)

    @property
    def unanswered(self) -> tuple[str, ...]:
        return tuple(q for q in self.theory.question_ids if q not in self._by_id)

    def to_dict(self) -> dict[str, Any]:
        out = {
            "kind": ASSESSMENT_KIND,
            "format_version": ASSESSMENT_FORMAT_VERSION,
            "stage": self.stage,
            "created_at": self.created_at.isoformat(),
            "project": self.project,
            "theory_identity": self.theory.identity(),
            "answers": [a.to_dict() for a in self.answers],
            "theory": self.theory.to_dict(),
        }
        if self.actions:
            out["actions"] = [a.to_dict() for a in self.actions]
        if not self.about.empty:
            out["about"] = self.about.to_dict()
        return out

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any], *, source: str | None = None) -> Assessment:
        return assessment_from_dict(raw, source=source)


def new_assessment(
    theory: Theory,
    answers: Sequence[Answer],
    *,
    stage: str,
    created_at: dt.datetime,
    project: str | None = None,
    actions: Sequence[PlannedAction] = (),
    about: About | None = None,
) -> Assessment:
    """Check answers against the theory and build an :class:`Assessment` (answers kept in
    the theory's question order)."""
    v = Located(None, None)
    if stage not in STAGES:
        v.add(("stage",), "the stage is not recognised", "Use 'planning' or 'review'.", stage)
    if created_at.tzinfo is None:
        raise ValueError("created_at must be timezone-aware (use datetime.now(timezone.utc))")
    known = set(theory.question_ids)
    seen: set[str] = set()
    for a in answers:
        if a.question_id not in known:
            v.add(("answers", a.question_id), *_unknown_question(a.question_id, theory))
        if a.question_id in seen:
            v.add(
                ("answers", a.question_id),
                f"question '{a.question_id}' is answered twice",
                "Keep one answer per question.",
            )
        seen.add(a.question_id)
        if a.value not in ANSWER_VALUES:
            v.add(("answers", a.question_id), *_bad_answer(a.question_id), a.value)
    v.raise_if_any(AnswersError)
    order = {q: i for i, q in enumerate(theory.question_ids)}
    ordered = tuple(sorted(answers, key=lambda a: order[a.question_id]))
    statements = {s.id for _, s in theory.statements()}
    for action in actions:
        if action.risk not in statements:
            v.add(
                ("actions",),
                f"action '{action.what}': '{action.risk}' is not a statement",
                "Use a statement id; 'equalqi assess theory' lists them.",
            )
    v.raise_if_any(AnswersError)
    return Assessment(
        theory, cast(Stage, stage), ordered, created_at, project, tuple(actions), about or About()
    )


def _unknown_question(qid: str, theory: Theory) -> tuple[str, str]:
    close = difflib.get_close_matches(qid, theory.question_ids, n=1)
    hint = f"Did you mean '{close[0]}'? " if close else ""
    return (
        f"there is no question '{qid}' in the theory '{theory.id}'",
        f"{hint}Run 'equalqi assess theory' to list the question ids.",
    )


def _bad_answer(qid: str) -> tuple[str, str]:
    return (
        f"the answer to '{qid}' is not recognised",
        "Answer yes, partly, no or dont_know.",
    )


# --------------------------------------------------------------------------- answers files


def parse_answers(text: str, theory: Theory, *, source: str = "answers") -> AnswersFile:
    """Parse a TOML answers file against ``theory``; raise :class:`AnswersError` naming lines."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise AnswersError(toml_syntax_problem(exc, source, "answers file")) from exc
    v = Located(source, text)
    v.unknown_keys(
        raw, (), ("stage", "project", "answers", "actions", "about", "sign_off"), "answers file"
    )
    stage = None
    if "stage" in raw:
        stage = v.choice(raw, (), "stage", "answers file", STAGES)
    project = v.text(raw, (), "project", "answers file")
    table = raw.get("answers")
    answers: list[Answer] = []
    if table is None:
        v.add(
            (),
            "answers file: there is no [answers] table",
            "Add [answers] and one line per question.",
        )
    elif not isinstance(table, Mapping):
        v.add(("answers",), "answers file: 'answers' must be a table", "Write it as [answers].")
    else:
        answers = _read_answers(v, table, theory, ("answers",))
    actions = read_actions(v, raw.get("actions"), theory, ("actions",))
    about = read_about(v, raw.get("about"), raw.get("sign_off"), ("about",), ("sign_off",))
    v.raise_if_any(AnswersError)
    return AnswersFile(tuple(answers), cast(Stage | None, stage), project, actions, about)


def _read_answers(
    v: Located, table: Mapping[str, Any], theory: Theory, path: KeyPath
) -> list[Answer]:
    known = set(theory.question_ids)
    out: list[Answer] = []
    for qid, item in table.items():
        here = (*path, qid)
        if qid not in known:
            v.add(here, *_unknown_question(qid, theory))
            continue
        if isinstance(item, Mapping):
            v.unknown_keys(item, here, ("answer", "note", "evidence"), f"answer to '{qid}'")
            value = normalise_answer(item.get("answer"))
            if value is None:
                v.add((*here, "answer"), *_bad_answer(qid), item.get("answer"))
                continue
            note = v.text(item, here, "note", f"answer to '{qid}'")
            evidence = v.text_list(item, here, "evidence", f"answer to '{qid}'")
            out.append(Answer(qid, value, note, evidence))
        elif isinstance(item, str) and not item.strip():
            continue  # "" = not answered yet (as the template writes it)
        else:
            value = normalise_answer(item)
            if value is None:
                v.add(here, *_bad_answer(qid), item)
                continue
            out.append(Answer(qid, value))
    return out


# --------------------------------------------------------------------------- stored form


def assessment_from_dict(raw: Mapping[str, Any], *, source: str | None = None) -> Assessment:
    """Rebuild an assessment from :meth:`Assessment.to_dict` output (a stored JSON file)."""
    v = Located(source, None)
    if not isinstance(raw, Mapping) or raw.get("kind") != ASSESSMENT_KIND:
        v.add((), "this is not an equalqi assessment", "Pick a file saved by 'equalqi assess new'.")
        v.raise_if_any(AnswersError)
    if raw.get("format_version") != ASSESSMENT_FORMAT_VERSION:
        v.add(
            ("format_version",),
            "this assessment was saved in a format this version cannot read",
            "Upgrade equalqi.",
            raw.get("format_version"),
        )
        v.raise_if_any(AnswersError)
    theory = theory_from_dict(raw.get("theory") or {}, source=source)
    created: dt.datetime | None = None
    try:
        created = dt.datetime.fromisoformat(str(raw.get("created_at")))
    except ValueError:
        v.add(("created_at",), "the date is not readable", "Use an ISO 8601 date and time.")
    if created is not None and created.tzinfo is None:
        created = created.replace(tzinfo=dt.UTC)
    items = raw.get("answers") or []
    answers: list[Answer] = []
    if not isinstance(items, list):
        v.add(("answers",), "'answers' must be a list", "Save the assessment again.")
        items = []
    for i, item in enumerate(items):
        if not isinstance(item, Mapping):
            v.add(("answers", i), "each answer must be an object", "Save the assessment again.")
            continue
        value = normalise_answer(item.get("answer"))
        qid = item.get("question_id")
        if value is None or not isinstance(qid, str):
            v.add(("answers", i), *_bad_answer(str(qid)), item.get("answer"))
            continue
        evidence = item.get("evidence") or []
        note = item.get("note")
        if not isinstance(evidence, list) or not isinstance(note, str | None):
            v.add(("answers", i), "the note or evidence cannot be read", "Save it again.")
            continue
        answers.append(Answer(qid, value, note, tuple(str(e) for e in evidence)))
    project = raw.get("project")
    if not isinstance(project, str | None):
        v.add(("project",), "the project name must be text", "Save the assessment again.", project)
    actions = read_actions(v, raw.get("actions"), theory, ("actions",))
    stored = raw.get("about") or {}
    about = (
        read_about(
            v,
            {k: x for k, x in stored.items() if k != "sign_off"},
            stored.get("sign_off"),
            ("about",),
            ("about", "sign_off"),
        )
        if isinstance(stored, Mapping)
        else read_about(v, stored, None, ("about",), ("about", "sign_off"))
    )
    v.raise_if_any(AnswersError)
    return new_assessment(
        theory,
        answers,
        stage=str(raw.get("stage")),
        created_at=cast(dt.datetime, created),
        project=project,
        actions=actions,
        about=about,
    )
