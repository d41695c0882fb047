"""Wilson score intervals and proportions (PHEindicatormethods ``phe_proportion``)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from equalqi.errors import InputError
from equalqi.stats import proportion_ci, wilson_interval

Z95 = 1.959963984540054  # qnorm(0.975)

# Expected values published in PHEindicatormethods tests/testthat/testdata_Byars_Wilson.xlsx
# and testdata_Proportion.xlsx (v2.0.2), rows for 65/100, 1045/5000 and 0.445/1.
PHE_WILSON = [
    (65, 100, 0.95, 0.5525444329688797, 0.7363575175690247),
    (1045, 5000, 0.95, 0.19795549880013297, 0.22049130373189027),
    (0.445, 1, 0.95, 0.04381744772058822, 0.9334621276979156),
    (65, 100, 0.998, 0.4954946574070431, 0.7783540614089697),
    (1045, 5000, 0.998, 0.19179381799015244, 0.22731562902525818),
    (0.445, 1, 0.998, 0.019347006132900975, 0.9702259947019541),
    (9856, 12345, 0.95, 0.7912101752909069, 0.8053640073614909),
]


@pytest.mark.parametrize(("x", "n", "conf", "lower", "upper"), PHE_WILSON)
def test_wilson_matches_phe_published_values(
    x: float, n: float, conf: float, lower: float, upper: float
) -> None:
    lo, hi = wilson_interval(x, n, conf)
    assert lo == pytest.approx(lower, rel=1e-12)
    assert hi == pytest.approx(upper, rel=1e-12)


def test_wilson_zero_events_by_hand() -> None:
    # x = 0: lower = (z² − z·z)/(2(n + z²)) = 0; upper = 2z²/(2(n + z²)) = z²/(n + z²)
    lo, hi = wilson_interval(0, 10)
    assert lo == pytest.approx(0.0, abs=1e-15)
    assert hi == pytest.approx(Z95**2 / (10 + Z95**2), rel=1e-12)


def test_wilson_all_events_is_mirror_of_none() -> None:
    # symmetry: the interval for n/n is 1 minus the interval for 0/n, reversed
    lo0, hi0 = wilson_interval(0, 25)
    lo1, hi1 = wilson_interval(25, 25)
    assert lo1 == pytest.approx(1 - hi0, rel=1e-12)
    assert hi1 == pytest.approx(1 - lo0, abs=1e-12)


def test_wilson_percent_confidence_equals_fraction() -> None:
    assert np.allclose(wilson_interval(20, 100, 95), wilson_interval(20, 100, 0.95), rtol=1e-15)


def test_wilson_zero_denominator_is_nan_not_error() -> None:
    lo, hi = wilson_interval(np.array([0.0, 3.0]), np.array([0.0, 10.0]))
    assert math.isnan(lo[0]) and math.isnan(hi[0])
    assert np.isfinite(lo[1]) and np.isfinite(hi[1])


def test_wilson_full_confidence_is_zero_to_one_as_phe() -> None:
    lo, hi = wilson_interval(3, 10, 1.0)
    assert (lo, hi) == (0.0, 1.0)


@pytest.mark.parametrize(
    ("x", "n"), [(-1, 10), (11, 10), (1, -5)], ids=["negative", "x>n", "negative n"]
)
def test_wilson_bad_counts_raise_input_error(x: float, n: float) -> None:
    with pytest.raises(InputError):
        wilson_interval(x, n)


def test_wilson_bad_confidence_raises() -> None:
    with pytest.raises(InputError, match="confidence"):
        wilson_interval(1, 10, 0.5)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 500), st.integers(1, 500), st.sampled_from([0.9, 0.95, 0.99, 0.998]))
def test_wilson_contains_estimate_within_unit_interval(x: int, n: int, conf: float) -> None:
    x = min(x, n)
    lo, hi = wilson_interval(x, n, conf)
    # at x = 0 or x = n the limit equals the estimate up to rounding in the last place
    assert -1e-15 <= lo <= x / n + 1e-12 and x / n - 1e-12 <= hi <= 1 + 1e-15
    assert lo < hi


@settings(max_examples=40, deadline=None)
@given(st.floats(0.01, 0.99), st.integers(5, 2000))
def test_wilson_narrows_as_counts_grow(p: float, n: int) -> None:
    lo1, hi1 = wilson_interval(p * n, n)
    lo2, hi2 = wilson_interval(p * 4 * n, 4 * n)
    assert hi2 - lo2 < hi1 - lo1


def test_wilson_wider_at_higher_confidence() -> None:
    lo95, hi95 = wilson_interval(30, 120, 0.95)
    lo998, hi998 = wilson_interval(30, 120, 0.998)
    assert lo998 < lo95 and hi998 > hi95


def test_proportion_ci_two_levels_column_names_and_values() -> None:
    data = pd.DataFrame({"area": ["A", "B"], "num": [65.0, 1045.0], "den": [100.0, 5000.0]})
    out = proportion_ci(data, "num", "den", confidence=[0.95, 0.998], multiplier=100)
    assert list(out.columns) == [
        "area", "num", "den", "value", "lower95_0cl", "upper95_0cl", "lower99_8cl",
        "upper99_8cl", "confidence", "statistic", "method", "note",
    ]  # fmt: skip
    assert out["value"].tolist() == pytest.approx([65.0, 20.9])
    assert out.loc[0, "lower95_0cl"] == pytest.approx(55.25444329688797, rel=1e-12)
    assert out.loc[0, "upper99_8cl"] == pytest.approx(77.83540614089697, rel=1e-12)
    assert out.loc[0, "confidence"] == "95%, 99.8%"
    assert out.loc[0, "statistic"] == "percentage"
    assert out.loc[0, "method"] == "Wilson"


def test_proportion_ci_single_level_names_and_statistic() -> None:
    data = pd.DataFrame({"num": [5.0], "den": [100.0]})
    out = proportion_ci(data, "num", "den", multiplier=1000)
    assert {"lowercl", "uppercl"} <= set(out.columns)
    assert out.loc[0, "statistic"] == "proportion of 1000"
    assert out.loc[0, "value"] == pytest.approx(50.0)


def test_proportion_ci_group_by_sums_then_wilson() -> None:
    # PHE testdata_Prop_g: Area1 twice (1/100 + 1/100) = 2/200
    data = pd.DataFrame(
        {"area": ["A", "A", "B"], "num": [1.0, 1.0, 10.0], "den": [100.0, 100, 200]}
    )
    out = proportion_ci(data, "num", "den", group_by="area")
    assert out["area"].tolist() == ["A", "B"]
    assert out.loc[0, "num"] == 2
    lo, hi = wilson_interval(2, 200)
    assert out.loc[0, "lowercl"] == pytest.approx(float(lo))
    assert out.loc[0, "uppercl"] == pytest.approx(float(hi))
    # published: 2/200 -> 0.002746658133544438, 0.035721761716176796
    assert out.loc[0, "lowercl"] == pytest.approx(0.002746658133544438, rel=1e-12)
    assert out.loc[0, "uppercl"] == pytest.approx(0.035721761716176796, rel=1e-12)


def test_proportion_ci_missing_value_makes_group_missing() -> None:
    data = pd.DataFrame({"g": ["A", "A"], "num": [np.nan, 3.0], "den": [10.0, 10.0]})
    out = proportion_ci(data, "num", "den", group_by="g")
    assert math.isnan(out.loc[0, "value"])


def test_proportion_ci_zero_denominator_gives_nan_and_note() -> None:
    data = pd.DataFrame({"num": [0.0, 1.0], "den": [0.0, 4.0]})
    out = proportion_ci(data, "num", "den")
    assert math.isnan(out.loc[0, "value"]) and math.isnan(out.loc[0, "lowercl"])
    assert out.loc[0, "note"] == "denominator is zero"
    assert out["note"].isna().iloc[1]


def test_proportion_ci_names_the_bad_row() -> None:
    data = pd.DataFrame({"num": [1.0, 12.0], "den": [10.0, 10.0]})
    with pytest.raises(InputError) as caught:
        proportion_ci(data, "num", "den")
    problem = caught.value.problems[0]
    assert (problem.row, problem.column, problem.value) == (3, "num", "12")


def test_proportion_ci_no_interval_when_confidence_none() -> None:
    data = pd.DataFrame({"num": [1.0], "den": [10.0]})
    out = proportion_ci(data, "num", "den", confidence=None)
    assert "lowercl" not in out.columns and "method" not in out.columns


@pytest.mark.parametrize(
    ("type_", "absent"),
    [("standard", "method"), ("value", "lowercl"), ("lower", "uppercl"), ("upper", "lowercl")],
)
def test_proportion_ci_type_drops_columns_as_phe(type_: str, absent: str) -> None:
    data = pd.DataFrame({"num": [1.0], "den": [10.0]})
    out = proportion_ci(data, "num", "den", type=type_)
    assert absent not in out.columns


def test_proportion_ci_input_frame_is_not_changed() -> None:
    data = pd.DataFrame({"num": [1.0], "den": [10.0]})
    before = data.copy()
    proportion_ci(data, "num", "den")
    pd.testing.assert_frame_equal(data, before)
