"""Equity by design as an application service: the rules the CLI, the web app and reports share.

Rules kept here, once:

* **Which planning assessment a review is compared with**: the latest planning assessment made
  at or before the review (:func:`comparison_base`). A planning assessment is compared with
  nothing. The same rule serves the CLI, the web page, the report and the board pack.
* **Stage checks**: only ``planning`` and ``review``; an answers file's own ``stage`` must agree
  with the stage asked for (:func:`check_stage`).
* **Corrections keep history**: an assessment or an involvement activity can be corrected or
  removed, with a reason for a removal; the registry's audit trail keeps what it said before.
* **Group names match the plan**: an activity's group counts are checked against the project's
  latest plan (:func:`equalqi.assess.names.check_groups`).

The registry is the store; these functions take a SQLAlchemy session and the acting user, so
role checks and per-organisation isolation apply as everywhere else.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from equalqi.assess import (
    Answer,
    Assessment,
    AssessmentSummary,
    activity_from_dict,
    assessment_from_dict,
    default_theory,
    new_assessment,
    summarise,
)
from equalqi.assess.actions import read_actions
from equalqi.assess.answers import STAGES
from equalqi.assess.evidence import log_evidence
from equalqi.assess.involvement import InvolvementLog
from equalqi.assess.names import check_groups
from equalqi.assess.problems import Located
from equalqi.assess.representativeness import Representativeness
from equalqi.assess.summary import RISK_WORDS
from equalqi.disclosure.policy import Policy
from equalqi.errors import InputError, Problem
from equalqi.registry import assessments as repo
from equalqi.registry import involvement as log_repo
from equalqi.registry.models import AssessmentRecord, InvolvementRecord, User
from equalqi.services.assessment_store import AssessmentStore, open_project


def comparison_base(history: Sequence[Assessment], current: Assessment) -> Assessment | None:
    """The planning assessment a review is compared with: the latest one made at or before
    the review (None for a planning assessment, or when there is none). ``history`` is
    oldest first; of two made at the same moment, the later in ``history`` counts as later."""
    if current.stage != "review":
        return None
    plans = [
        a
        for a in history
        if a.stage == "planning" and a is not current and a.created_at <= current.created_at
    ]
    return plans[-1] if plans else None


def summary_of(
    history: Sequence[Assessment], today: dt.date | None = None
) -> AssessmentSummary | None:
    """Plain words for the latest assessment of ``history`` (oldest first); a review is
    compared with its planning base. Overdue actions are judged against ``today`` (default:
    today's date, UTC)."""
    if not history:
        return None
    when = today or dt.datetime.now(dt.UTC).date()
    return summarise(history[-1], comparison_base(history, history[-1]), today=when)


def summary_with_log(
    history: Sequence[Assessment],
    log: InvolvementLog,
    result: Representativeness | None = None,
    *,
    policy: Policy | None = None,
    today: dt.date | None = None,
) -> AssessmentSummary | None:
    """:func:`summary_of`, with the involvement log's record next to the questions on
    representative involvement and removed barriers."""
    summary = summary_of(history, today)
    if summary is None:
        return None
    evidence = log_evidence(history[-1], log, result, policy=policy)
    return dataclasses.replace(summary, log_evidence=evidence)


def check_stage(stage: str, answers_stage: str | None = None, source: str | None = None) -> None:
    """``stage`` must be planning or review, and agree with the answers file's own stage."""
    if stage not in STAGES:
        raise InputError(
            Problem(f"'{stage}' is not a stage", "Use 'planning' or 'review'.", source, value=stage)
        )
    if answers_stage is not None and answers_stage != stage:
        raise InputError(
            Problem(
                f"the answers file says stage = '{answers_stage}' but the stage asked for is "
                f"'{stage}'",
                "Make them match, or remove 'stage' from the answers file.",
                source,
            )
        )


def _reason(reason: str) -> str:
    text = reason.strip()
    if not text:
        raise InputError(
            Problem(
                "a removal needs a reason",
                "Say briefly why it is removed (for example: entered twice); the audit trail "
                "keeps it with a copy of what was removed.",
                column="reason",
            )
        )
    return text


# --------------------------------------------------------------------------- registry-backed


def history(session: Session, user: User, project_id: int) -> list[Assessment]:
    """The project's assessments, oldest first (ties: the one stored first)."""
    rows = sorted(repo.list_assessments(session, user, project_id), key=lambda r: r.id)
    items = [assessment_from_dict(r.data) for r in rows]
    return [a for _, a in sorted(enumerate(items), key=lambda t: (t[1].created_at, t[0]))]


def project_summary(
    session: Session, user: User, project_id: int, *, policy: Policy | None = None
) -> AssessmentSummary | None:
    """The latest assessment in plain words, with the project's involvement log next to the
    questions it bears on (counts through ``policy``)."""
    log = log_repo.involvement_log(session, user, project_id)
    return summary_with_log(history(session, user, project_id), log, policy=policy)


def latest_risk_words(session: Session, user: User, project_id: int) -> str | None:
    """The latest assessment's overall risk in words ("Not finished" while incomplete)."""
    risk = repo.latest_risk(session, user, project_id)
    return None if risk is None else RISK_WORDS.get(risk, risk)


def _answers(
    answers: Mapping[str, str],
    notes: Mapping[str, str] | None,
    evidence: Mapping[str, tuple[str, ...]] | None = None,
) -> list[Answer]:
    notes, evidence = notes or {}, evidence or {}
    return [
        Answer(
            question_id=q,
            value=v,  # type: ignore[arg-type]
            note=(notes.get(q) or "").strip() or None,
            evidence=evidence.get(q, ()),
        )
        for q, v in answers.items()
        if v
    ]


def record_assessment(
    session: Session,
    user: User,
    project_id: int,
    answers: Mapping[str, str],
    *,
    stage: str,
    notes: Mapping[str, str] | None = None,
) -> AssessmentRecord:
    """Check the stage and store a new assessment."""
    check_stage(stage)
    return repo.save_assessment(session, user, project_id, answers, stage=stage, notes=notes)


def correct_assessment(
    session: Session,
    user: User,
    project_id: int,
    assessment_id: int,
    answers: Mapping[str, str],
    *,
    stage: str,
    notes: Mapping[str, str] | None = None,
) -> AssessmentRecord:
    """Replace a stored assessment's answers (same theory, same date); audited."""
    check_stage(stage)
    record = repo.get_assessment(session, user, project_id, assessment_id)
    old = assessment_from_dict(record.data)
    # notes and evidence links the form does not show are kept as they were
    kept_notes = {a.question_id: a.note for a in old.answers if a.note}
    kept_evidence = {a.question_id: a.evidence for a in old.answers if a.evidence}
    corrected = new_assessment(
        old.theory,
        _answers(answers, {**kept_notes, **(notes or {})}, kept_evidence),
        stage=stage,
        created_at=old.created_at,
        project=old.project,
        actions=old.actions,
        about=old.about,
    )
    return repo.replace_assessment(session, user, project_id, assessment_id, corrected)


def save_action(
    session: Session,
    user: User,
    project_id: int,
    raw: Mapping[str, Any],
    *,
    index: int | None = None,
) -> AssessmentRecord:
    """Add an action to the latest assessment's plan (or replace action ``index``, e.g. to
    change its status). Validated as in an answers file; audited as an edit."""
    rows = repo.list_assessments(session, user, project_id)  # newest first
    if not rows:
        raise InputError(
            Problem("there is no assessment to add an action to", "Start the assessment first.")
        )
    current = assessment_from_dict(rows[0].data)
    v = Located("action plan form", None)
    (parsed, *_) = read_actions(v, [dict(raw)], current.theory, ("actions",)) or (None,)
    v.raise_if_any(InputError)
    assert parsed is not None
    actions = list(current.actions)
    if index is None:
        actions.append(parsed)
    elif 0 <= index < len(actions):
        actions[index] = parsed
    else:
        raise InputError(Problem(f"there is no action {index + 1}", "Pick one from the list."))
    changed = dataclasses.replace(current, actions=tuple(actions))
    return repo.replace_assessment(session, user, project_id, rows[0].id, changed)


def save_about(
    session: Session,
    user: User,
    project_id: int,
    about: Mapping[str, Any],
    sign_off: Mapping[str, Any] | None = None,
) -> AssessmentRecord:
    """Set the latest assessment's written sections, the groups considered and the sign-off
    (HEAT-style), validated exactly as an answers file's ``[about]`` and ``[sign_off]``.
    Replaces what was there (a blank section becomes not written yet); audited as an edit
    with what it said before."""
    from equalqi.assess.heat import read_about

    rows = repo.list_assessments(session, user, project_id)  # newest first
    if not rows:
        raise InputError(
            Problem("there is no assessment to add these to", "Start the assessment first.")
        )
    current = assessment_from_dict(rows[0].data)
    v = Located("written sections form", None)
    texts = {k: val for k, val in about.items() if not isinstance(val, str) or val.strip()}
    signed = dict(sign_off) if sign_off and any(str(x).strip() for x in sign_off.values()) else None
    parsed = read_about(v, texts, signed, ("about",), ("sign_off",))
    try:
        v.raise_if_any(InputError)
    except InputError as exc:  # a form has no quotes to write: say what to fill in instead
        raise InputError(
            [
                dataclasses.replace(p, fix="Fill it in.")
                if p.fix == "Write the value in double quotes."
                else p
                for p in exc.problems
            ]
        ) from None
    changed = dataclasses.replace(current, about=parsed)
    return repo.replace_assessment(session, user, project_id, rows[0].id, changed)


@dataclass(frozen=True)
class AreaTask:
    """One area of the assessment as a task: its questions and how far it has got."""

    cluster_id: str
    name: str
    n_questions: int
    n_answered: int

    @property
    def status(self) -> str:
        if self.n_answered == 0:
            return "Not started"
        return "Completed" if self.n_answered == self.n_questions else "In progress"


def area_tasks(assessment: Assessment | None) -> list[AreaTask]:
    """The theory's areas with how many of their questions the assessment answers."""
    theory = assessment.theory if assessment is not None else default_theory()
    out = []
    for cluster in theory.clusters:
        ids = [q.id for s in cluster.statements for q in s.questions]
        answered = sum(1 for q in ids if assessment is not None and assessment.answer(q))
        out.append(AreaTask(cluster.id, cluster.name, len(ids), answered))
    return out


def answer_area(
    session: Session,
    user: User,
    project_id: int,
    cluster_id: str,
    answers: Mapping[str, str],
) -> AssessmentRecord:
    """Save one area's answers into the project's latest assessment (a new planning
    assessment if there is none). A question of the area left blank becomes not answered
    yet; the other areas are kept as they were. Audited as an edit."""
    rows = repo.list_assessments(session, user, project_id)  # newest first
    current = assessment_from_dict(rows[0].data) if rows else None
    theory = current.theory if current is not None else default_theory()
    cluster = next((c for c in theory.clusters if c.id == cluster_id), None)
    if cluster is None:
        raise InputError(Problem(f"there is no area '{cluster_id}'", "Pick an area from the list."))
    ids = {q.id for s in cluster.statements for q in s.questions}
    stray = sorted(set(answers) - ids)
    if stray:
        raise InputError(
            Problem(
                f"these questions are not in the area '{cluster.name}': {', '.join(stray)}",
                "Answer them on their own area's page.",
            )
        )
    if current is None:
        return record_assessment(session, user, project_id, answers, stage="planning")
    merged: dict[str, str] = {
        a.question_id: a.value for a in current.answers if a.question_id not in ids
    }
    merged.update({q: v for q, v in answers.items() if v})
    return correct_assessment(session, user, project_id, rows[0].id, merged, stage=current.stage)


def remove_assessment(
    session: Session, user: User, project_id: int, assessment_id: int, reason: str
) -> None:
    repo.delete_assessment(session, user, project_id, assessment_id, _reason(reason))


def _checked_activity(
    session: Session,
    user: User,
    project_id: int,
    raw: Mapping[str, Any],
    plan: PlanText | None = None,
) -> Any:
    """The activity, its group names checked against ``plan`` if given, else the project's
    latest plan in the registry (an error when there is neither)."""
    activity = activity_from_dict(raw, source=(plan.entry if plan else None) or "involvement form")
    if activity.groups:
        from equalqi.plan import parse_plan
        from equalqi.registry import analyses
        from equalqi.services.analysis.labels import plan_groups

        if plan is None:
            stored = analyses.latest_plan(session, user, project_id)
            if stored is None:
                raise InputError(
                    Problem(
                        "group counts can only be checked against the project's analysis plan, "
                        "and this project has none yet",
                        "Give the plan (--plan PLAN.toml on the command line), or run an "
                        "analysis first, or log the activity without groups.",
                        column="groups",
                    )
                )
            plan = PlanText(stored.toml, "plan")
        check_groups(
            activity,
            plan_groups(parse_plan(plan.toml, source=plan.source)),
            source=plan.entry,
        )
    return activity


@dataclass(frozen=True)
class PlanText:
    """An analysis plan given with an activity (TOML text), to check its group names against;
    ``source`` names the plan file, ``entry`` where the activity came from (for messages)."""

    toml: str
    source: str
    entry: str | None = None


def log_activity(
    session: Session,
    user: User,
    project_id: int,
    raw: Mapping[str, Any],
    *,
    plan: PlanText | None = None,
) -> InvolvementRecord:
    """Validate one activity (names against the plan) and add it to the log."""
    _checked_activity(session, user, project_id, raw, plan)
    return log_repo.add_activity(session, user, project_id, raw)


# --------------------------------------------------------------------------- the whole record


@dataclass(frozen=True)
class EquityRecord:
    """A project's equity by design as stored: assessments (oldest first) and the involvement
    log. Reports read this, so every output says what the registry holds."""

    project: str
    history: tuple[Assessment, ...]
    log: InvolvementLog

    @property
    def empty(self) -> bool:
        return not self.history and not self.log.activities


def equity_record(session: Session, user: User, project_id: int) -> EquityRecord:
    from equalqi.registry.access import project_for

    title = project_for(session, user, project_id).title
    return EquityRecord(
        title,
        tuple(history(session, user, project_id)),
        log_repo.involvement_log(session, user, project_id),
    )


def store_assessment(
    session: Session, user: User, project_id: int, assessment: Assessment
) -> AssessmentRecord:
    """Store an assessment built from an answers file or the interactive questions (its own
    theory and date); audited as an assessment."""
    check_stage(assessment.stage)
    return repo.add_assessment(session, user, project_id, assessment, action="assess")


def correct_activity(
    session: Session, user: User, project_id: int, activity_id: int, raw: Mapping[str, Any]
) -> InvolvementRecord:
    activity = _checked_activity(session, user, project_id, raw)
    return log_repo.replace_activity(session, user, project_id, activity_id, activity)


def remove_activity(
    session: Session, user: User, project_id: int, activity_id: int, reason: str
) -> None:
    log_repo.delete_activity(session, user, project_id, activity_id, _reason(reason))


# --------------------------------------------------------------------------- files <-> registry


@dataclass(frozen=True)
class Transfer:
    """What an import or export moved."""

    assessments: int
    activities: int


def import_folder(session: Session, user: User, project_id: int, folder: Path) -> Transfer:
    """Copy a project folder's assessments and involvement log into a registry project.

    All or nothing: every file is read and every activity's group names are checked against
    the project's plan before anything is written (the caller's transaction rolls back on any
    error). Imported items keep their own dates and theory; each is recorded in the audit trail
    as "import".
    """
    store = open_project(folder, must_have_content=True)
    items = store.load_assessments()
    log = store.load_involvement()
    for activity in log.activities:
        _checked_activity(session, user, project_id, activity.to_dict())
    for assessment in items:
        repo.add_assessment(session, user, project_id, assessment, action="import")
    for activity in log.activities:
        log_repo.add_activity(session, user, project_id, activity.to_dict())
    return Transfer(len(items), len(log.activities))


def export_folder(session: Session, user: User, project_id: int, folder: Path) -> Transfer:
    """Write a registry project's assessments and log as files, to share or archive them.

    Refuses a folder that already holds assessments or a log: files are never merged or
    overwritten.
    """
    store = AssessmentStore(folder)
    if store.involvement_path.exists() or (
        store.assessments_dir.is_dir() and any(store.assessments_dir.glob("*.json"))
    ):
        raise InputError(
            Problem(
                "this folder already holds equity assessments or an involvement log",
                "Export into a new or empty folder; nothing has been written.",
                str(folder),
            )
        )
    items = history(session, user, project_id)
    log = log_repo.involvement_log(session, user, project_id)
    for assessment in items:
        store.save_assessment(assessment)
    if log.activities:
        store.save_involvement(log)
    return Transfer(len(items), len(log.activities))
