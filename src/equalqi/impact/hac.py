"""Autocorrelation-robust (Newey-West / Driscoll-Kraay) sandwich covariance.

Monthly QI series are autocorrelated and over-dispersed, so model-based standard errors are
too small (Lopez Bernal et al. 2017, step 5). The sandwich

    V = H^-1  S  H^-1,    S = G_0 + sum_{l=1..L} (1 - l / (L + 1)) (G_l + G_l')

uses the Bartlett kernel of Newey & West (Econometrica 1987;55:703-708). ``G_l`` are the
lag-``l`` cross-products of the per-period score sums; summing the scores of every series
that shares a period first makes it the Driscoll-Kraay estimator (Rev Econ Stat
1998;80:549-560), which is robust to correlation *between* the stacked groups as well. With
one series it is the ordinary Newey-West estimator.

Periods are placed on their grid position, so a missing period is a gap in the lag structure
rather than being closed up. The small-sample factor is G / (G - p), with G the number of
observed periods and p the number of coefficients per series: for one series it is the
``use_correction=True`` factor of statsmodels' ``cov_type="HAC"``, and it does not change when
more series are stacked (so a group's interval does not depend on which other series were
fitted with it). Inference uses Student's t on G - 1 degrees of freedom, as statsmodels does
for ``hac-groupsum``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

Arr = NDArray[np.float64]


def period_score_sums(scores: Arr, time: NDArray[np.int64], n_grid: int) -> Arr:
    """Scores summed within each grid period (rows of zeros where a period is missing)."""
    scores = np.asarray(scores, dtype=float)
    out = np.zeros((n_grid, scores.shape[1]))
    np.add.at(out, np.asarray(time), scores)
    return out


def bartlett_meat(sums: Arr, lags: int) -> Arr:
    """S = G_0 + sum_l w_l (G_l + G_l') with Bartlett weights w_l = 1 - l / (lags + 1)."""
    meat = sums.T @ sums
    for lag in range(1, lags + 1):
        gamma = sums[lag:].T @ sums[:-lag]
        meat += (1.0 - lag / (lags + 1.0)) * (gamma + gamma.T)
    return meat


def driscoll_kraay(
    scores: Arr,
    hessian: Arr,
    time: NDArray[np.int64],
    n_grid: int,
    lags: int,
    *,
    params_per_series: int | None = None,
) -> tuple[Arr, int]:
    """Sandwich covariance and the degrees of freedom (observed periods - 1).

    ``params_per_series``: apply the small-sample factor G / (G - p); None: no factor.
    """
    sums = period_score_sums(scores, time, n_grid)
    bread = np.linalg.inv(hessian)
    cov = bread @ bartlett_meat(sums, lags) @ bread.T
    n_periods = int(np.unique(time).size)
    if params_per_series is not None:
        cov *= n_periods / (n_periods - params_per_series)
    return cov, n_periods - 1
