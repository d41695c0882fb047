"""Reproduce the interrupted time series tutorial of Lopez Bernal, Cummins & Gasparrini.

Lopez Bernal J, Cummins S, Gasparrini A. Interrupted time series regression for the
evaluation of public health interventions: a tutorial. Int J Epidemiol 2017;46(1):348-355
(doi:10.1093/ije/dyw098; corrected code 2020). The data (``impact_sicily_lopez_bernal_2017.csv``,
transcribed from the paper's supplementary file as published with the authors' code at
github.com/gasparrini/2017_lopezbernal_IJE_codedata) are 59 monthly counts of acute coronary
events (``aces``) in Sicily, 2002-01 to 2006-11, with the age-standardised population
(``stdpop``); the smoking ban started in January 2005 (month 37).

The tutorial's models are Poisson regressions with offset log(stdpop):

* model 1: ``aces ~ offset(log(stdpop)) + smokban + time`` (Poisson): published rate ratio
  for the ban 0.89;
* model 3: ``... + harmonic(month, 2, 12)`` with quasi-Poisson errors;
* model 4: ``... + I(time - 36):smokban`` (a change in slope, additional material).

We check that our segmented regression is exactly these models (coefficients and intervals
to 1e-8 against statsmodels' fit of the tutorial's formula) and that the published headline,
a rate ratio of 0.89 for the ban, comes out.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from equalqi.impact import segmented_regression

DATA = Path(__file__).with_name("impact_sicily_lopez_bernal_2017.csv")


@pytest.fixture(scope="module")
def sicily() -> pd.DataFrame:
    data = pd.read_csv(DATA)
    data["period"] = pd.to_datetime(dict(year=data["year"], month=data["month"], day=1))
    return data


def _harmonic(month: np.ndarray) -> np.ndarray:
    # tsModel::harmonic(month, 2, 12): sine and cosine of 2 pi k month / 12, k = 1, 2
    k = np.array([1, 2])
    m = np.outer(month, 2 * np.pi * k / 12)
    return np.column_stack([np.sin(m), np.cos(m)])


def test_data_transcription(sicily: pd.DataFrame) -> None:
    # 59 months, 36 before the ban; the tutorial's summary of aces before the ban: mean 810.9
    assert len(sicily) == 59
    assert int(sicily["smokban"].sum()) == 23
    assert sicily.loc[sicily["smokban"] == 0, "aces"].mean() == pytest.approx(810.9, abs=0.05)
    assert sicily.loc[sicily["smokban"] == 1, "aces"].mean() == pytest.approx(857.5, abs=0.05)


def test_model_1_poisson_step_change(sicily: pd.DataFrame) -> None:
    res = segmented_regression(
        sicily["period"],
        sicily["aces"],
        sicily["stdpop"],
        intervention="2005-01-01",
        kind="rate",
        scale="relative",
        slope_change=False,
        errors="model",
    )
    x = sm.add_constant(sicily[["smokban", "time"]].to_numpy(float))
    ref = sm.GLM(
        sicily["aces"].to_numpy(float),
        x,
        family=sm.families.Poisson(),
        offset=np.log(sicily["stdpop"].to_numpy(float)),
    ).fit(tol=1e-13, scale="X2")
    level = res.row("Series", "level change")
    assert level["estimate"] == pytest.approx(np.exp(ref.params[1]), rel=1e-8)
    lo, hi = np.exp(ref.conf_int()[1])
    assert level["lower"] == pytest.approx(lo, rel=1e-7)
    assert level["upper"] == pytest.approx(hi, rel=1e-7)
    assert round(level["estimate"], 2) == 0.89  # the published rate ratio


def test_model_3_seasonally_adjusted_quasi_poisson(sicily: pd.DataFrame) -> None:
    res = segmented_regression(
        sicily["period"],
        sicily["aces"],
        sicily["stdpop"],
        intervention="2005-01-01",
        kind="rate",
        scale="relative",
        seasonality="fourier",
        slope_change=False,
        errors="model",
    )
    x = np.column_stack(
        [np.ones(59), sicily["smokban"], sicily["time"], _harmonic(sicily["month"].to_numpy(float))]
    )
    ref = sm.GLM(
        sicily["aces"].to_numpy(float),
        x,
        family=sm.families.Poisson(),
        offset=np.log(sicily["stdpop"].to_numpy(float)),
    ).fit(tol=1e-13, scale="X2")
    level = res.row("Series", "level change")
    # our Fourier terms use (month - 1) / 12: the same column space as harmonic(month, 2, 12)
    assert level["estimate"] == pytest.approx(np.exp(ref.params[1]), rel=1e-8)
    lo, hi = np.exp(ref.conf_int()[1])
    assert (level["lower"], level["upper"]) == pytest.approx((lo, hi), rel=1e-7)
    assert round(level["estimate"], 2) == 0.89
    # the trend: exp(12 * b_time), the tutorial's yearly rate ratio, above 1 (rising)
    slope = res.row("Series", "pre-intervention slope")
    assert slope["estimate"] ** 12 == pytest.approx(np.exp(12 * ref.params[2]), rel=1e-8)


def test_model_4_change_in_slope_parameterisation(sicily: pd.DataFrame) -> None:
    # The tutorial centres the slope term at month 36 (1 in the first month after the ban);
    # we centre at the first month after (0 there). Same fit; their level = ours - slope.
    res = segmented_regression(
        sicily["period"],
        sicily["aces"],
        sicily["stdpop"],
        intervention="2005-01-01",
        kind="rate",
        scale="relative",
        seasonality="fourier",
        errors="model",
    )
    time = sicily["time"].to_numpy(float)
    ban = sicily["smokban"].to_numpy(float)
    x = np.column_stack(
        [np.ones(59), ban, time, (time - 36) * ban, _harmonic(sicily["month"].to_numpy(float))]
    )
    ref = sm.GLM(
        sicily["aces"].to_numpy(float),
        x,
        family=sm.families.Poisson(),
        offset=np.log(sicily["stdpop"].to_numpy(float)),
    ).fit(tol=1e-13, scale="X2")
    level = np.log(res.row("Series", "level change")["estimate"])
    slope = np.log(res.row("Series", "slope change")["estimate"])
    assert slope == pytest.approx(ref.params[3], rel=1e-7)
    assert level - slope == pytest.approx(ref.params[1], rel=1e-7)


def test_default_autocorrelation_robust_interval_contains_the_published_estimate(
    sicily: pd.DataFrame,
) -> None:
    # With the default AR(1) working covariance the interval is wider than the quasi-Poisson
    # one only if the residuals are positively autocorrelated; either way it is centred on
    # the same estimate and excludes 1 (the tutorial's conclusion: the ban reduced ACEs).
    res = segmented_regression(
        sicily["period"],
        sicily["aces"],
        sicily["stdpop"],
        intervention="2005-01-01",
        kind="rate",
        scale="relative",
        seasonality="fourier",
        slope_change=False,
    )
    level = res.row("Series", "level change")
    assert round(level["estimate"], 2) == 0.89
    assert level["lower"] < 0.89 < level["upper"] < 1.0
