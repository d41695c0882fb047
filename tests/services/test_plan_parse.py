"""The analysis plan: parsing, defaults, validation messages and round trip."""

from __future__ import annotations

import datetime as dt

import pytest

from equalqi.errors import PlanError
from equalqi.plan import parse_plan

GOOD = """
[project]
title = "SMS reminders"

[measure]
name = "DNA rate"
kind = "proportion"
numerator = "dna"
improvement = "decrease"

[data]
date = "appointment_date"
ethnicity = "ethnic_category"
imd_decile = "imd_decile"

[period]
unit = "month"

[[dimensions]]
kind = "imd_quintile"

[[dimensions]]
kind = "ethnicity"
compare = ["Asian or Asian British", "White"]

[[intersections]]
of = ["ethnicity", "imd_quintile"]

[intervention]
date = 2024-01-01
"""


def test_good_plan_parses_with_documented_defaults() -> None:
    plan = parse_plan(GOOD)
    # A proportion is shown as a percentage unless the plan says otherwise.
    assert plan.measure.multiplier == 100.0
    assert plan.measure.unit == "%"
    assert plan.measure.improvement == "decrease"
    assert [d.name for d in plan.dimensions] == ["IMD quintile", "Ethnic group"]
    assert plan.dimensions[0].ordered and not plan.dimensions[1].ordered
    assert plan.dimensions[1].compare == ("Asian or Asian British", "White")
    assert plan.intersections[0].of == ("Ethnic group", "IMD quintile")
    assert plan.intervention == dt.date(2024, 1, 1)
    assert plan.output.title == "SMS reminders"
    assert plan.output.suppress_below == 10


def test_rate_defaults_to_per_thousand() -> None:
    text = GOOD.replace('kind = "proportion"', 'kind = "rate"\ndenominator = "population"')
    plan = parse_plan(text)
    assert plan.measure.multiplier == 1000.0
    assert plan.measure.unit == "per 1,000"


def test_round_trip_through_toml() -> None:
    plan = parse_plan(GOOD)
    again = parse_plan(plan.to_toml())
    assert again == plan


def test_every_problem_is_reported_at_once_with_its_line() -> None:
    text = GOOD.replace('kind = "proportion"', 'kind = "ratio"').replace(
        'unit = "month"', 'unit = "fortnight"'
    )
    with pytest.raises(PlanError) as info:
        parse_plan(text, source="plan.toml")
    problems = info.value.problems
    assert len(problems) == 2
    kind = next(p for p in problems if "kind" in p.what)
    # 'kind = "ratio"' is on line 7 of GOOD (line 1 is the blank after the quotes).
    assert kind.row == 7
    assert kind.value == "ratio"
    assert kind.file == "plan.toml"
    assert "proportion, rate, mean" in kind.fix


def test_dimension_needing_an_unmapped_column_is_refused() -> None:
    text = GOOD.replace('imd_decile = "imd_decile"\n', "")
    with pytest.raises(PlanError, match="needs a column for imd_decile or lsoa"):
        parse_plan(text)


def test_invalid_toml_names_the_line() -> None:
    with pytest.raises(PlanError) as info:
        parse_plan('[measure]\nkind = "proportion\n', source="bad.toml")
    assert info.value.problems[0].row == 2


def test_phases_must_be_in_order() -> None:
    text = GOOD.replace(
        "[intervention]\ndate = 2024-01-01",
        '[[phases]]\nname = "Baseline"\nstart = 2023-01-01\n\n'
        '[[phases]]\nname = "B"\nstart = 2024-06-01\n\n'
        '[[phases]]\nname = "C"\nstart = 2024-01-01\n',
    )
    with pytest.raises(PlanError, match="in order"):
        parse_plan(text)


def test_compare_needs_two_different_groups() -> None:
    text = GOOD.replace('compare = ["Asian or Asian British", "White"]', 'compare = ["White"]')
    with pytest.raises(PlanError, match="two different groups"):
        parse_plan(text)
