"""The time axis, the design matrices and the AR(1) working covariance, checked by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from equalqi.impact.ar1 import (
    ar1_correlation,
    estimate_rho,
    lag1_adjacency,
    residual_maker,
    working_covariance,
)
from equalqi.impact.design import (
    build_timeline,
    default_lags,
    infer_frequency,
    phase_columns,
    seasonal_columns,
    segmented_columns,
)


@pytest.mark.parametrize(
    ("periods", "name", "index"),
    [
        (pd.date_range("2023-01-01", periods=5, freq="MS"), "month", [0, 1, 2, 3, 4]),
        # a missing month leaves a hole in the grid
        (
            pd.DatetimeIndex(["2023-01-01", "2023-02-01", "2023-04-01", "2023-05-01"]),
            "month",
            [0, 1, 3, 4],
        ),
        (pd.date_range("2023-01-02", periods=4, freq="7D"), "week", [0, 1, 2, 3]),
        (pd.date_range("2023-01-01", periods=4, freq="QS"), "quarter", [0, 1, 2, 3]),
        (pd.date_range("2019-04-01", periods=3, freq="YS-APR"), "year", [0, 1, 2]),
    ],
)
def test_period_grid(periods: pd.DatetimeIndex, name: str, index: list[int]) -> None:
    got_name, _, got = infer_frequency(periods)
    assert got_name == name
    assert list(got) == index


def test_timeline_phases() -> None:
    periods = pd.date_range("2023-01-01", periods=10, freq="MS")
    tl = build_timeline(periods, [pd.Timestamp("2023-04-01"), pd.Timestamp("2023-07-15")])
    # the second date is mid-July: the first period on or after it is August (position 7)
    assert tl.starts == (3, 7)
    assert list(tl.phase(np.arange(10))) == [0, 0, 0, 1, 1, 1, 1, 2, 2, 2]
    assert list(tl.phase_counts()) == [3, 4, 3]


def test_segmented_columns_by_hand() -> None:
    x, names = segmented_columns(np.arange(6), [3])
    assert names == ("intercept", "time", "level_1", "slope_1")
    expected = np.array(
        [
            [1, 0, 0, 0],
            [1, 1, 0, 0],
            [1, 2, 0, 0],
            [1, 3, 1, 0],
            [1, 4, 1, 1],
            [1, 5, 1, 2],  # time since the change is 0 at the change
        ],
        dtype=float,
    )
    np.testing.assert_array_equal(x, expected)
    x2, names2 = segmented_columns(np.arange(6), [3], slope_change=False)
    assert names2 == ("intercept", "time", "level_1")
    np.testing.assert_array_equal(x2, expected[:, :3])


def test_phase_columns_are_cell_indicators() -> None:
    x, names = phase_columns(np.array([0, 0, 1, 2, 2]), 3)
    assert names == ("phase_0", "phase_1", "phase_2")
    np.testing.assert_array_equal(x.sum(axis=1), 1)
    np.testing.assert_array_equal(x.argmax(axis=1), [0, 0, 1, 2, 2])


def test_fourier_terms_span_tsmodel_harmonic() -> None:
    periods = pd.date_range("2002-01-01", periods=24, freq="MS")
    tl = build_timeline(periods, [periods[12]])
    ours, names = seasonal_columns(periods, "fourier", tl)
    assert names == ("sin_1", "cos_1", "sin_2", "cos_2")
    month = periods.month.to_numpy()
    k = np.array([1, 2])
    theirs = np.column_stack(
        [np.sin(np.outer(month, 2 * np.pi * k / 12)), np.cos(np.outer(month, 2 * np.pi * k / 12))]
    )
    # every tsModel column is a linear combination of ours (a phase shift): zero residual
    coef, *_ = np.linalg.lstsq(ours, theirs, rcond=None)
    np.testing.assert_allclose(ours @ coef, theirs, atol=1e-12)


def test_month_indicators_drop_the_first_month() -> None:
    periods = pd.date_range("2023-03-01", periods=14, freq="MS")
    tl = build_timeline(periods, [periods[6]])
    x, names = seasonal_columns(periods, "month", tl)
    assert names == tuple(f"month_{m:02d}" for m in range(2, 13))
    assert x.shape == (14, 11)
    # reference = the first calendar month seen (January): its rows have no indicator
    np.testing.assert_array_equal(x.sum(axis=1), (periods.month != 1).astype(float))


@pytest.mark.parametrize(("n", "lags"), [(24, 2), (48, 3), (59, 3), (100, 4), (3, 1)])
def test_newey_west_rule_of_thumb(n: int, lags: int) -> None:
    # floor(4 (T/100)^(2/9)): 24 -> 2.90, 48 -> 3.40, 100 -> 4, capped at T - 2
    assert default_lags(n) == lags


def test_ar1_pieces_by_hand() -> None:
    t = np.array([0, 1, 3])
    np.testing.assert_allclose(
        ar1_correlation(t, t, 0.5), [[1, 0.5, 0.125], [0.5, 1, 0.25], [0.125, 0.25, 1]]
    )
    np.testing.assert_array_equal(ar1_correlation(t, t, 0.0), np.eye(3))
    # lag-1 pairs are grid neighbours only: (0, 1); 1 and 3 are two apart
    np.testing.assert_array_equal(lag1_adjacency(t), [[0, 0.5, 0], [0.5, 0, 0], [0, 0, 0]])
    k = working_covariance(
        [np.array([0, 1]), np.array([0])], [4.0, 9.0], np.array([[1.0, 0.5], [0.5, 1.0]]), 0.5
    )
    # var 4 and 9; within series 1: 4 * 0.5; across series at lag 0: sqrt(36) * 0.5 = 3,
    # at lag 1: 3 * 0.5
    np.testing.assert_allclose(k, [[4.0, 2.0, 3.0], [2.0, 4.0, 1.5], [3.0, 1.5, 9.0]])


def _ar1_residuals(rng: np.random.Generator, rho: float, m: np.ndarray) -> np.ndarray:
    e = np.empty(m.shape[0])
    e[0] = rng.normal() / np.sqrt(1 - rho**2)
    for i in range(1, e.size):
        e[i] = rho * e[i - 1] + rng.normal()
    return m @ e


def test_bias_corrected_rho_is_nearly_unbiased() -> None:
    # Residuals of a segmented line fitted to 24 AR(1) points (rho = 0.4): the raw lag-1
    # autocorrelation is biased down by about 0.15; the moment correction removes it. Pooled
    # over 4 series per replicate; mean of 150 replicates within 0.05 of the truth.
    rng = np.random.default_rng(3)
    t = np.arange(24)
    m = residual_maker(segmented_columns(t, [12])[0])
    raw, corrected = [], []
    for _ in range(150):
        zs = [_ar1_residuals(rng, 0.4, m) for _ in range(4)]
        raw.append(np.mean([z[1:] @ z[:-1] / (z @ z) for z in zs]))
        corrected.append(estimate_rho(zs, [m] * 4, [t] * 4))
    assert np.mean(raw) < 0.4 - 0.08  # the bias the correction is for
    assert np.mean(corrected) == pytest.approx(0.4, abs=0.05)


def test_rho_without_autocorrelation_is_zero_about_half_the_time() -> None:
    # With independent errors the corrected estimator is centred on 0, and negative values are
    # set to 0 (never narrower than independence): so its median is 0.
    rng = np.random.default_rng(4)
    t = np.arange(24)
    m = residual_maker(segmented_columns(t, [12])[0])
    est = [
        estimate_rho([_ar1_residuals(rng, 0.0, m) for _ in range(4)], [m] * 4, [t] * 4)
        for _ in range(150)
    ]
    assert np.median(est) == 0.0
    assert 0.3 <= np.mean(np.array(est) == 0.0) <= 0.7
