"""The action plan from planning to review: owners, dates, status, what was done, overdue."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from typer.testing import CliRunner

from equalqi.assess import AnswersError, default_theory, parse_answers
from equalqi.assess.involvement import InvolvementLog
from equalqi.assess.template import answers_template
from equalqi.cli.assess import assess_app
from equalqi.services.assessments import EquityRecord, summary_of
from equalqi.services.report.assessment_section import render_project_section

from .conftest import stored_record

THEORY = default_theory()
PLANNING = """\
stage = "planning"
[answers]
design-relies-on-digital = "yes"
design-non-digital-route = "no"

[[actions]]
risk = "design-digital-barriers"
what = "Offer a phone booking line"
owner = "Clinic manager"
due = 2025-06-30

[[actions]]
risk = "data-disaggregated"
what = "Split the DNA rate by ethnic group"
owner = "Analyst"
due = 2099-01-31
status = "in_progress"
"""
REVIEW = """\
stage = "review"
[answers]
design-relies-on-digital = "yes"
design-non-digital-route = "yes"

[[actions]]
risk = "design-digital-barriers"
what = "Offer a phone booking line"
owner = "Clinic manager"
due = 2025-06-30
status = "done"
"""


def run(*args, input=None):
    return CliRunner().invoke(assess_app, [str(a) for a in args], input=input)


def test_action_plan_from_planning_to_review(tmp_path, home):
    plan_file, review_file = tmp_path / "planning.toml", tmp_path / "review.toml"
    plan_file.write_text(PLANNING)
    review_file.write_text(REVIEW)
    project = "Phone line"
    r = run("new", "--project", project, "--stage", "planning", "--answers", plan_file)
    assert r.exit_code == 0, r.output
    assert "Action plan: 0 of 2 actions done" in r.output
    history = stored_record(home, project).history
    # on 1 July 2025 the phone line (due 30 June, planned) is overdue; the split is not
    s = summary_of(history, today=dt.date(2025, 7, 1))
    assert s is not None and s.action_plan is not None
    assert s.action_plan.headline == "0 of 2 actions done; 1 overdue."
    assert s.action_plan.overdue == (
        "Offer a phone booking line (due 30 June 2025; owner: Clinic manager)",
    )
    r = run("new", "--project", project, "--stage", "review", "--answers", review_file)
    assert r.exit_code == 0, r.output
    record = stored_record(home, project)
    history = record.history
    s = summary_of(history, today=dt.date(2025, 7, 1))
    assert s is not None and s.action_plan is not None
    plan = s.action_plan
    # the review says which planning actions were done; the one it did not mention is shown
    # with its planning status, marked as not updated
    assert plan.headline == "1 of 2 actions done."
    assert [(r.what, r.status) for r in plan.rows] == [
        ("Offer a phone booking line", "Done"),
        ("Split the DNA rate by ethnic group", "In progress (not updated at review)"),
    ]
    html = render_project_section(record)
    assert "Action plan" in html and "1 of 2 actions done." in html
    assert "Split the DNA rate by ethnic group" in html


def test_overdue_is_in_the_report():
    parsed = parse_answers(PLANNING, THEORY)
    from equalqi.assess import new_assessment

    a = new_assessment(
        THEORY, parsed.answers, stage="planning",
        created_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC), actions=parsed.actions,
    )  # fmt: skip
    # today is after 30 June 2025
    html = render_project_section(EquityRecord("P", (a,), InvolvementLog()))
    assert "Overdue actions" in html and "Overdue: planned" in html


def test_action_with_an_unknown_risk_is_refused_with_did_you_mean():
    text = PLANNING.replace('risk = "design-digital-barriers"', 'risk = "design-digital-barrier"')
    with pytest.raises(AnswersError) as info:
        parse_answers(text, THEORY, source="planning.toml")
    message = info.value.problems[0].message()
    assert "line 7" in message and "Did you mean 'design-digital-barriers'?" in message


def test_actions_round_trip_through_the_template_and_storage():
    parsed = parse_answers(PLANNING, THEORY)
    again = parse_answers(
        answers_template(THEORY, stage="planning", answers=parsed.answers, actions=parsed.actions),
        THEORY,
    )
    assert again.actions == parsed.actions and len(again.actions) == 2
    from equalqi.assess import assessment_from_dict, new_assessment

    a = new_assessment(
        THEORY, parsed.answers, stage="planning",
        created_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC), actions=parsed.actions,
    )  # fmt: skip
    assert assessment_from_dict(json.loads(json.dumps(a.to_dict()))).actions == parsed.actions
