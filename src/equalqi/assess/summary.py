"""Plain-language summaries of an assessment and of the involvement log, for reports.

Written for a patient partner as much as for a board: short sentences, everyday words, no
"mechanism", "cluster" or "CMOC" (aim: reading age about 9-11). The numbers behind each
sentence stay in the scored objects (:class:`RiskProfile`, :class:`Representativeness`);
these models carry words and a few rounded figures, and are what the report template reads
(``to_dict()``).

Small numbers: the involvement summary applies the same disclosure policy as the analysis
(:class:`equalqi.disclosure.Policy`): small counts are shown as "fewer than N"; a group's count
is also hidden when the rest of its dimension is that small (its complement would give it
away), the total is hidden when any activity's count is (it would give that one back), and
the shares and ratios built on hidden counts are hidden too.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from equalqi.disclosure.policy import Policy

from .actions import ActionPlanSummary, summarise_actions
from .answers import Assessment
from .assessment import MechanismResult, RiskProfile, score_assessment
from .compare import Comparison, compare_assessments
from .evidence import LogEvidence
from .heat import AboutSummary, summarise_about
from .involvement import ACTIVITY_TYPES, BARRIERS, InvolvementLog
from .representativeness import Mismatch, Representativeness

RISK_WORDS = {
    "high": "Higher risk",
    "medium": "Some risk",
    "low": "Lower risk",
    "not_finished": "Not finished",
}
HEADLINES = {
    "high": "This project could widen the gap between groups unless the team acts.",
    "medium": "This project has some risk of widening the gap between groups.",
    "low": "This project has a low risk of widening the gap between groups.",
}
STAGE_WORDS = {
    "planning": "when the project was planned",
    "review": "when the project was reviewed",
}
DIRECTION_WORDS = {
    "better": "better",
    "worse": "worse",
    "same": "no change",
    "added": "new question",
    "removed": "no longer asked",
}
HOW_SCORED = (
    "Each answer gets points: yes is 1, partly is a half, and no or don't know is 0. "
    "We treat 'don't know' as not in place yet, to be safe. "
    "A risk counts when the risky situation is there and nothing is in place to stop it. "
    "An area is higher risk if a risk counts, or if none of the things that help are in place. "
    "It is lower risk only when no risk counts and all the things that help are in place."
)
#: The barriers the default theory names; the summary says which were never addressed.
KEY_BARRIERS = ("interpreters", "paid_travel", "digital_access", "timing", "accessible_venue")


def date_words(when: dt.date | dt.datetime) -> str:
    """``4 March 2025``."""
    return f"{when.day} {when.strftime('%B %Y')}"


def _plain(m: MechanismResult) -> str:
    return m.plain or m.mechanism


def _because(m: MechanismResult) -> tuple[str, ...]:
    return tuple(
        f"{q.text} You said: {q.answer_words}." if q.answer else f"{q.text} Not answered yet."
        for q in m.why
    )


@dataclass(frozen=True)
class Point:
    """One sentence, with the answers that explain it and what it draws on."""

    text: str
    because: tuple[str, ...] = ()
    #: the statement's label (when the theory gives one) and its sources, in short
    cites: str | None = None


@dataclass(frozen=True)
class AreaSummary:
    """One of the theory's areas (clusters), in plain words."""

    name: str
    risk: str
    risk_words: str
    score_percent: int | None  # None while a question in the area is not answered yet
    sentence: str
    risks: tuple[Point, ...]
    in_place: tuple[Point, ...]
    not_in_place: tuple[Point, ...]
    actions: tuple[str, ...]


@dataclass(frozen=True)
class ChangeSummary:
    """What changed between the planning check and the review check."""

    headline: str
    since: str
    areas: tuple[dict[str, str], ...]
    no_longer_risks: tuple[str, ...]
    new_risks: tuple[str, ...]
    answers_better: int
    answers_worse: int
    theory_note: str | None


@dataclass(frozen=True)
class AssessmentSummary:
    """The whole assessment in plain words (what ``assessment.html.j2`` renders)."""

    project: str | None
    stage: str
    stage_words: str
    date: str
    overall_risk: str
    risk_words: str
    headline: str
    intro: str
    unknown_note: str | None
    areas: tuple[AreaSummary, ...]
    actions: tuple[str, ...]
    how_scored: str
    theory_name: str
    theory_version: str
    sources: tuple[str, ...]
    changes: ChangeSummary | None = None
    method: str = field(default="", repr=False)
    action_plan: ActionPlanSummary | None = None
    about: AboutSummary | None = None
    #: the involvement log's record next to the questions it bears on
    log_evidence: tuple[LogEvidence, ...] = ()
    n_questions: int = 0
    n_answered: int = 0
    #: "18 of 24 questions answered (75%)"; every question counts, "don't know" as an answer
    completeness: str = ""

    @property
    def complete(self) -> bool:
        return self.n_answered == self.n_questions

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "complete": self.complete}


def _fully_answered(m: MechanismResult) -> bool:
    return all(q.answer is not None for q in m.questions)


def summarise_assessment(
    profile: RiskProfile,
    comparison: Comparison | None = None,
    *,
    sources: Sequence[str] = (),
    max_actions: int = 5,
    action_plan: ActionPlanSummary | None = None,
    about: AboutSummary | None = None,
    source_names: Mapping[str, str] | None = None,
) -> AssessmentSummary:
    """Turn a scored assessment (and, optionally, its comparison with an earlier one) into
    plain words. ``sources`` are the citations to list (e.g. from the theory's sources)."""
    areas = tuple(_area(c, profile, source_names or {}) for c in profile.clusters)
    n_questions = sum(c.n_questions for c in profile.clusters)
    n_unanswered = sum(c.n_unanswered for c in profile.clusters)
    n_answered = n_questions - n_unanswered
    n_dont_know = sum(c.n_dont_know for c in profile.clusters)
    completeness = (
        f"{n_answered} of {n_questions} questions answered "
        f"({round(100 * n_answered / n_questions) if n_questions else 0}%)"
    )
    unknown_note = None
    if n_dont_know:
        unknown_note = (
            f"{n_dont_know} of {n_questions} questions were answered 'don't know'. We treat "
            "these as not in place yet. Finding out may lower the risk."
        )
    finished = {c.cluster_id for c in profile.clusters if c.n_unanswered == 0}
    complete_mechanisms = {
        m.statement_id for c in profile.clusters for m in c.mechanisms if _fully_answered(m)
    }
    actions = [
        r.action
        for r in profile.recommendations
        if r.cluster_id in finished or r.statement_id in complete_mechanisms
    ]
    if n_unanswered:
        # A blank is not a "no": until every question has an answer, no overall risk is given.
        overall, risk_words = "not_finished", RISK_WORDS["not_finished"]
        headline = (
            f"This assessment is not finished: {completeness}. An area gets a risk level "
            "once all its questions have an answer ('don't know' counts as an answer)."
        )
        actions.insert(
            0,
            f"Finish the assessment: {n_unanswered} "
            f"{'question is' if n_unanswered == 1 else 'questions are'} not answered yet.",
        )
    else:
        overall, risk_words = profile.overall_risk, RISK_WORDS[profile.overall_risk]
        headline = HEADLINES[profile.overall_risk]
    return AssessmentSummary(
        project=profile.project,
        stage=profile.stage,
        stage_words=STAGE_WORDS.get(profile.stage, profile.stage),
        date=date_words(profile.created_at),
        overall_risk=overall,
        risk_words=risk_words,
        headline=headline,
        intro=(
            f"The assessment has {n_questions} questions about the project; {completeness}. "
            "The questions ask whether the project is set up to be fair to everyone it serves. "
            f"They come in {len(areas)} areas."
        ),
        unknown_note=unknown_note,
        areas=areas,
        actions=tuple(actions[:max_actions]),
        how_scored=HOW_SCORED,
        theory_name=str(profile.theory.get("name", "")),
        theory_version=str(profile.theory.get("theory_version", "")),
        sources=tuple(sources),
        changes=summarise_changes(comparison) if comparison is not None else None,
        method=profile.method,
        action_plan=action_plan,
        about=about,
        n_questions=n_questions,
        n_answered=n_answered,
        completeness=completeness,
    )


def summarise(
    assessment: Assessment,
    earlier: Assessment | None = None,
    *,
    max_actions: int = 5,
    today: dt.date | None = None,
) -> AssessmentSummary:
    """Score ``assessment``, compare it with ``earlier`` if given, and summarise in plain
    words, listing the theory's sources. The action plan is the assessment's own; at a review
    it is shown against the earlier (planning) plan, so the review says which were done.
    ``today`` marks overdue actions."""
    planned = earlier.actions if earlier is not None and assessment.stage == "review" else None
    return summarise_assessment(
        score_assessment(assessment),
        compare_assessments(earlier, assessment) if earlier is not None else None,
        sources=[s.citation for s in assessment.theory.sources],
        source_names={s.id: short_citation(s.citation) for s in assessment.theory.sources},
        max_actions=max_actions,
        action_plan=summarise_actions(
            assessment.actions, assessment.theory, planned=planned, today=today
        ),
        about=summarise_about(assessment.about),
    )


def short_citation(citation: str) -> str:
    """ "Johnson LL, Wong G ... 2025;34..." -> "Johnson et al. 2025"; otherwise the text up to
    its first full stop ("NHS England")."""
    m = re.match(r"([A-Z][A-Za-z'\-]+) [A-Z]{1,3}(,|\.)", citation)
    year = re.search(r"\b(19|20)\d{2}\b", citation)
    if m and year:
        many = citation.count(",") > 1 or "et al" in citation
        return f"{m.group(1)}{' et al.' if many else ''} {year.group(0)}"
    return citation.split(".")[0].strip()


def _cites(m: MechanismResult, names: Mapping[str, str]) -> str | None:
    parts = [m.label] if m.label else []
    parts += [names.get(s, s) for s in m.sources]
    return "; ".join(parts) or None


def _area(cluster: Any, profile: RiskProfile, names: Mapping[str, str]) -> AreaSummary:
    # In an area not yet finished, only mechanisms whose questions all have an answer are
    # judged: a blank never makes a risk.
    judged = [m for m in cluster.mechanisms if _fully_answered(m)]
    risks = tuple(
        Point(_plain(m), _because(m), _cites(m, names))
        for m in judged
        if m.status in ("triggered", "partly_triggered")
    )
    in_place = tuple(
        Point(_plain(m), (), _cites(m, names)) for m in judged if m.status == "present"
    )
    not_in_place = tuple(
        Point(
            _plain(m).rstrip(".") + " (only partly in place)."
            if m.status == "partly_present"
            else _plain(m),
            _because(m),
            _cites(m, names),
        )
        for m in judged
        if m.status in ("absent", "partly_present")
    )
    finished = cluster.n_unanswered == 0
    if not finished:
        answered = cluster.n_questions - cluster.n_unanswered
        sentence = (
            f"Not finished: {answered} of {cluster.n_questions} questions answered. Answer "
            "the rest to see this area's risk."
        )
    elif cluster.risk == "high":
        sentence = "Higher risk. Act on this area first."
    elif cluster.risk == "medium":
        sentence = "Some risk. There is more to do in this area."
    else:
        sentence = "Lower risk. The things that help are in place."
    judged_ids = {m.statement_id for m in judged}
    actions = tuple(
        r.action
        for r in profile.recommendations
        if r.cluster_id == cluster.cluster_id and (finished or r.statement_id in judged_ids)
    )[:3]
    risk = cluster.risk if finished else "not_finished"
    return AreaSummary(
        name=cluster.name,
        risk=risk,
        risk_words=RISK_WORDS[risk],
        score_percent=round(100 * cluster.score) if finished else None,
        sentence=sentence,
        risks=risks,
        in_place=in_place,
        not_in_place=not_in_place,
        actions=actions,
    )


def summarise_changes(comparison: Comparison) -> ChangeSummary:
    """Plain words for a planning-versus-review comparison."""
    before, after = comparison.before, comparison.after
    b_words, a_words = (
        RISK_WORDS[before.overall_risk].lower(),
        RISK_WORDS[after.overall_risk].lower(),
    )
    if comparison.overall == "better":
        headline = "Things have got better since the last check."
    elif comparison.overall == "worse":
        headline = "Things have got worse since the last check."
    else:
        headline = "Things are about the same as at the last check."
    if before.overall_risk != after.overall_risk:
        headline += f" Overall it was {b_words} and is now {a_words}."
    else:
        headline += f" Overall it is still {a_words}."
    areas = tuple(
        {
            "name": c.name,
            "before": RISK_WORDS[c.risk_before] if c.risk_before else "not asked",
            "after": RISK_WORDS[c.risk_after] if c.risk_after else "not asked",
            "change": DIRECTION_WORDS[c.direction],
        }
        for c in comparison.clusters
    )
    better = sum(a.direction == "better" for a in comparison.answers)
    worse = sum(a.direction == "worse" for a in comparison.answers)
    note = None
    if not comparison.same_theory:
        note = (
            "The questions changed between the two checks. We compared only the questions "
            "asked both times."
        )
    return ChangeSummary(
        headline=headline,
        since=f"The last check was on {date_words(before.created_at)}.",
        areas=areas,
        no_longer_risks=tuple(m.plain or m.statement_id for m in comparison.resolved),
        new_risks=tuple(m.plain or m.statement_id for m in comparison.new_risks),
        answers_better=better,
        answers_worse=worse,
        theory_note=note,
    )


# --------------------------------------------------------------------------- involvement


@dataclass(frozen=True)
class ActivityRow:
    date: str
    activity: str
    title: str | None
    people: str
    barriers: tuple[str, ...]


@dataclass(frozen=True)
class GroupRow:
    dimension: str
    group: str
    involved: str
    share_involved: str
    share_population: str
    ratio: str
    status: str
    flagged: bool
    priority: bool
    caution: str | None


@dataclass(frozen=True)
class InvolvementSummary:
    """The involvement log and its representativeness in plain words."""

    headline: str
    activities: tuple[ActivityRow, ...]
    barriers_addressed: tuple[str, ...]
    barriers_not_addressed: tuple[str, ...]
    groups: tuple[GroupRow, ...]
    under_represented: tuple[str, ...]
    notes: tuple[str, ...]
    threshold: float | None
    method: str | None
    #: names in the log that the plan does not have, each in a sentence; shown first and loudly
    mismatches: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def mismatch_text(m: Mismatch, policy: Policy) -> str:
    """One loud sentence for a log name that matches nothing the plan has."""
    times = policy.count_text(m.involved)
    times += " time" if times == "1" else " times"
    hint = (
        " Did you mean " + " or ".join(f"'{s}'" for s in m.suggestions) + "?"
        if m.suggestions
        else ""
    )
    if m.group is None:
        return (
            f"The log records people taking part {times} under '{m.dimension}', which is not a "
            f"dimension in the plan, so they are not compared with the population.{hint} "
            "Correct the log so the names match."
        )
    return (
        f"The log records people taking part {times} as '{m.group}' under '{m.dimension}', "
        f"which is not a group in the plan. '{m.dimension}' is therefore not compared with the "
        f"population: a share without them would be wrong.{hint} Correct the log so the names "
        "match."
    )


def _percent(x: float) -> str:
    return "-" if x is None or math.isnan(x) else f"{100 * x:.0f}%"


def summarise_involvement(
    log: InvolvementLog,
    result: Representativeness | None = None,
    *,
    policy: Policy | None = None,
) -> InvolvementSummary:
    """Plain words for the involvement log and (optionally) its representativeness."""
    policy = policy or Policy()
    n = len(log.activities)
    total = log.total_participants
    if n == 0:
        headline = "No involvement activities have been recorded yet."
    elif any(policy.is_small(a.participants) for a in log.activities):
        headline = (
            f"The team has recorded {n} {'activity' if n == 1 else 'activities'}. "
            "The total number of times people took part is not shown, so that the small "
            "numbers below cannot be worked out from it."
        )
    else:
        headline = (
            f"The team has recorded {n} {'activity' if n == 1 else 'activities'}. "
            f"People took part {policy.count_text(total)} "
            f"{'time' if total == 1 else 'times'} in total."
        )
    activities = tuple(
        ActivityRow(
            date=date_words(a.date),
            activity=ACTIVITY_TYPES.get(a.type, a.type),
            title=a.title,
            people=policy.count_text(a.participants),
            barriers=tuple(BARRIERS[b] for b in a.barriers),
        )
        for a in log.activities
    )
    addressed = log.barriers_addressed
    not_addressed = tuple(BARRIERS[b] for b in KEY_BARRIERS if b not in addressed)
    notes = [
        "Counts are the number of times people took part, not the number of different people.",
        "We record numbers only, never names or contact details.",
    ]
    if policy.hides_anything:
        notes.append(
            f"To protect privacy, numbers from 1 to {policy.smallest_shown - 1} are shown as "
            f"'fewer than {policy.smallest_shown}'. Figures that would let someone work them "
            "out are hidden."
            + (
                f" Other numbers are rounded to the nearest {policy.round_to}."
                if policy.rule == "round"
                else ""
            )
        )
    groups: list[GroupRow] = []
    under: list[str] = []
    if result is not None:
        for r in result.rows.itertuples(index=False):
            rest = int(r.involved_total) - int(r.involved)
            hidden = policy.is_small(int(r.involved)) or policy.is_small(rest)
            flagged = bool(r.flagged)
            if math.isnan(r.population_share):
                status = "No population figure"
            elif flagged:
                status = "Fewer than expected"
            else:
                status = "As expected or more"
            caution = None
            if bool(r.small_numbers) and not math.isnan(r.population_share):
                caution = "Small numbers: treat with care."
            groups.append(
                GroupRow(
                    dimension=str(r.dimension),
                    group=str(r.group),
                    involved=(
                        policy.count_text(int(r.involved))
                        if not hidden or policy.is_small(int(r.involved))
                        else "hidden"
                    ),
                    share_involved="hidden" if hidden else _percent(r.share_involved),
                    share_population=_percent(r.population_share),
                    ratio="hidden" if hidden or math.isnan(r.ratio) else f"{r.ratio:.2f}",
                    status=status,
                    flagged=flagged,
                    priority=bool(r.priority),
                    caution=caution,
                )
            )
            if flagged:
                who = str(r.group)
                if str(r.dimension).casefold() != str(r.group).casefold():
                    who += f" ({r.dimension})"
                who += ", a priority group," if r.priority else ""
                under.append(
                    f"{who} took part less than their share of the population. "
                    + (
                        f"They were {_percent(r.share_involved)} of the people involved but "
                        f"{_percent(r.population_share)} of the population."
                        if not hidden
                        else f"They are {_percent(r.population_share)} of the population."
                    )
                )
        if result.unrecorded_dimensions:
            notes.append(
                "Not recorded for the people involved: "
                + ", ".join(result.unrecorded_dimensions)
                + "."
            )
        notes.append(
            f"A group is marked 'fewer than expected' when its share of the people involved is "
            f"less than {result.threshold:.0%} of its share of the population."
        )
    return InvolvementSummary(
        headline=headline,
        activities=activities,
        barriers_addressed=tuple(BARRIERS[b] for b in addressed),
        barriers_not_addressed=not_addressed,
        groups=tuple(groups),
        under_represented=tuple(under),
        notes=tuple(notes),
        threshold=result.threshold if result is not None else None,
        method=result.method if result is not None else None,
        mismatches=tuple(mismatch_text(m, policy) for m in result.mismatches)
        if result is not None
        else (),
    )
