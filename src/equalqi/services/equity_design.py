"""Equity by design in the analysis report: the project's assessment and involvement log.

The people involved in co-production are compared with the population the project actually
serves, taken from the analysed records themselves (each dimension's share of records), so
nobody has to type population figures in. Involvement groups must use the plan's dimension
and group names (e.g. "Deprivation (IMD quintile)" / "1 - most deprived").
"""

from __future__ import annotations

import datetime as dt
from importlib import resources

from sqlalchemy.orm import Session

from equalqi.assess import default_theory, new_assessment, parse_activity, parse_answers
from equalqi.assess.representativeness import Population
from equalqi.errors import InputError, Problem
from equalqi.registry.involvement import add_activity
from equalqi.registry.models import User
from equalqi.services.analysis.labels import CORE20, NOT_KNOWN
from equalqi.services.analysis.measure_table import OVERALL
from equalqi.services.analysis.pipeline import AnalysisResult
from equalqi.services.assessments import EquityRecord, history, store_assessment
from equalqi.services.disclosure import require_disclosed
from equalqi.services.report.assessment_section import render_project_section

#: Groups flagged as priority (Core20 and the most deprived fifth/tenth) when comparing.
PRIORITY_GROUPS = (CORE20, "1 - most deprived")


def served_population(result: AnalysisResult) -> Population:
    """Each dimension's share of the analysed records, 'Not known' left out (from the
    disclosed measure table: only rows that are shown count)."""
    require_disclosed(result)
    m = result.measures
    m = m[(m["dimension"] != OVERALL) & (m["group"] != NOT_KNOWN)]
    counts = m.groupby(["dimension", "group"], sort=False)["n_records"].sum()
    shares: dict[str, dict[str, float]] = {}
    for (dimension, group), n in counts.items():
        shares.setdefault(str(dimension), {})[str(group)] = float(n)
    for groups in shares.values():
        total = sum(groups.values())
        for g in groups:
            groups[g] = groups[g] / total if total else 0.0
    return Population.from_shares(shares, priority=PRIORITY_GROUPS)


def equity_section(result: AnalysisResult, record: EquityRecord) -> str:
    """The report's equity-by-design section for a project's stored record.

    A project with neither an assessment nor a log is an error (a mistyped ``--project`` must
    not quietly leave the section out).
    """
    if record.empty:
        raise InputError(
            Problem(
                f"the project '{record.project}' has no equity assessment and no involvement log",
                "Check --project, or start one with: equalqi assess new --project NAME "
                "--stage planning (or equalqi assess involvement add).",
            )
        )
    return render_project_section(
        record,
        population=served_population(result),
        policy=require_disclosed(result).policy,
    )


def _demo_text(name: str) -> str:
    return (
        resources.files("equalqi.services")
        .joinpath(f"demo_plans/{name}")
        .read_text(encoding="utf-8")
    )


def seed_demo_project(
    session: Session, user: User, project_id: int, scenario: str = "dna_sms"
) -> bool:
    """Give a registry project the demo's planning and review assessments and one workshop.

    Only scenarios that ship equity content get it; returns whether the project has it.
    A project that already holds assessments is left alone.
    """
    try:
        planning = _demo_text(f"{scenario}_planning.toml")
        review = _demo_text(f"{scenario}_review.toml")
        activity = _demo_text(f"{scenario}_involvement.toml")
    except FileNotFoundError:
        return False
    if history(session, user, project_id):
        return True
    theory = default_theory()
    when = dt.datetime(2023, 11, 1, 10, 0, tzinfo=dt.UTC)
    for stage, text, at in (
        ("planning", planning, when),
        ("review", review, when + dt.timedelta(days=400)),
    ):
        answers = parse_answers(text, theory, source=f"{scenario}_{stage}.toml")
        store_assessment(
            session,
            user,
            project_id,
            new_assessment(
                theory, answers.answers, stage=stage, created_at=at, project=answers.project
            ),
        )
    add_activity(session, user, project_id, parse_activity(activity).to_dict())
    return True
