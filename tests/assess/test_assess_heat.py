"""HEAT-style written sections, groups considered and sign-off: read, stored, reported."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from equalqi.assess import (
    AnswersError,
    assessment_from_dict,
    default_theory,
    new_assessment,
    parse_answers,
)
from equalqi.services.report.assessment_section import render_project_section

from .conftest import store_record

THEORY = default_theory()
TEXT = """\
stage = "planning"
[about]
who_is_affected = "Adults booked into the clinic, about 9,000 a year"
baseline_inequality = "DNA rate 14% in the most deprived fifth, 7% in the least"
unintended_consequences = "People without a mobile phone may miss the reminder"
protected_characteristics = ["race", "age", "disability"]
inclusion_health = ["homelessness"]

[sign_off]
name = "A. Lead"
role = "Clinical lead"
date = 2025-03-04

[answers]
values-aim-written = "yes"
"""


def test_sections_are_read_stored_and_reported(home):
    parsed = parse_answers(TEXT, THEORY, source="a.toml")
    about = parsed.about
    # kept in the Act's order (s.4), whatever order they were written in
    assert about.protected_characteristics == ("age", "disability", "race")
    assert about.sign_off is not None and about.sign_off.date == dt.date(2025, 3, 4)
    a = new_assessment(
        THEORY, parsed.answers, stage="planning",
        created_at=dt.datetime(2025, 3, 4, tzinfo=dt.UTC), about=about,
    )  # fmt: skip
    assert assessment_from_dict(json.loads(json.dumps(a.to_dict()))).about == about
    record = store_record(home, "P", [a])
    assert record.history == (a,)  # the registry gives back what was stored
    html = render_project_section(record)
    assert "DNA rate 14% in the most deprived fifth, 7% in the least" in html
    assert "Age, Disability, Race" in html
    # the six characteristics not recorded as considered are named, so a gap is visible
    assert (
        "Not recorded as considered: Gender reassignment, Marriage and civil partnership, "
        "Pregnancy and maternity, Religion or belief, Sex, Sexual orientation." in html
    )
    assert "People experiencing homelessness" in html
    assert "Signed off by A. Lead (Clinical lead) on 4 March 2025." in html


def test_missing_sections_say_so(home):
    a = new_assessment(
        THEORY, [], stage="planning", created_at=dt.datetime(2025, 3, 4, tzinfo=dt.UTC)
    )
    html = render_project_section(store_record(home, "P", [a]))
    assert html.count("Not written yet.") == 3 and "Not signed off yet." in html


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ('"homelessness"]', "'homeless' is not one of the inclusion health"),
        ("date = 2025-03-04", "sign_off: 'date' is missing or not a date"),
        ('who_is_affected = "Adults', "looks like it contains personal details"),
    ],
)
def test_bad_sections_are_refused_naming_the_line(change, expected):
    bad = {
        '"homelessness"]': TEXT.replace('"homelessness"]', '"homeless"]'),
        "date = 2025-03-04": TEXT.replace("date = 2025-03-04", 'date = "soon"'),
        'who_is_affected = "Adults': TEXT.replace(
            'who_is_affected = "Adults', 'who_is_affected = "Call 07700 900123; adults'
        ),
    }[change]
    with pytest.raises(AnswersError) as info:
        parse_answers(bad, THEORY, source="a.toml")
    assert expected in info.value.problems[0].message()
    assert "a.toml, line" in info.value.problems[0].message()


def test_sections_round_trip_through_a_draft():
    from equalqi.assess.template import answers_template

    about = parse_answers(TEXT, THEORY, source="a.toml").about
    tricky = dataclasses.replace(about, who_is_affected='Adults "booked" — café\nnew line')
    again = parse_answers(answers_template(THEORY, stage="planning", about=tricky), THEORY)
    assert again.about == tricky
