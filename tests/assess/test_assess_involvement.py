"""Involvement log validation and representativeness on worked cases."""

import datetime as dt
import json

import pytest

from equalqi.assess import (
    InvolvementError,
    InvolvementLog,
    Population,
    activity_from_dict,
    parse_activity,
    parse_population_csv,
    representativeness,
    summarise_involvement,
    wilson_interval,
)
from equalqi.assess.involvement import (
    counts_from_options,
    groups_from_options,
    impossible_date,
    looks_personal,
)
from equalqi.disclosure.policy import Policy

ACTIVITY = """\
type = "co_design_session"
date = 2025-03-04
title = "Redesigning the reminder letter"
participants = 20
barriers = ["interpreters", "paid_travel", "timing"]

[roles]
patients = 14
carers = 2
staff = 4

[groups.core20]
"Core20" = 3
"Not Core20" = 17
"""

POPULATION = """\
dimension,group,share,priority
core20,Core20,0.30,yes
core20,Not Core20,0.70,no
"""


def log_of(*activities):
    log = InvolvementLog()
    for a in activities:
        log = log.add(a)
    return log


def test_parse_activity():
    a = parse_activity(ACTIVITY)
    assert (a.type, a.date, a.participants) == ("co_design_session", dt.date(2025, 3, 4), 20)
    assert dict(a.roles) == {"patients": 14, "carers": 2, "staff": 4}
    assert {(g.group, g.count) for g in a.groups} == {("Core20", 3), ("Not Core20", 17)}
    assert a.barriers == ("interpreters", "paid_travel", "timing")


def test_activity_round_trips_and_log_keeps_date_order():
    first = parse_activity(ACTIVITY)
    second = activity_from_dict({"type": "survey", "date": "2025-01-10", "participants": 40})
    log = log_of(first, second)
    assert [a.type for a in log.activities] == ["survey", "co_design_session"]
    again = InvolvementLog.from_dict(json.loads(json.dumps(log.to_dict())))
    assert again == log
    assert log.total_participants == 60
    assert log.barriers_addressed == ("interpreters", "paid_travel", "timing")


def test_bad_activity_names_lines():
    text = ACTIVITY.replace('"timing"]', '"free_lunch"]').replace('"Core20" = 3', '"Core20" = 30')
    with pytest.raises(InvolvementError) as err:
        parse_activity(text, source="act.toml")
    rows = {p.row for p in err.value.problems}
    assert 5 in rows  # the barriers line
    assert any("add up to 47, more than the 20" in p.message() for p in err.value.problems)
    assert any(p.value == "free_lunch" for p in err.value.problems)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"participants": -1}, "whole number"),
        ({"participants": 2.5}, "whole number"),
        ({"date": "4/3/2025"}, "not a date"),
        ({"type": "party"}, "not a recognised value"),
        ({"roles": {"doctors": 3}}, "role is not known"),
        ({"roles": {"patients": 25}}, "more than the 20"),
        ({"title": "Call Jo on 07700 900123"}, "personal details"),
        ({"title": "Email jo@example.org"}, "personal details"),
        ({"groups": {"ethnicity": {"jo.bloggs@nhs.net": 1}}}, "personal details"),
        ({"name": "Jo Bloggs"}, "unknown key 'name'"),
    ],
)
def test_activity_rules(change, expected):
    raw = {"type": "workshop", "date": "2025-03-04", "participants": 20, **change}
    with pytest.raises(InvolvementError) as err:
        activity_from_dict(raw)
    assert any(expected in p.message() for p in err.value.problems)


def test_personal_data_detector():
    assert looks_personal("ring 0161 496 0000 any time")
    assert looks_personal("NHS number 943 476 5919")
    assert not looks_personal("12 patients and 3 carers, 2 sessions in 2025")


def test_cli_style_options():
    assert groups_from_options(["core20:Core20=3", " core20 : Not Core20 = 17 "]) == {
        "core20": {"Core20": 3, "Not Core20": 17}
    }
    assert counts_from_options(["patients=12"], "role") == {"patients": 12}
    with pytest.raises(InvolvementError, match="DIMENSION:GROUP=COUNT"):
        groups_from_options(["core20=3"])


# --------------------------------------------------------------------------- representativeness


def test_worked_case_core20_half_a_fair_share():
    # Population 30% Core20; 3 of the 20 involved are Core20: share 0.15, ratio 0.15/0.30 = 0.5.
    log = log_of(parse_activity(ACTIVITY))
    result = representativeness(log, parse_population_csv(POPULATION))
    rows = result.rows.set_index("group")
    core = rows.loc["Core20"]
    assert core["involved"] == 3 and core["involved_total"] == 20
    assert core["share_involved"] == pytest.approx(0.15)
    assert core["ratio"] == pytest.approx(0.5)
    assert bool(core["flagged"]) and bool(core["priority"])
    assert not bool(core["small_numbers"])  # expected 20 x 0.3 = 6 >= 5
    other = rows.loc["Not Core20"]
    assert other["ratio"] == pytest.approx(0.85 / 0.70)
    assert not bool(other["flagged"])
    # Wilson 95% interval for 3/20 by hand: centre (6 + z^2) / (2 (20 + z^2)) = 0.2064,
    # half-width z sqrt(z^2 + 4*3*0.85) / (2 (20 + z^2)) = 0.1540 -> (0.0524, 0.3604)
    assert core["share_involved_lower"] == pytest.approx(0.0524, abs=5e-4)
    assert core["share_involved_upper"] == pytest.approx(0.3604, abs=5e-4)
    assert core["ratio_lower"] == pytest.approx(0.0524 / 0.3, abs=2e-3)
    json.dumps(result.to_dict())


@pytest.mark.parametrize(
    ("x", "n", "lower", "upper"),
    [
        # Newcombe RG. Stat Med 1998;17:857-872, Table I, method 3 (Wilson score, no CC)
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0000, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_matches_newcombe_1998(x, n, lower, upper):
    lo, hi = wilson_interval([x], [n])
    assert lo[0] == pytest.approx(lower, abs=1e-4)
    assert hi[0] == pytest.approx(upper, abs=1e-4)


def test_threshold_small_numbers_and_unrecorded_labels():
    a = activity_from_dict(
        {
            "type": "workshop",
            "date": "2025-05-01",
            "participants": 12,
            "groups": {"Ethnicity": {"Black": 1, "White": 9, "Prefer not to say": 2}},
        }
    )
    pop = Population.from_shares(
        {"ethnicity": {"Black": 0.10, "White": 0.80, "Asian": 0.10}, "core20": {"Core20": 0.3}},
        priority=["Black"],
    )
    result = representativeness(log_of(a), pop, threshold=0.9)
    rows = result.rows.set_index("group")
    # 'Prefer not to say' is left out: n = 10. Black: 1/10 = 0.1 -> ratio 1.0, not flagged;
    # expected 10 x 0.1 = 1 < 5 -> small-number caution. White: 0.9/0.8 = 1.125.
    assert rows.loc["Black", "involved_total"] == 10
    assert rows.loc["Black", "ratio"] == pytest.approx(1.0)
    assert not rows.loc["Black", "flagged"] and rows.loc["Black", "small_numbers"]
    assert rows.loc["Black", "priority"]
    # Asian: nobody involved -> ratio 0, flagged
    assert rows.loc["Asian", "involved"] == 0 and rows.loc["Asian", "ratio"] == 0.0
    assert rows.loc["Asian", "flagged"]
    assert result.not_recorded == {"Ethnicity": 2}
    assert result.unrecorded_dimensions == ("core20",)
    # dimensions and groups are matched ignoring case; population order is kept
    assert list(result.rows["group"]) == ["Black", "White", "Asian"]


def test_group_missing_from_population_is_a_loud_mismatch_not_a_row():
    # 5 of the 10 attendances are logged under a name the population does not have: a share
    # for Core20 computed without them (5 of 5 = 100%) would be false, so the dimension is
    # not compared and the mismatch is reported with the count from the log.
    a = activity_from_dict(
        {
            "type": "survey",
            "date": "2025-05-01",
            "participants": 10,
            "groups": {"core20": {"Core20": 5, "Other": 5}},
        }
    )
    pop = Population.from_shares({"core20": {"Core20": 0.5}})
    result = representativeness(log_of(a), pop)
    assert result.rows.empty
    assert [m.to_dict() for m in result.mismatches] == [
        {"dimension": "core20", "group": "Other", "involved": 5, "suggestions": []}
    ]


def test_issue_example_core20_is_reported_with_did_you_mean():
    # the issue's case: logged "core20:Core20=4", the plan's group is "Core20 - most deprived 20%"
    a = activity_from_dict(
        {"type": "workshop", "date": "2025-05-01", "participants": 4,
         "groups": {"core20": {"Core20": 4}}}
    )  # fmt: skip
    pop = Population.from_shares({"core20": {"Core20 - most deprived 20%": 0.3, "Not Core20": 0.7}})
    result = representativeness(log_of(a), pop)
    assert result.rows.empty  # never "0% of the people involved"
    (m,) = result.mismatches
    assert (m.group, m.involved, m.suggestions) == ("Core20", 4, ("Core20 - most deprived 20%",))
    summary = summarise_involvement(log_of(a), result, policy=Policy())
    assert summary.groups == () and summary.under_represented == ()
    (text,) = summary.mismatches
    assert "'Core20'" in text and "Did you mean 'Core20 - most deprived 20%'?" in text


def test_unknown_dimension_in_log_is_a_mismatch():
    a = activity_from_dict(
        {"type": "survey", "date": "2025-05-01", "participants": 12,
         "groups": {"Deprivaton": {"1 - most deprived": 12}}}
    )  # fmt: skip
    pop = Population.from_shares({"Deprivation": {"1 - most deprived": 0.2, "2": 0.8}})
    (m,) = representativeness(log_of(a), pop).mismatches
    assert (m.dimension, m.group, m.involved, m.suggestions) == (
        "Deprivaton",
        None,
        12,
        ("Deprivation",),
    )


def test_priority_group_must_be_in_the_population():
    pop = Population.from_shares({"core20": {"Core20": 0.3, "Not Core20": 0.7}})
    a = activity_from_dict(
        {"type": "survey", "date": "2025-05-01", "participants": 10,
         "groups": {"core20": {"Core20": 3, "Not Core20": 7}}}
    )  # fmt: skip
    with pytest.raises(InvolvementError) as info:
        representativeness(log_of(a), pop, priority_groups=["Core 20"])
    message = info.value.problems[0].message()
    assert "'Core 20' is not a group" in message and "Did you mean 'Core20'" in message


def test_impossible_date_is_named_as_such():
    with pytest.raises(InvolvementError) as info:
        activity_from_dict({"type": "survey", "date": "2025-02-30", "participants": 3})
    message = info.value.problems[0].message()
    assert "there is no 30 February 2025 (February 2025 has 28 days)" in message
    # 2024 is a leap year: 29 February exists, 30 does not
    assert impossible_date("2024-02-29") is None
    assert impossible_date("2024-02-30") == (
        "there is no 30 February 2024 (February 2024 has 29 days)"
    )
    assert impossible_date("2025-13-01") == "'2025-13-01' has month 13; months run from 01 to 12"
    with pytest.raises(InvolvementError) as info:
        parse_activity('type = "survey"\nparticipants = 3\ndate = 2025-02-30\n', source="a.toml")
    problem = info.value.problems[0]
    assert problem.row == 3 and "date that does not exist" in problem.message()
    assert "quotes" not in problem.message()


def test_population_csv_forms_agree():
    by_share = parse_population_csv(POPULATION).frame["share"].tolist()
    by_percent = parse_population_csv("dimension,group,percent\ncore20,Core20,30\ncore20,Not,70\n")
    by_count = parse_population_csv("dimension,group,count\ncore20,Core20,3000\ncore20,Not,7000\n")
    assert by_share == pytest.approx([0.3, 0.7])
    assert by_percent.frame["share"].tolist() == pytest.approx([0.3, 0.7])
    assert by_count.frame["share"].tolist() == pytest.approx([0.3, 0.7])


@pytest.mark.parametrize(
    ("text", "row", "expected"),
    [
        ("dimension,group,share\ncore20,Core20,0.3\ncore20,Not,abc\n", 3, "not a valid number"),
        ("dimension,group,share\ncore20,Core20,1.3\n", 2, "not a valid number"),
        ("dimension,group,share\ncore20,Core20,0.6\ncore20,Not,0.6\n", None, "more than 100%"),
        ("dimension,group,share\ncore20,Core20,0.3\ncore20,core20,0.3\n", 3, "listed twice"),
        ("dimension,share\ncore20,0.3\n", None, "'group' is missing"),
        ("dimension,group,share,percent\ncore20,A,0.3,30\n", None, "exactly one"),
        ("dimension,group,share,priority\ncore20,A,0.3,maybe\n", 2, "not yes or no"),
    ],
)
def test_population_csv_errors_name_row_and_column(text, row, expected):
    with pytest.raises(InvolvementError) as err:
        parse_population_csv(text, source="pop.csv")
    problem = next(p for p in err.value.problems if expected in p.message())
    assert problem.file == "pop.csv"
    assert problem.row == row
