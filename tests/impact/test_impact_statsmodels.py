"""Our fits agree with statsmodels fits of the same models specified directly.

Each reference below is built by hand from statsmodels' own GLM / WLS / GLSAR with the same
design matrix: agreement to 1e-8 shows that the family, link, weights, stacking and the
robust covariance are what the documentation says they are.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from equalqi.impact import evaluate_gap, fit_gap_its, segmented_regression
from equalqi.impact.fit import Block, fit_joint
from equalqi.impact.model_spec import ModelSpec

TOL = 1e-8
DIM, D, A = "IMD quintile", "1 - most deprived", "5 - least deprived"


@contextmanager
def _quiet() -> Iterator[None]:
    """statsmodels warns that an identity link can leave the binomial domain; ours does not."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _segmented(t: np.ndarray, start: int) -> np.ndarray:
    post = (t >= start).astype(float)
    return np.column_stack([np.ones_like(t, dtype=float), t, post, (t - start) * post])


def _series(seed: int = 11) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    t = np.arange(40)
    den = rng.poisson(500, 40).astype(float)
    p = 0.3 - 0.002 * t - 0.04 * (t >= 20) + rng.normal(0, 0.01, 40)
    num = rng.binomial(den.astype(int), p).astype(float)
    return t, num, den


NAMES = ("intercept", "time", "level_1", "slope_1")


@pytest.mark.parametrize(
    ("kind", "scale", "family"),
    [
        ("proportion", "absolute", sm.families.Binomial(sm.families.links.Identity())),
        ("proportion", "relative", sm.families.Binomial()),
        ("rate", "relative", sm.families.Poisson()),
        ("rate", "absolute", sm.families.Poisson(sm.families.links.Identity())),
    ],
)
def test_single_series_glm_and_newey_west_match_statsmodels(kind, scale, family) -> None:
    t, num, den = _series()
    x = _segmented(t, 20)
    fit = fit_joint(
        [Block("s", t, num / den, den, x, NAMES)],
        ModelSpec.of(kind, scale),
        errors="newey-west",
        lags=3,
        n_grid=40,
    )
    with _quiet():
        ref = sm.GLM(num / den, x, family=family, var_weights=den).fit(
            tol=1e-13, cov_type="HAC", cov_kwds={"maxlags": 3, "use_correction": True}
        )
    np.testing.assert_allclose(fit.params, ref.params, rtol=TOL, atol=TOL)
    np.testing.assert_allclose(fit.cov, ref.cov_params(), rtol=1e-7, atol=1e-14)
    assert fit.df == 39  # t on (periods - 1) degrees of freedom


def test_counts_with_offset_equal_rates_with_exposure_weights() -> None:
    # Poisson with offset log(E) (Lopez Bernal 2017) and the rate with var_weights = E solve
    # the same score equations: sum x (y - E mu) = 0.
    t, num, den = _series(5)
    x = _segmented(t, 20)
    fit = fit_joint(
        [Block("s", t, num / den, den, x, NAMES)],
        ModelSpec("rate", "relative"),
        errors="model",
        lags=None,
        n_grid=40,
    )
    ref = sm.GLM(num, x, family=sm.families.Poisson(), offset=np.log(den)).fit(
        tol=1e-13, scale="X2"
    )
    np.testing.assert_allclose(fit.params, ref.params, rtol=TOL, atol=TOL)
    np.testing.assert_allclose(fit.cov, ref.cov_params(), rtol=1e-7)


def test_binomial_counts_equal_proportions_with_trial_weights() -> None:
    t, num, den = _series(6)
    x = _segmented(t, 20)
    fit = fit_joint(
        [Block("s", t, num / den, den, x, NAMES)],
        ModelSpec("proportion", "relative"),
        errors="model",
        lags=None,
        n_grid=40,
    )
    ref = sm.GLM(np.column_stack([num, den - num]), x, family=sm.families.Binomial()).fit(tol=1e-13)
    np.testing.assert_allclose(fit.params, ref.params, rtol=TOL, atol=TOL)
    # R's quasibinomial dispersion: sum of squared Pearson residuals / residual df
    mu = ref.fittedvalues
    pearson = (num - den * mu) / np.sqrt(den * mu * (1 - mu))
    dispersion = float(np.sum(pearson**2) / (40 - 4))
    np.testing.assert_allclose(fit.cov, ref.cov_params() * dispersion, rtol=1e-7)


def test_means_are_weighted_least_squares_with_hac() -> None:
    rng = np.random.default_rng(8)
    t = np.arange(36)
    n = rng.integers(30, 90, 36).astype(float)
    y = 5 + 0.02 * t + 0.6 * (t >= 18) + rng.normal(0, 1, 36) / np.sqrt(n)
    x = _segmented(t, 18)
    fit = fit_joint(
        [Block("s", t, y, n, x, NAMES)],
        ModelSpec("mean", "absolute"),
        errors="newey-west",
        lags=2,
        n_grid=36,
    )
    ref = sm.WLS(y, x, weights=n).fit(
        cov_type="HAC", cov_kwds={"maxlags": 2, "use_correction": True}
    )
    np.testing.assert_allclose(fit.params, ref.params, rtol=TOL, atol=TOL)
    np.testing.assert_allclose(fit.cov, ref.cov_params(), rtol=1e-7)


def test_gap_level_and_slope_change_equal_the_interaction_model(simulate_table: Callable) -> None:
    # The classic stacked model y ~ (1 + t + post + t_post) * D (Linden 2015): its D:post and
    # D:t_post coefficients are the level and slope change of the gap, and its Driscoll-Kraay
    # covariance (statsmodels 'hac-groupsum') is ours up to the documented factor G / (G - p).
    planted = simulate_table(np.random.default_rng(21), n_pre=20, n_post=16)
    table = planted.table
    res = fit_gap_its(
        table,
        dimension=DIM,
        groups=(D, A),
        intervention=planted.intervention,
        errors="newey-west",
        hac_lags=2,
    )
    gap = res.frame[(res.frame["role"] == "gap") & (res.frame["unit"] == "project")]

    rows = table[table["group"].isin([D, A])].sort_values(["group", "period"])
    t = (rows["period"].dt.year - 2021) * 12 + rows["period"].dt.month - 1
    t = t.to_numpy()
    is_d = (rows["group"] == D).to_numpy(float)
    base = _segmented(t, 20)
    x = np.column_stack([base, base * is_d[:, None]])
    y = (rows["numerator"] / rows["denominator"]).to_numpy()
    with _quiet():
        ref = sm.GLM(
            y,
            x,
            family=sm.families.Binomial(sm.families.links.Identity()),
            var_weights=rows["denominator"].to_numpy(),
        ).fit(
            tol=1e-13,
            cov_type="hac-groupsum",
            cov_kwds={"time": t, "maxlags": 2, "use_correction": False},
        )
    factor = 36 / (36 - 4)
    for term, col in (("level change", 6), ("slope change", 7), ("pre-intervention slope", 5)):
        row = gap[gap["term"] == term].iloc[0]
        assert row["estimate"] == pytest.approx(100 * ref.params[col], rel=1e-7)
        assert row["se"] == pytest.approx(
            100 * np.sqrt(ref.cov_params()[col, col] * factor), rel=1e-6
        )


def test_before_after_levels_are_pooled_values_and_did_is_their_contrast(
    simulate_table: Callable,
) -> None:
    planted = simulate_table(np.random.default_rng(2), n_pre=12, n_post=12)
    table = planted.table
    res = evaluate_gap(table, dimension=DIM, groups=(D, A), intervention=planted.intervention)
    ba = res.before_after.set_index("role")
    cut = planted.intervention
    for role, label in (("disadvantaged", D), ("advantaged", A), ("overall", "All")):
        g = table[table["group"] == label]
        before = g[g["period"] < cut]
        after = g[g["period"] >= cut]
        # pooled: sum(numerator) / sum(denominator), the binomial MLE of a constant p
        assert ba.loc[role, "before"] == pytest.approx(
            100 * before["numerator"].sum() / before["denominator"].sum(), rel=1e-9
        )
        assert ba.loc[role, "after"] == pytest.approx(
            100 * after["numerator"].sum() / after["denominator"].sum(), rel=1e-9
        )
    did = ba.loc["disadvantaged", "change"] - ba.loc["advantaged", "change"]
    assert ba.loc["gap", "change"] == pytest.approx(did, rel=1e-9)
    assert ba.loc["gap", "before"] == pytest.approx(
        ba.loc["disadvantaged", "before"] - ba.loc["advantaged", "before"], rel=1e-9
    )


def test_glsar_option_matches_statsmodels_glsar_on_the_gap_series(simulate_table: Callable) -> None:
    planted = simulate_table(np.random.default_rng(4), n_pre=18, n_post=18)
    table = planted.table
    res = fit_gap_its(
        table, dimension=DIM, groups=(D, A), intervention=planted.intervention, errors="glsar"
    )
    gap = res.frame[res.frame["role"] == "gap"].set_index("term")
    wide = table.pivot(index="period", columns="group", values="value")
    z = (wide[D] - wide[A]).to_numpy()
    t = np.arange(z.size)
    ref = sm.GLSAR(z, _segmented(t, 18), rho=1).iterative_fit(maxiter=50)
    assert gap.loc["level change", "estimate"] == pytest.approx(100 * ref.params[2], rel=1e-8)
    assert gap.loc["slope change", "estimate"] == pytest.approx(100 * ref.params[3], rel=1e-8)
    assert gap.loc["level change", "se"] == pytest.approx(100 * ref.bse[2], rel=1e-8)


def test_ar1_errors_reduce_to_quasi_likelihood_without_autocorrelation() -> None:
    # With residuals that alternate in sign the bias-corrected lag-1 autocorrelation is
    # negative and is set to 0; the covariance is then the quasi-likelihood one: the ML
    # covariance times R's quasibinomial dispersion (Pearson chi-square / residual df).
    t = np.arange(30)
    den = np.full(30, 400.0)
    p = 0.25 + 0.001 * t + 0.02 * (t >= 15) + 0.012 * (-1.0) ** t
    num = np.round(p * den)
    x = _segmented(t, 15)
    fit = fit_joint(
        [Block("s", t, num / den, den, x, NAMES)],
        ModelSpec("proportion", "relative"),
        errors="ar1",
        lags=None,
        n_grid=30,
    )
    ref = sm.GLM(np.column_stack([num, den - num]), x, family=sm.families.Binomial()).fit(tol=1e-13)
    mu = ref.fittedvalues
    pearson = (num - den * mu) / np.sqrt(den * mu * (1 - mu))
    dispersion = float(np.sum(pearson**2) / (30 - 4))
    assert fit.rho == 0.0
    np.testing.assert_allclose(fit.params, ref.params, rtol=TOL, atol=TOL)
    np.testing.assert_allclose(fit.cov, ref.cov_params() * dispersion, rtol=1e-7)


def test_segmented_regression_accepts_plain_arrays() -> None:
    t, num, den = _series(9)
    periods = pd.date_range("2020-01-01", periods=40, freq="MS")
    res = segmented_regression(
        periods,
        num,
        den,
        intervention=periods[20],
        kind="proportion",
        errors="newey-west",
        hac_lags=3,
        multiplier=100,
    )
    with _quiet():
        ref = sm.GLM(
            num / den,
            _segmented(t, 20),
            family=sm.families.Binomial(sm.families.links.Identity()),
            var_weights=den,
        ).fit(tol=1e-13)
    level = res.row("Series", "level change")
    assert level["estimate"] == pytest.approx(100 * ref.params[2], rel=1e-8)
