"""AR(1) working covariance for quasi-likelihood fits of short time series.

Newey-West standard errors are too small in series of the length QI projects have (12 to 48
points a side): the kernel truncates the autocorrelation and the residuals of a fitted trend
are themselves negatively autocorrelated, so the 95% intervals of a level change cover the
truth only 75-87% of the time (our simulations, and Turner SL et al. Evaluation of
statistical methods used in the analysis of interrupted time series studies: a simulation
study. BMC Med Res Methodol 2021;21:181). A parametric alternative with first-order
autoregressive errors (Wagner et al. 2002; Lopez Bernal et al. 2017, step 5b) does better
once the autocorrelation is estimated without the small-sample bias that residuals carry.

Model for the Pearson residuals ``z`` of series ``s`` at grid time ``t``:

    Cov(z_si, z_s'j) = sqrt(phi_s phi_s') C_ss' rho^|t_i - t_j|

(``phi_s`` the dispersion of series ``s``, ``C`` the correlation of the series in the same
period, ``rho`` the lag-1 autocorrelation). The coefficients' covariance is the sandwich
``I^-1 (X~' K X~) I^-1`` with ``I`` the expected information and ``X~ = W^1/2 X`` the working
design; with ``rho = 0`` and ``C = I`` it is the quasi-likelihood (Pearson) covariance.

``rho`` is a moment estimator corrected for the regression: with ``M = I - H`` the working
residual-maker and ``D`` the lag-1 adjacency matrix (1/2 for neighbouring periods), it solves

    sum_s z_s' D z_s / sum_s z_s' z_s  =  sum_s tr(M_s D M_s R(rho)) / sum_s tr(M_s R(rho))

(the ratio of the expectations under the model; e.g. a series of 24 independent points
around a fitted segmented line has raw lag-1 autocorrelation near -0.1, which this maps back
to about 0). It is kept in [0, 0.95]: negative estimates are set to 0 so that noise can never
make intervals narrower than under independence. ``phi_s = z_s' z_s / tr(M_s R(rho))``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import brentq

Arr = NDArray[np.float64]
IntArr = NDArray[np.int64]

RHO_MAX = 0.95


def lags_between(t1: IntArr, t2: IntArr) -> Arr:
    """|t1_i - t2_j|: the distance in periods between every pair of observations."""
    return np.abs(np.asarray(t1)[:, None] - np.asarray(t2)[None, :]).astype(float)


def ar1_of_lags(lag: Arr, rho: float) -> Arr:
    """rho ** lag (with 0 ** 0 = 1)."""
    if rho == 0:
        return (lag == 0).astype(float)
    return rho**lag


def ar1_correlation(t1: IntArr, t2: IntArr, rho: float) -> Arr:
    """rho ** |t1_i - t2_j| (with 0 ** 0 = 1)."""
    return ar1_of_lags(lags_between(t1, t2), rho)


def lag1_adjacency(t: IntArr) -> Arr:
    """1/2 for pairs of periods one step apart on the grid (so z'Dz = sum z_t z_t+1)."""
    lag = np.abs(np.asarray(t)[:, None] - np.asarray(t)[None, :])
    return (lag == 1).astype(float) / 2.0


def residual_maker(xw: Arr) -> Arr:
    """I - X~ (X~'X~)^-1 X~' for the working (weighted) design X~."""
    q, _ = np.linalg.qr(xw)
    return np.eye(xw.shape[0]) - q @ q.T


def estimate_rho(z: Sequence[Arr], makers: Sequence[Arr], times: Sequence[IntArr]) -> float:
    """Bias-corrected pooled lag-1 autocorrelation (see the module docstring).

    Each series' ratio z'Dz / z'z is compared with its expectation tr(MDMR) / tr(MR); the
    series are pooled with weights equal to their number of periods.
    """
    use = [i for i, zz in enumerate(z) if float(zz @ zz) > 0 and zz.size > 2]
    if not use:
        return 0.0
    n = np.array([z[i].size for i in use], dtype=float)
    observed = float(
        np.sum(
            n
            * np.array(
                [float(z[i] @ lag1_adjacency(times[i]) @ z[i]) / float(z[i] @ z[i]) for i in use]
            )
        )
        / n.sum()
    )
    mdm = [makers[i] @ lag1_adjacency(times[i]) @ makers[i] for i in use]
    lags = [lags_between(times[i], times[i]) for i in use]  # the same at every rho tried

    def expected(rho: float) -> float:
        ratios = []
        for i, a, lag in zip(use, mdm, lags, strict=True):
            r = ar1_of_lags(lag, rho)
            ratios.append(float((a * r).sum()) / float((makers[i] * r).sum()))
        return float((n * np.array(ratios)).sum() / n.sum())

    if expected(0.0) >= observed:
        return 0.0
    if expected(RHO_MAX) <= observed:
        return RHO_MAX
    return float(brentq(lambda r: expected(r) - observed, 0.0, RHO_MAX, xtol=1e-10))


def dispersion(z: Arr, maker: Arr, t: IntArr, rho: float) -> float:
    """phi = z'z / tr(M R(rho)): unbiased for the Pearson dispersion under AR(1) errors."""
    tr = float(np.sum(maker * ar1_correlation(t, t, rho)))
    return float(z @ z) / tr if tr > 0 else float("nan")


def same_period_correlation(z: Sequence[Arr], times: Sequence[IntArr]) -> Arr:
    """Correlation of the series' residuals in the same period (positive semi-definite)."""
    n = len(z)
    c = np.eye(n)
    for i in range(n):
        for j in range(i + 1, n):
            common, ai, aj = np.intersect1d(times[i], times[j], return_indices=True)
            if common.size < 3:
                continue
            zi, zj = z[i][ai], z[j][aj]
            den = np.sqrt(float(zi @ zi) * float(zj @ zj))
            c[i, j] = c[j, i] = float(zi @ zj) / den if den > 0 else 0.0
    vals, vecs = np.linalg.eigh(c)
    if vals.min() < 0:
        c = vecs @ np.diag(np.clip(vals, 0, None)) @ vecs.T
        d = np.sqrt(np.clip(np.diag(c), 1e-12, None))
        c = c / d[:, None] / d[None, :]
    return c


def working_covariance(
    times: Sequence[IntArr], phis: Sequence[float], corr: Arr, rho: float
) -> Arr:
    """K: covariance of all stacked Pearson residuals under the AR(1) working model.

    Filled block by block into one array (np.block's checks cost more than the blocks).
    """
    edges = np.cumsum([0, *(len(t) for t in times)])
    out = np.empty((edges[-1], edges[-1]))
    for i in range(len(times)):
        for j in range(len(times)):
            out[edges[i] : edges[i + 1], edges[j] : edges[j + 1]] = (
                np.sqrt(phis[i] * phis[j]) * corr[i, j] * ar1_correlation(times[i], times[j], rho)
            )
    return out
