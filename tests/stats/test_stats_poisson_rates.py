"""Exact Poisson / Byar count limits and crude rates (PHEindicatormethods ``phe_rate``)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from equalqi.errors import InputError
from equalqi.stats import poisson_count_interval, rate_ci

# PHEindicatormethods tests/testthat/testdata_Byars_Wilson.xlsx (Byar's limits on counts)
PHE_BYAR = [
    (65, 0.95, 50.163187710459454, 82.84913854593984),
    (1045, 0.95, 982.5932018073325, 1110.33121298565),
    (65, 0.998, 42.8802614714802, 94.00029084431802),
    (1045, 0.998, 947.9407035610374, 1148.806160988033),
    (10, 0.998, 2.916318374695686, 24.193724927880535),
]


@pytest.mark.parametrize(("x", "conf", "lower", "upper"), PHE_BYAR)
def test_byar_from_ten_events_matches_phe(x: int, conf: float, lower: float, upper: float) -> None:
    lo, hi = poisson_count_interval(x, conf)
    assert lo == pytest.approx(lower, rel=1e-12)
    assert hi == pytest.approx(upper, rel=1e-12)


def test_exact_below_ten_matches_phe_rate_example() -> None:
    # testdata_Rate.xlsx Area1: 1 event per 100, rate per 100 = 1, limits 0.02532, 5.5716
    lo, hi = poisson_count_interval(1, 0.95)
    assert lo == pytest.approx(0.025317807984289897, rel=1e-12)
    assert hi == pytest.approx(5.571643390938898, rel=1e-12)


def test_exact_zero_events_by_hand() -> None:
    # lower 0; upper = χ²(0.975; 2)/2 = −ln(0.025)
    lo, hi = poisson_count_interval(0)
    assert lo == 0.0
    assert hi == pytest.approx(-math.log(0.025), rel=1e-12)


def test_switch_between_exact_and_byar_at_ten() -> None:
    lo9, hi9 = poisson_count_interval(9)
    assert lo9 == pytest.approx(sps.chi2.ppf(0.025, 18) / 2)
    z = sps.norm.ppf(0.975)
    lo10, _ = poisson_count_interval(10)
    assert lo10 == pytest.approx(10 * (1 - 1 / 90 - z / (3 * math.sqrt(10))) ** 3)
    assert hi9 == pytest.approx(sps.chi2.ppf(0.975, 20) / 2)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 5000), st.sampled_from([0.95, 0.998]))
def test_count_interval_contains_count(x: int, conf: float) -> None:
    lo, hi = poisson_count_interval(x, conf)
    assert lo <= x <= hi


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 3000))
def test_relative_width_narrows_as_counts_grow(x: int) -> None:
    lo1, hi1 = poisson_count_interval(x)
    lo2, hi2 = poisson_count_interval(4 * x)
    assert (hi2 - lo2) / (4 * x) < (hi1 - lo1) / x


def test_vectorised_and_missing() -> None:
    lo, hi = poisson_count_interval(np.array([np.nan, 3.0, 30.0]))
    assert math.isnan(lo[0]) and math.isnan(hi[0])
    assert lo[1] < 3 < hi[1] and lo[2] < 30 < hi[2]


def test_negative_count_raises() -> None:
    with pytest.raises(InputError, match="negative"):
        poisson_count_interval([-1])


def test_rate_ci_matches_phe_published_rates() -> None:
    # testdata_Rate.xlsx rows Area5 (9856/12345) and Area2 (5/100) per 100
    data = pd.DataFrame({"area": ["A5", "A2"], "x": [9856.0, 5.0], "n": [12345.0, 100.0]})
    out = rate_ci(data, "x", "n", confidence=[0.95, 0.998], multiplier=100)
    assert out["value"].tolist() == pytest.approx([79.83799108950991, 5.0], rel=1e-12)
    assert out.loc[0, "lower95_0cl"] == pytest.approx(78.26949058976757, rel=1e-12)
    assert out.loc[0, "upper99_8cl"] == pytest.approx(82.3544727709543, rel=1e-12)
    assert out.loc[1, "lower95_0cl"] == pytest.approx(1.62348639011842, rel=1e-12)
    assert out.loc[1, "upper99_8cl"] == pytest.approx(16.454745203680105, rel=1e-12)
    assert out["method"].tolist() == ["Byars", "Exact"]
    assert out.loc[0, "statistic"] == "rate per 100"


def test_rate_ci_default_multiplier_and_grouping() -> None:
    # testdata_Rate_g Area1: 1/100 twice -> 2/200 per 100,000: 1000 (121.10, 3612.34)
    data = pd.DataFrame({"a": ["A", "A"], "x": [1.0, 1.0], "n": [100.0, 100.0]})
    out = rate_ci(data, "x", "n", group_by="a")
    assert out.loc[0, "value"] == pytest.approx(1000.0)
    assert out.loc[0, "lowercl"] == pytest.approx(121.10463927198258, rel=1e-12)
    assert out.loc[0, "uppercl"] == pytest.approx(3612.3438338619794, rel=1e-12)
    assert out.loc[0, "statistic"] == "rate per 100000"


def test_rate_ci_zero_denominator_is_nan_with_note() -> None:
    out = rate_ci(pd.DataFrame({"x": [0.0], "n": [0.0]}), "x", "n")
    assert math.isnan(out.loc[0, "value"]) and math.isnan(out.loc[0, "uppercl"])
    assert out.loc[0, "note"] == "denominator is zero"
    assert not np.isinf(out[["value", "lowercl", "uppercl"]].to_numpy(float)).any()


def test_rate_ci_rejects_negative_count_with_location() -> None:
    with pytest.raises(InputError) as caught:
        rate_ci(pd.DataFrame({"x": [3.0, -2.0], "n": [10.0, 10.0]}), "x", "n")
    assert caught.value.problems[0].row == 3
