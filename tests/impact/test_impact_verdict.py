"""Verdicts on simulated projects with a planted truth, and the rules behind them.

The simulated measure tables (see ``conftest.py``) plant a step change in each group at the
intervention; with 2,000 people a month per group and a 5-point difference between the
groups' steps the truth is far beyond the noise, so every seed must give the planted verdict.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from equalqi.impact import OUTCOMES, ImpactResult, evaluate_gap
from equalqi.impact.verdict import fmt, judge_change, judge_gap

DIM, D, A = "IMD quintile", "1 - most deprived", "5 - least deprived"
SEEDS = (1, 2, 3)
QUIET = {"n": 2000.0, "noise": 0.005}

# name: (steps D, A, middle; improvement; expected overall, gap change, outcome)
SCENARIOS = {
    "digital reminder widens": (
        (-0.01, -0.06, -0.03),
        "decrease",
        "improved",
        "widened",
        "gap widened",
    ),
    "targeted outreach narrows": (
        (-0.06, -0.01, -0.03),
        "decrease",
        "improved",
        "narrowed",
        "gap narrowed",
    ),
    "everyone improves equally": (
        (-0.04, -0.04, -0.04),
        "decrease",
        "improved",
        "held",
        "all improved, gap held",
    ),
    "nothing happens": ((0.0, 0.0, 0.0), "decrease", "no evidence", "no evidence", "no evidence"),
    "levelling down": ((0.0, 0.05, 0.02), "decrease", "worsened", "narrowed", "gap narrowed"),
}


def _run(planted, improvement: str = "decrease", **kw: object) -> ImpactResult:
    return evaluate_gap(
        planted.table,
        dimension=DIM,
        groups=(D, A),
        intervention=planted.intervention.date(),
        improvement=improvement,
        **kw,
    )


@pytest.mark.parametrize("name", list(SCENARIOS))
@pytest.mark.parametrize("seed", SEEDS)
def test_planted_verdicts(name: str, seed: int, simulate_table: Callable) -> None:
    steps, improvement, overall, gap, outcome = SCENARIOS[name]
    planted = simulate_table(np.random.default_rng(seed), step=steps, **QUIET)
    res = _run(planted, improvement)
    assert (res.overall, res.gap_change, res.outcome) == (overall, gap, outcome)
    assert res.outcome in OUTCOMES
    # the planted change in the gap (in points) lies inside the reported interval
    row = res.gap
    assert row["lower"] <= 100 * planted.gap_change <= row["upper"]


def test_levelling_down_is_called_out(simulate_table: Callable) -> None:
    planted = simulate_table(np.random.default_rng(5), step=(0.0, 0.05, 0.02), **QUIET)
    res = _run(planted)
    assert any("levelling down" in w for w in res.warnings)


def test_increase_is_better_widening(simulate_table: Callable) -> None:
    # screening uptake: higher is better; D 55% -> 57%, A 75% -> 83%: gap -20 -> -26 points
    planted = simulate_table(
        np.random.default_rng(7), base=(0.55, 0.75, 0.65), step=(0.02, 0.08, 0.05), **QUIET
    )
    res = _run(planted, "increase")
    assert (res.overall, res.gap_change, res.outcome) == ("improved", "widened", "gap widened")
    assert res.gap["change"] < 0  # the gap moved away from zero, against the D group
    assert res.inverse_equity.flag


def test_relative_scale_uses_odds_ratios(simulate_table: Callable) -> None:
    planted = simulate_table(np.random.default_rng(8), step=(-0.01, -0.06, -0.03), **QUIET)
    res = _run(planted, scale="relative")
    assert res.gap_change == "widened"
    gap = res.gap
    # odds ratio before = odds(D) / odds(A) from the pooled proportions
    t = planted.table
    before = t[t["period"] < planted.intervention]

    def odds(group: str) -> float:
        g = before[before["group"] == group]
        p = g["numerator"].sum() / g["denominator"].sum()
        return p / (1 - p)

    assert gap["before"] == pytest.approx(odds(D) / odds(A), rel=1e-8)
    assert gap["change"] > 1  # the odds ratio grew: widened for a 'decrease' measure
    assert "odds ratio" in res.verdict


def test_inverse_equity_late_catch_up(simulate_table: Callable) -> None:
    # A improves by 5 points at once; D improves gradually (ramp) and reaches A's gain only
    # at the end of the second year: the advantaged group improved first.
    planted = simulate_table(
        np.random.default_rng(9), step=(0.0, -0.05, -0.03), ramp=(-0.05 / 23, 0.0, 0.0), **QUIET
    )
    res = _run(planted)
    assert res.inverse_equity.flag
    assert "first half" in res.inverse_equity.reason
    assert bool(res.inverse_equity) is True


def test_no_inverse_equity_when_the_disadvantaged_improve_first(
    simulate_table: Callable,
) -> None:
    planted = simulate_table(np.random.default_rng(10), step=(-0.06, -0.01, -0.03), **QUIET)
    res = _run(planted)
    assert not res.inverse_equity.flag


def test_control_series_removes_a_shared_change(simulate_table: Callable) -> None:
    # The same widening happens in the control population: relative to the control, the
    # project changed nothing.
    steps = (-0.01, -0.06, -0.03)
    project = simulate_table(np.random.default_rng(11), step=steps, **QUIET)
    control = simulate_table(np.random.default_rng(12), step=steps, **QUIET)
    res = _run(project, control=control.table)
    assert res.gap_change == "no evidence"
    assert "relative to the control" in res.verdict
    units = set(res.before_after["unit"])
    assert units == {"project", "control", "project minus control"}
    # without the control the same project looks like a widening
    assert _run(project).gap_change == "widened"


def test_verdict_sentence_matches_the_table(simulate_table: Callable) -> None:
    planted = simulate_table(np.random.default_rng(13), step=(-0.01, -0.06, -0.03), **QUIET)
    res = _run(planted, name="DNA rate")
    ba = res.before_after.set_index("role")
    o, g = ba.loc["overall"], ba.loc["gap"]
    pattern = (
        r"^The overall DNA rate fell from (\S+)% to (\S+)% \(change (\S+) points, 95% CI (\S+) "
        r"to (\S+)\), but the gap between 1 - most deprived and 5 - least deprived widened "
        r"from (\S+) to (\S+) points \((\S+), 95% CI (\S+) to (\S+)\)\.$"
    )
    m = re.match(pattern, res.verdict)
    assert m, res.verdict

    def num(text: str) -> float:
        return float(text.replace("\u2212", "-").replace("+", ""))

    values = [num(x) for x in m.groups()]
    expected = [
        o["before"],
        o["after"],
        o["change"],
        o["lower"],
        o["upper"],
        g["before"],
        g["after"],
        g["change"],
        g["lower"],
        g["upper"],
    ]
    assert values == pytest.approx(expected, abs=0.051)  # one decimal place, as printed
    assert m.group(8).startswith("+")


def test_held_sentence_says_both_improved(simulate_table: Callable) -> None:
    planted = simulate_table(np.random.default_rng(14), step=(-0.04, -0.04, -0.04), **QUIET)
    res = _run(planted)
    assert "held" in res.verdict and "both groups improved" in res.verdict


def test_result_round_trips_to_dict_and_frame(simulate_table: Callable) -> None:
    planted = simulate_table(np.random.default_rng(15), n_pre=12, n_post=12)
    res = _run(planted)
    d = res.to_dict()
    assert d["verdict"] == res.verdict and d["outcome"] == res.outcome
    assert len(d["before_after"]) == len(res.before_after)
    assert all(
        v is None or isinstance(v, str | int | float | bool)
        for row in d["its"]
        for v in row.values()
    )
    frame = res.to_frame()
    assert set(frame["section"]) == {"before/after", "interrupted time series"}
    assert isinstance(res.its, pd.DataFrame) and not res.its.empty


# ----------------------------------------------------------------- the rules, by hand


@pytest.mark.parametrize(
    ("lower", "upper", "improvement", "expected"),
    [
        (-3.4, -2.8, "decrease", "improved"),  # wholly below 0, lower is better
        (-3.4, -2.8, "increase", "worsened"),
        (1.2, 2.6, "decrease", "worsened"),
        (1.2, 2.6, "increase", "improved"),
        (-0.5, 0.7, "decrease", "no evidence"),  # includes 0
        (0.0, 0.7, "increase", "no evidence"),  # touching 0 is not "wholly above"
        (float("nan"), 1.0, "increase", "no evidence"),
    ],
)
def test_judge_change(lower: float, upper: float, improvement: str, expected: str) -> None:
    assert judge_change(lower, upper, improvement, 0.0) == expected


@pytest.mark.parametrize(
    ("lower", "upper", "null", "improvement", "both", "expected"),
    [
        (1.2, 2.6, 0.0, "decrease", False, "widened"),  # D's rate rose relative to A's
        (-2.6, -1.2, 0.0, "decrease", True, "narrowed"),
        (-2.6, -1.2, 0.0, "increase", False, "widened"),  # D's uptake fell relative to A's
        (1.2, 2.6, 0.0, "increase", False, "narrowed"),
        (-0.9, 0.7, 0.0, "decrease", True, "held"),  # no detectable change, both improved
        (-0.9, 0.7, 0.0, "decrease", False, "no evidence"),
        (0.95, 1.10, 1.0, "decrease", True, "held"),  # relative scale: no change is 1
        (1.05, 1.30, 1.0, "decrease", True, "widened"),  # odds ratio grew
    ],
)
def test_judge_gap(
    lower: float, upper: float, null: float, improvement: str, both: bool, expected: str
) -> None:
    assert judge_gap(lower, upper, improvement, null, both_improved=both) == expected


@pytest.mark.parametrize(
    ("x", "decimals", "sign", "text"),
    [
        (-3.14159, 1, False, "\u22123.1"),
        (1.94, 1, True, "+1.9"),
        (0.04, 1, True, "0.0"),
        (-0.04, 1, False, "0.0"),
        (12.05, 2, False, "12.05"),
        (float("nan"), 1, False, "not known"),
    ],
)
def test_number_format(x: float, decimals: int, sign: bool, text: str) -> None:
    assert fmt(x, decimals, sign=sign) == text


@pytest.mark.parametrize(
    ("name", "start"),
    [
        ("DNA rate", "The overall DNA rate "),  # an acronym keeps its capitals
        ("Screening uptake", "The overall screening uptake "),  # mid-sentence: lower case
        ("A&E waits", "The overall A&E waits "),
        (None, "The overall proportion "),  # default: the kind of measure
    ],
)
def test_measure_name_in_the_sentence(
    name: str | None, start: str, simulate_table: Callable
) -> None:
    planted = simulate_table(np.random.default_rng(16), n_pre=6, n_post=6)
    assert _run(planted, name=name).verdict.startswith(start)
