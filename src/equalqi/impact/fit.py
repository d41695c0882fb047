"""Fit several series at once and read off contrasts between them.

Every series (overall, each group, each control series) gets its own full set of
coefficients: the stacked design is block-diagonal. That is the same model as the classic
"group x time x post" interaction model (each interaction coefficient is a difference
between two series' coefficients), written so that any contrast - the gap, the change in the
gap, the change relative to a control series - is a linear combination ``L @ beta`` with
variance ``L V L'``. Fitting the series together matters only for ``V``: both the AR(1)
working covariance (:mod:`equalqi.impact.ar1`, the default) and the Driscoll-Kraay sandwich
(:mod:`equalqi.impact.hac`) let series observed in the same period be correlated, so the
covariance between the groups' estimates is estimated, not assumed zero.

IRLS is statsmodels' ``GLM`` with ``var_weights`` = denominator. If an identity-link binomial
or Poisson fit leaves the valid range (a fitted proportion outside 0-1), the fit falls back to
weighted least squares with the family's variance at the starting values, and says so.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import statsmodels.api as sm
from numpy.typing import NDArray
from scipy import special

from equalqi.impact.ar1 import (
    dispersion,
    estimate_rho,
    residual_maker,
    same_period_correlation,
    working_covariance,
)
from equalqi.impact.hac import driscoll_kraay
from equalqi.impact.model_spec import ModelSpec

Arr = NDArray[np.float64]
IntArr = NDArray[np.int64]


class FitError(ValueError):
    """The model cannot be fitted to these data (too few points, collinear design)."""


@dataclass(frozen=True)
class Block:
    """One series: grid positions, values (numerator / denominator), weights, design."""

    key: str
    t: IntArr
    y: Arr
    w: Arr
    x: Arr
    names: tuple[str, ...]


@dataclass(frozen=True)
class JointFit:
    """Coefficients of every block and their joint covariance."""

    keys: tuple[str, ...]
    names: Mapping[str, tuple[str, ...]]
    offsets: Mapping[str, int]
    params: Arr
    cov: Arr
    df: float  # degrees of freedom for t intervals; inf = normal
    model: str
    errors: str
    lags: int | None
    n_periods: int
    rho: float | None = None

    def has(self, key: str, term: str) -> bool:
        return key in self.names and term in self.names[key]

    def vector(self, weights: Mapping[str, Mapping[str, float]]) -> Arr:
        """The contrast vector L for ``{series key: {term: coefficient}}``."""
        out = np.zeros(self.params.size)
        for key, terms in weights.items():
            for term, c in terms.items():
                out[self.offsets[key] + self.names[key].index(term)] += c
        return out

    def estimate(self, contrast: Arr) -> tuple[float, float]:
        """``L @ beta`` and its standard error."""
        est = float(contrast @ self.params)
        var = float(contrast @ self.cov @ contrast)
        return est, float(np.sqrt(var)) if var >= 0 else float("nan")

    # The quantiles and tail areas are scipy.stats' own (norm.ppf is special.ndtri, t.ppf
    # is special.stdtrit, norm.sf(z) is special.ndtr(-z), t.sf(z) is special.stdtr(-z)),
    # called directly: the distribution objects' argument checks cost ~40 us a call, and
    # a frame of estimates makes dozens of calls (the values are the same, NaN for df <= 0).

    def critical(self, confidence: float) -> float:
        q = 0.5 + confidence / 2.0
        return float(special.ndtri(q) if not np.isfinite(self.df) else special.stdtrit(self.df, q))

    def p_value(self, estimate: float, se: float) -> float:
        if not (np.isfinite(estimate) and np.isfinite(se)) or se <= 0:
            return float("nan")
        z = abs(estimate / se)
        tail = special.ndtr(-z) if not np.isfinite(self.df) else special.stdtr(self.df, -z)
        return float(2 * tail)


def block_diag(mats: Sequence[Arr]) -> Arr:
    """The matrices on the diagonal, zeros elsewhere (as scipy.linalg.block_diag, without
    its generic-array overhead, which costs more than the copy for these small designs)."""
    out = np.zeros((sum(m.shape[0] for m in mats), sum(m.shape[1] for m in mats)))
    row = col = 0
    for m in mats:
        out[row : row + m.shape[0], col : col + m.shape[1]] = m
        row, col = row + m.shape[0], col + m.shape[1]
    return out


def _drop_empty_columns(block: Block) -> Block:
    keep = np.any(block.x != 0, axis=0)
    if keep.all():
        return block
    return Block(
        block.key,
        block.t,
        block.y,
        block.w,
        block.x[:, keep],
        tuple(n for n, k in zip(block.names, keep, strict=True) if k),
    )


def _start(block: Block, spec: ModelSpec) -> Arr:
    """Weighted least squares on the link scale: a safe start for IRLS."""
    y = block.y
    if spec.link_name == "logit":
        eps = 0.5 / np.maximum(block.w, 1.0)
        y = np.clip(y, eps, 1 - eps)
    elif spec.link_name == "log":
        y = np.maximum(y, 0.5 / np.maximum(block.w, 1.0))
    z = spec.link(y)
    sw = np.sqrt(block.w / block.w.mean())
    beta, *_ = np.linalg.lstsq(block.x * sw[:, None], z * sw, rcond=None)
    return np.asarray(beta, dtype=float)


def _check_rank(block: Block) -> None:
    n, k = block.x.shape
    if n <= k or np.linalg.matrix_rank(block.x) < k:
        raise FitError(
            f"series '{block.key}' has {n} periods for {k} coefficients ({', '.join(block.names)})"
        )


def fit_joint(
    blocks: Sequence[Block],
    spec: ModelSpec,
    *,
    errors: str,
    lags: int | None,
    n_grid: int,
) -> JointFit:
    """Fit the block-diagonal GLM. Covariance: ``ar1`` (AR(1) working covariance,
    :mod:`equalqi.impact.ar1`), ``newey-west`` (Driscoll-Kraay, :mod:`equalqi.impact.hac`) or
    ``model`` (quasi-likelihood: Pearson dispersion per series, no autocorrelation)."""
    blocks = [_drop_empty_columns(b) for b in blocks]
    for b in blocks:
        _check_rank(b)
    x = block_diag([b.x for b in blocks])
    y = np.concatenate([b.y for b in blocks])
    w = np.concatenate([b.w for b in blocks])
    time = np.concatenate([b.t for b in blocks]).astype(np.int64)
    start = np.concatenate([_start(b, spec) for b in blocks])
    offsets, pos = {}, 0
    for b in blocks:
        offsets[b.key] = pos
        pos += b.x.shape[1]

    model_text = spec.description()
    used, w_used = spec, w
    params: Arr | None = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        glm = sm.GLM(y, x, family=spec.family(), var_weights=w)
        try:
            res = glm.fit(start_params=start, tol=1e-11, maxiter=200, tol_criterion="params")
            params = np.asarray(res.params, dtype=float)
            if not (np.all(np.isfinite(params)) and spec.in_domain(spec.inverse(x @ params))):
                params = None
        except (ValueError, np.linalg.LinAlgError, FloatingPointError):
            params = None
        if params is None:
            if spec.link_name != "identity":
                raise FitError("the model did not converge (too few events in a series?)")
            # Identity-link binomial/Poisson left the parameter space: weighted least squares
            # with the family's variance at the starting fit (one IRLS step, kept in range).
            mu0 = np.clip(x @ start, 1e-6, 1 - 1e-6 if spec.kind == "proportion" else np.inf)
            used, w_used = ModelSpec("mean", "absolute"), w / spec.variance(mu0)
            glm = sm.GLM(y, x, family=sm.families.Gaussian(), var_weights=w_used)
            params = np.asarray(glm.fit().params, dtype=float)
            model_text += " (fitted by weighted least squares: IRLS left the valid range)"
        scores = np.asarray(glm.score_obs(params), dtype=float)
        hessian = np.asarray(glm.hessian(params), dtype=float)

    keys = tuple(b.key for b in blocks)
    names = {b.key: b.names for b in blocks}
    n_periods = int(np.unique(time).size)
    if errors == "newey-west":
        assert lags is not None
        cov, df = driscoll_kraay(
            scores, hessian, time, n_grid, lags, params_per_series=max(b.x.shape[1] for b in blocks)
        )
        label = f"Newey-West (Bartlett kernel, {lags} lag{'s' if lags != 1 else ''})" + (
            ", Driscoll-Kraay across series" if len(blocks) > 1 else ""
        )
        return JointFit(
            keys, names, offsets, params, cov, float(df), model_text, label, lags, n_periods
        )
    work = _working(blocks, used, params, offsets, w_used)
    max_k = max(b.x.shape[1] for b in blocks)
    if errors == "model":
        cov = _sandwich(
            work,
            [float(z @ z) / (z.size - xw.shape[1]) for xw, z, _ in work],
            np.eye(len(blocks)),
            0.0,
        )
        return JointFit(
            keys,
            names,
            offsets,
            params,
            cov,
            float("inf"),
            model_text,
            "model-based (quasi-likelihood, Pearson dispersion)",
            None,
            n_periods,
        )
    makers = [residual_maker(xw) for xw, _, _ in work]
    zs, ts = [z for _, z, _ in work], [t for _, _, t in work]
    rho = estimate_rho(zs, makers, ts)
    phis = [dispersion(z, m, t, rho) for z, m, t in zip(zs, makers, ts, strict=True)]
    corr = same_period_correlation([z / np.sqrt(p) for z, p in zip(zs, phis, strict=True)], ts)
    cov = _sandwich(work, phis, corr, rho)
    label = f"AR(1) errors (rho = {rho:.2f}), quasi-likelihood dispersion" + (
        ", correlation between series" if len(blocks) > 1 else ""
    )
    return JointFit(
        keys,
        names,
        offsets,
        params,
        cov,
        float(max(1, n_periods - max_k - 1)),
        model_text,
        label,
        None,
        n_periods,
        rho,
    )


def _working(
    blocks: Sequence[Block],
    spec: ModelSpec,
    params: Arr,
    offsets: Mapping[str, int],
    w: Arr,
) -> list[tuple[Arr, Arr, IntArr]]:
    """Per block: working design W^1/2 X, Pearson residuals, grid times."""
    out = []
    row = 0
    for b in blocks:
        k, n = b.x.shape[1], b.x.shape[0]
        beta = params[offsets[b.key] : offsets[b.key] + k]
        wb = w[row : row + n]
        row += n
        mu = spec.inverse(b.x @ beta)
        if spec.link_name == "identity":
            dmu = np.ones_like(mu)
        elif spec.link_name == "logit":
            dmu = mu * (1 - mu)
        else:
            dmu = mu
        var = spec.variance(mu)
        xw = b.x * np.sqrt(wb * dmu**2 / var)[:, None]
        z = (b.y - mu) * np.sqrt(wb / var)
        out.append((xw, z, b.t))
    return out


def _sandwich(
    work: Sequence[tuple[Arr, Arr, IntArr]], phis: Sequence[float], corr: Arr, rho: float
) -> Arr:
    """I^-1 (X~' K X~) I^-1 with K the AR(1) working covariance of the Pearson residuals."""
    xw = block_diag([w[0] for w in work])
    info_inv = np.linalg.inv(xw.T @ xw)
    k = working_covariance([w[2] for w in work], phis, corr, rho)
    return info_inv @ (xw.T @ k @ xw) @ info_inv
