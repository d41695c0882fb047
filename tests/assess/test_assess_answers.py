"""Answers files (TOML) and the stored form of an assessment."""

import datetime as dt
import json

import pytest

from equalqi.assess import (
    Answer,
    AnswersError,
    Assessment,
    assessment_from_dict,
    default_theory,
    new_assessment,
    normalise_answer,
    parse_answers,
)

THEORY = default_theory()
WHEN = dt.datetime(2025, 3, 4, 9, 30, tzinfo=dt.UTC)

ANSWERS = """\
stage = "planning"
project = "DNA reduction"

[answers]
values-aim-written = "yes"
values-leader-backing = { answer = "partly", note = "Sponsor asked for a paper" }

[answers.data-split-by-group]
answer = "Don't know"
evidence = ["https://intranet.example/plan.pdf"]
"""


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("yes", "yes"),
        (" YES ", "yes"),
        ("Partly", "partly"),
        ("n", "no"),
        ("don't know", "dont_know"),
        ("Don’t know", "dont_know"),  # typographic apostrophe
        ("dont_know", "dont_know"),
        ("unknown", "dont_know"),
        ("maybe", None),
        (1, None),
    ],
)
def test_normalise_answer(typed, expected):
    assert normalise_answer(typed) == expected


def test_parse_answers_file():
    parsed = parse_answers(ANSWERS, THEORY)
    assert parsed.stage == "planning" and parsed.project == "DNA reduction"
    by_id = {a.question_id: a for a in parsed.answers}
    assert by_id["values-aim-written"].value == "yes"
    assert by_id["values-leader-backing"].note == "Sponsor asked for a paper"
    assert by_id["data-split-by-group"].value == "dont_know"
    assert by_id["data-split-by-group"].evidence == ("https://intranet.example/plan.pdf",)


def test_bad_answers_name_their_lines():
    text = """\
[answers]
values-aim-writen = "yes"
values-leader-backing = "maybe"

[answers.data-split-by-group]
answer = "yes"
colour = "blue"
"""
    with pytest.raises(AnswersError) as err:
        parse_answers(text, THEORY, source="answers.toml")
    rows = {p.row: p.message() for p in err.value.problems}
    assert set(rows) == {2, 3, 7}  # counted by hand above
    assert "Did you mean 'values-aim-written'" in rows[2]
    assert "(value: 'maybe')" in rows[3]
    assert "unknown key 'colour'" in rows[7]
    assert all(m.startswith("answers.toml, line ") for m in rows.values())


def test_answers_file_needs_answers_table_and_valid_stage():
    with pytest.raises(AnswersError, match=r"no \[answers\] table"):
        parse_answers('stage = "planning"\n', THEORY)
    with pytest.raises(AnswersError) as err:
        parse_answers('stage = "later"\n[answers]\n', THEORY)
    assert err.value.problems[0].row == 1


def test_assessment_round_trips_through_json():
    parsed = parse_answers(ANSWERS, THEORY)
    a = new_assessment(THEORY, parsed.answers, stage="planning", created_at=WHEN, project="P")
    again = Assessment.from_dict(json.loads(json.dumps(a.to_dict())))
    assert again == a
    assert again.theory.fingerprint == THEORY.fingerprint
    # answers are kept in the theory's question order, whatever order they were given in
    order = [THEORY.question_ids.index(x.question_id) for x in again.answers]
    assert order == sorted(order)
    assert len(again.unanswered) == len(THEORY.question_ids) - 3


def test_stored_assessment_must_be_ours():
    with pytest.raises(AnswersError, match="not an equalqi assessment"):
        assessment_from_dict({"kind": "something else"})
    data = new_assessment(THEORY, [], stage="review", created_at=WHEN).to_dict()
    data["format_version"] = 99
    with pytest.raises(AnswersError, match="cannot read"):
        assessment_from_dict(data)


@pytest.mark.parametrize("replacement", ["delete", 42, [], {}, "", None])
def test_damaged_stored_assessment_gives_an_answers_error(replacement):
    # Property: damaging any one field of a stored assessment (outside the embedded theory,
    # which test_assess_theory covers) either still loads or raises AnswersError.
    a = new_assessment(
        THEORY,
        [Answer("values-aim-written", "yes", note="n", evidence=("e",))],
        stage="planning",
        created_at=WHEN,
    )
    base = a.to_dict()
    paths = [(k,) for k in base if k != "theory"]
    paths += [("answers", 0, k) for k in base["answers"][0]] + [("answers", 0)]
    for path in paths:
        data = json.loads(json.dumps(base))
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        if replacement == "delete":
            del parent[path[-1]]
        else:
            parent[path[-1]] = replacement
        try:
            assessment_from_dict(data)
        except AnswersError as exc:
            assert exc.problems, path
