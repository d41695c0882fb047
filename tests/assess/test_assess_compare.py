"""Planning versus review, on the worked cases (hand-computed statuses in the comments)."""

import datetime as dt
import json

from equalqi.assess import Answer, compare_assessments, new_assessment, parse_theory

THEORY_TEXT = """\
schema_version = 1
theory_version = "w1"
id = "worked"
name = "Worked example"

[[sources]]
id = "src"
citation = "A source."

[[clusters]]
id = "c1"
name = "One"

[[clusters.statements]]
id = "help"
tends_to = "reduce"
sources = ["src"]
context = "c"
mechanism = "m"
outcome = "o"
[[clusters.statements.questions]]
id = "h1"
text = "H1?"
[[clusters.statements.questions]]
id = "h2"
text = "H2?"

[[clusters.statements]]
id = "harm"
tends_to = "increase"
sources = ["src"]
context = "c"
mechanism = "m"
outcome = "o"
plain = "Harm can happen."
[[clusters.statements.questions]]
id = "x1"
text = "Risky?"
polarity = "risk"
[[clusters.statements.questions]]
id = "g1"
text = "Safeguard?"

[[clusters]]
id = "c2"
name = "Two"
[[clusters.statements]]
id = "help2"
tends_to = "reduce"
sources = ["src"]
context = "c"
mechanism = "m"
outcome = "o"
[[clusters.statements.questions]]
id = "h3"
text = "H3?"
"""
THEORY = parse_theory(THEORY_TEXT)
PLAN_DAY = dt.datetime(2025, 1, 6, tzinfo=dt.UTC)
REVIEW_DAY = dt.datetime(2025, 7, 7, tzinfo=dt.UTC)

# planning: help partly (P = 0.5), harm triggered (E = 1, S = 0), help2 present -> c1 high
PLANNING = {"h1": "yes", "h2": "no", "x1": "yes", "g1": "no", "h3": "yes"}
# review: help present, harm not triggered (x1 no -> E = 0), help2 present -> all low
REVIEW = {"h1": "yes", "h2": "yes", "x1": "no", "g1": "yes", "h3": "yes"}


def make(answers, stage, when, theory=THEORY):
    return new_assessment(
        theory, [Answer(q, v) for q, v in answers.items()], stage=stage, created_at=when
    )


def test_planning_to_review_improves():
    c = compare_assessments(
        make(PLANNING, "planning", PLAN_DAY), make(REVIEW, "review", REVIEW_DAY)
    )
    assert c.same_theory
    assert c.overall == "better"  # high -> low
    clusters = {x.cluster_id: x for x in c.clusters}
    assert (clusters["c1"].risk_before, clusters["c1"].risk_after) == ("high", "low")
    assert clusters["c1"].direction == "better"
    assert clusters["c2"].direction == "same"  # low -> low, score 1 -> 1
    assert [m.statement_id for m in c.resolved] == ["harm"]
    assert c.new_risks == ()
    answers = {a.question_id: a.direction for a in c.answers}
    # h2 no -> yes, x1 yes -> no (risk question), g1 no -> yes; h1 and h3 unchanged
    assert answers == {"h1": "same", "h2": "better", "x1": "better", "g1": "better", "h3": "same"}
    mech = {m.statement_id: m for m in c.mechanisms}
    assert (mech["harm"].level_before, mech["harm"].level_after) == (1.0, 0.0)
    assert mech["help"].direction == "better"  # P 0.5 -> 1


def test_review_to_planning_is_the_mirror_image():
    c = compare_assessments(
        make(REVIEW, "review", PLAN_DAY), make(PLANNING, "planning", REVIEW_DAY)
    )
    assert c.overall == "worse"
    assert [m.statement_id for m in c.new_risks] == ["harm"]
    assert c.resolved == ()
    assert sum(a.direction == "worse" for a in c.answers) == 3


def test_same_answers_are_the_same():
    c = compare_assessments(
        make(PLANNING, "planning", PLAN_DAY), make(PLANNING, "review", REVIEW_DAY)
    )
    assert c.overall == "same"
    assert {a.direction for a in c.answers} == {"same"}
    assert {x.direction for x in c.clusters} == {"same"}


def test_changed_theory_reports_added_questions_and_not_same_theory():
    text = THEORY_TEXT + '[[clusters.statements.questions]]\nid = "h4"\ntext = "H4?"\n'
    newer = parse_theory(text.replace('theory_version = "w1"', 'theory_version = "w2"'))
    c = compare_assessments(
        make(PLANNING, "planning", PLAN_DAY), make(REVIEW, "review", REVIEW_DAY, newer)
    )
    assert not c.same_theory
    added = [a for a in c.answers if a.direction == "added"]
    assert [a.question_id for a in added] == ["h4"]
    assert added[0].before is None and added[0].after == "unanswered"
    data = json.loads(json.dumps(c.to_dict()))
    assert data["resolved"] == ["harm"] and data["same_theory"] is False
    assert list(c.to_frame()["cluster_id"]) == ["c1", "c2"]
