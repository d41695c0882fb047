"""Scoring and risk profiles on worked cases computed by hand (rule in docs/programme-theory.md).

The worked theory has two areas:

* c1 "One": ``help`` (tends to reduce; questions h1, h2) and ``harm`` (tends to increase;
  x1 is a risk question: *yes* = the risky situation is present; g1 is a safeguard);
* c2 "Two": ``help2`` (tends to reduce; question h3).

Answer scores: protective yes 1 / partly 0.5 / no 0 / don't know 0; risk questions reversed
(yes 0, partly 0.5, no 1, don't know 0). Not answered = don't know.
"""

import datetime as dt
import json

import numpy as np
import pytest

from equalqi.assess import (
    Answer,
    AnswersError,
    cluster_risk,
    default_theory,
    mechanism_levels,
    new_assessment,
    parse_theory,
    score_assessment,
)

WORKED = """\
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
plain = "Help is in place."

[[clusters.statements.questions]]
id = "h1"
text = "H1?"
actions = ["Do h1."]

[[clusters.statements.questions]]
id = "h2"
text = "H2?"
actions = ["Do h2."]

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
text = "Is the risky situation present?"
polarity = "risk"
actions = ["Check x1."]

[[clusters.statements.questions]]
id = "g1"
text = "Is the safeguard in place?"
actions = ["Add g1."]

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
actions = ["Do h3."]
"""
THEORY = parse_theory(WORKED)
WHEN = dt.datetime(2025, 3, 4, 9, 30, tzinfo=dt.UTC)


def assess(stage: str = "planning", **answers: str):
    given = [Answer(q, v) for q, v in answers.items()]
    return new_assessment(THEORY, given, stage=stage, created_at=WHEN)


# Each row: answers -> expected statuses, cluster risks, cluster scores, overall, actions.
CASES = [
    pytest.param(
        {"h1": "yes", "h2": "no", "x1": "yes", "g1": "no", "h3": "yes"},
        # help: P = (1 + 0) / 2 = 0.5; harm: E = 1 - 0 = 1, S = 0, R = 1; help2: P = 1
        {"help": "partly_present", "harm": "triggered", "help2": "present"},
        {"c1": "high", "c2": "low"},
        {"c1": 0.25, "c2": 1.0},  # c1: (1 + 0 + 0 + 0) / 4
        "high",
        ["Check x1.", "Add g1.", "Do h2."],  # harm triggered (1), help partly present (3)
        id="A: risk triggered",
    ),
    pytest.param(
        {"h1": "partly", "h2": "partly", "x1": "no", "g1": "dont_know", "h3": "no"},
        # help: P = 0.5; harm: E = 1 - 1 = 0 so R = 0 whatever S; help2: P = 0 (absent)
        {"help": "partly_present", "harm": "not_triggered", "help2": "absent"},
        {"c1": "medium", "c2": "high"},
        {"c1": 0.5, "c2": 0.0},  # c1: (0.5 + 0.5 + 1 + 0) / 4
        "high",
        ["Do h3.", "Do h1.", "Do h2."],  # help2 absent (2), then help partly present (3)
        id="B: every helper absent in c2",
    ),
    pytest.param(
        {"h1": "yes", "h2": "yes", "x1": "yes", "g1": "yes", "h3": "yes"},
        # harm: E = 1, S = 1, R = 0: the risky situation is there but safeguarded
        {"help": "present", "harm": "not_triggered", "help2": "present"},
        {"c1": "low", "c2": "low"},
        {"c1": 0.75, "c2": 1.0},  # x1 = yes scores 0 on a risk question
        "low",
        [],
        id="C: safeguarded",
    ),
    pytest.param(
        {"h1": "yes", "h2": "yes", "x1": "partly", "g1": "partly", "h3": "yes"},
        # harm: E = 0.5, S = 0.5, R = 0.25 -> partly triggered
        {"help": "present", "harm": "partly_triggered", "help2": "present"},
        {"c1": "medium", "c2": "low"},
        {"c1": 0.75, "c2": 1.0},
        "medium",
        ["Check x1.", "Add g1."],
        id="D: partly triggered",
    ),
    pytest.param(
        {},
        # nothing answered = don't know everywhere: E = 1, S = 0, R = 1; P = 0
        {"help": "absent", "harm": "triggered", "help2": "absent"},
        {"c1": "high", "c2": "high"},
        {"c1": 0.0, "c2": 0.0},
        "high",
        ["Check x1.", "Add g1.", "Do h1.", "Do h2.", "Do h3."],
        id="E: nothing known",
    ),
]


@pytest.mark.parametrize(("answers", "status", "risk", "score", "overall", "actions"), CASES)
def test_worked_cases(answers, status, risk, score, overall, actions):
    profile = score_assessment(assess(**answers))
    for sid, expected in status.items():
        assert profile.mechanism(sid).status == expected, sid
    for cid, expected in risk.items():
        assert profile.cluster(cid).risk == expected, cid
        assert profile.cluster(cid).score == pytest.approx(score[cid]), cid
    assert profile.overall_risk == overall
    assert [r.action for r in profile.recommendations] == actions


def test_levels_and_reasons_case_a():
    profile = score_assessment(assess(h1="yes", h2="no", x1="yes", g1="no", h3="yes"))
    harm = profile.mechanism("harm")
    assert harm.level == 1.0 and harm.level_method == "R = E x (1 - S)"
    # why: both answers that failed to protect (x1 = yes on a risk question, g1 = no)
    assert [q.question_id for q in harm.why] == ["x1", "g1"]
    assert profile.mechanism("help").level == 0.5
    assert profile.cluster("c1").reasons == ("1 mechanism(s) that can widen gaps triggered",)
    assert profile.score == pytest.approx(2 / 5)  # (1 + 0 + 0 + 0 + 1) / 5
    frame = profile.to_frame()
    assert list(frame["risk"]) == ["high", "low"]
    assert list(frame["triggered"]) == [1, 0]


def test_dont_know_and_unanswered_count_separately_but_score_alike():
    a = score_assessment(assess(h1="dont_know"))
    b = score_assessment(assess())
    assert a.cluster("c1").score == b.cluster("c1").score == 0.0
    assert (a.cluster("c1").n_dont_know, a.cluster("c1").n_unanswered) == (1, 3)
    assert (b.cluster("c1").n_dont_know, b.cluster("c1").n_unanswered) == (0, 4)


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([("increase", "triggered"), ("reduce", "present")], "high"),
        ([("reduce", "absent"), ("reduce", "absent")], "high"),
        ([("reduce", "absent"), ("reduce", "present")], "medium"),
        ([("increase", "partly_triggered"), ("reduce", "present")], "medium"),
        ([("increase", "not_triggered"), ("reduce", "partly_present")], "medium"),
        ([("increase", "not_triggered"), ("reduce", "present")], "low"),
        ([("increase", "not_triggered")], "low"),  # no reducing statement: nothing is absent
    ],
)
def test_cluster_risk_rule(statuses, expected):
    assert cluster_risk(statuses)[0] == expected


# The digital-barriers worked table in docs/programme-theory.md (default theory): a risk
# question (relies on digital) and a safeguard (an equally good non-digital route).
DIGITAL = [
    ("yes", "no", 1.0, "triggered"),
    ("yes", "partly", 0.5, "partly_triggered"),
    ("yes", "yes", 0.0, "not_triggered"),
    ("no", "no", 0.0, "not_triggered"),
    ("dont_know", "yes", 0.0, "not_triggered"),
    ("partly", "no", 0.5, "partly_triggered"),
    ("dont_know", "dont_know", 1.0, "triggered"),
]


@pytest.mark.parametrize(("relies", "route", "risk", "status"), DIGITAL)
def test_default_theory_digital_barriers_table(relies, route, risk, status):
    t = default_theory()
    a = new_assessment(
        t,
        [Answer("design-relies-on-digital", relies), Answer("design-non-digital-route", route)],
        stage="planning",
        created_at=WHEN,
    )
    m = score_assessment(a).mechanism("design-digital-barriers")
    assert m.level == pytest.approx(risk)
    assert m.status == status
    if status == "triggered":
        assert score_assessment(a).cluster("design").risk == "high"


def test_mechanism_levels_vectorised_matches_hand_values():
    # three statements: 0 = exposure + safeguard, 1 = safeguard only, 2 = exposure only
    score = np.array([0.0, 0.5, 1.0, 0.5, 0.5])
    risk_q = np.array([True, False, False, True, True])
    statement = np.array([0, 0, 1, 2, 2])
    risk, presence = mechanism_levels(score, risk_q, statement, 3)
    # s0: E = 1 - 0 = 1, S = 0.5 -> R = 0.5; s1: E = 1 (assumed), S = 1 -> R = 0;
    # s2: E = max(0.5, 0.5) = 0.5, S = 0 (none) -> R = 0.5
    np.testing.assert_allclose(risk, [0.5, 0.0, 0.5])
    np.testing.assert_allclose(presence, [0.25, 1.0, 0.5])


def test_risk_never_falls_when_an_answer_gets_worse():
    # Property: lowering one answer's protection never lowers any mechanism's risk and
    # never raises any presence (checked over every answer combination for x1 and g1).
    values = ["yes", "partly", "no", "dont_know"]
    order = {"yes": 1.0, "partly": 0.5, "no": 0.0, "dont_know": 0.0}
    for x in values:
        for g in values:
            for g_worse in values:
                if order[g_worse] > order[g]:
                    continue
                r1 = score_assessment(assess(x1=x, g1=g)).mechanism("harm").level
                r2 = score_assessment(assess(x1=x, g1=g_worse)).mechanism("harm").level
                assert r2 >= r1


def test_answers_are_validated():
    with pytest.raises(AnswersError) as err:
        new_assessment(
            THEORY,
            [Answer("h11", "yes"), Answer("h1", "yes"), Answer("h1", "no")],
            stage="planning",
            created_at=WHEN,
        )
    text = str(err.value)
    assert "no question 'h11'" in text and "Did you mean 'h1'" in text
    assert "answered twice" in text
    with pytest.raises(AnswersError):
        new_assessment(THEORY, [], stage="later", created_at=WHEN)
    with pytest.raises(ValueError, match="timezone"):
        new_assessment(THEORY, [], stage="planning", created_at=dt.datetime(2025, 1, 1))


def test_profile_is_json_serialisable():
    profile = score_assessment(assess(h1="yes", x1="yes"))
    data = json.loads(json.dumps(profile.to_dict()))
    assert data["overall_risk"] == profile.overall_risk
    assert data["clusters"][0]["triggered"] == ["harm"]
    assert data["method"].startswith("equalqi rule v1")
