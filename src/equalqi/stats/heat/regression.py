"""Regression-based SII and RII as WHO HEAT and healthequal compute them.

Subgroups are ranked by the mid-point rᵢ of their cumulative population share (0 = most
disadvantaged end, 1 = most advantaged). Estimates are put on a 0..1 scale (divided by
the indicator scale: 1, 100, 1,000, ... chosen from the largest estimate), turned into
counts yᵢ = round(pᵢ nᵢ) out of nᵢ = ⌈populationᵢ⌉, and a logistic regression

    logit P(yᵢ) = β₀ + β₁ rᵢ      (quasi-binomial; counts out of nᵢ, prior weights nᵢ)

is fitted; ``linear=True`` fits a population-weighted linear regression of pᵢ on rᵢ
instead. With μ(r) the fitted value,

    SII = μ(1) − μ(0)   (× scale),      RII = μ(1) / μ(0),

with standard errors by the delta method from the heteroskedasticity-consistent (HC1)
covariance of β, and normal intervals (on the log scale for the RII). As in healthequal,
the SII's ``se`` is on the 0..1 scale and the RII's ``se`` is that of ln RII.

References: Mackenbach JP, Kunst AE. Soc Sci Med 1997;44:757-771. Schlotheuber A,
Hosseinpoor AR. Int J Environ Res Public Health 2022;19(6):3697. MacKinnon JG, White H.
Some heteroskedasticity-consistent covariance matrix estimators with improved finite
sample properties. J Econom 1985;29:305-325. healthequal ``sii()``, ``rii()`` (v1.0.1).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from equalqi.stats._confidence import z_two_sided
from equalqi.stats.heat._groups import (
    Array,
    BoolArray,
    Notes,
    Settings,
    consecutive_order,
    missing_rule,
    need_more_than_two,
    population_notes,
    quiet,
    read_inputs,
    result_frame,
    ridit_rank,
)
from equalqi.stats.heat._level import parse_level

MAX_ITERATIONS = 100
TOLERANCE = 1e-13


@dataclass(frozen=True)
class _Fit:
    """Per setting: coefficients, HC1 covariance and fitted values at rank 0 and 1."""

    beta0: Array
    beta1: Array
    v00: Array
    v01: Array
    v11: Array
    at0: Array
    at1: Array


def indicator_scale(settings: Settings, est: Array, mask: BoolArray) -> Array:
    """healthequal's scale per setting: 1, 100, 1e3, 1e4, 1e5 or 1e6 by the largest estimate."""
    bins = np.select(
        [est <= 1, est <= 100, est <= 1000, est <= 10_000, est <= 100_000],
        [1.0, 100.0, 1000.0, 10_000.0, 100_000.0],
        default=1_000_000.0,
    )
    return settings.max(bins, mask)


def _hc1(
    settings: Settings,
    rank: Array,
    working_weight: Array,
    score: Array,
    mask: BoolArray,
) -> tuple[Array, Array, Array]:
    """HC1 sandwich (X'WX)⁻¹ [Σ sᵢ² xᵢxᵢ' n/(n−2)] (X'WX)⁻¹ for x = (1, r)."""
    a00 = settings.sum(working_weight, mask)
    a01 = settings.sum(working_weight * rank, mask)
    a11 = settings.sum(working_weight * rank**2, mask)
    m00 = settings.sum(score**2, mask)
    m01 = settings.sum(score**2 * rank, mask)
    m11 = settings.sum(score**2 * rank**2, mask)
    n = settings.count(mask)
    with np.errstate(divide="ignore", invalid="ignore"):
        det = a00 * a11 - a01**2
        b00, b01, b11 = a11 / det, -a01 / det, a00 / det
        # B M B for symmetric 2×2 matrices
        t00 = b00 * m00 + b01 * m01
        t01 = b00 * m01 + b01 * m11
        t10 = b01 * m00 + b11 * m01
        t11 = b01 * m01 + b11 * m11
        factor = np.where(n > 2, n / (n - 2), np.nan)
        v00 = (t00 * b00 + t01 * b01) * factor
        v01 = (t00 * b01 + t01 * b11) * factor
        v11 = (t10 * b01 + t11 * b11) * factor
    return v00, v01, v11


def _logistic(settings: Settings, rank: Array, p: Array, prior: Array, mask: BoolArray) -> _Fit:
    """Vectorised IRLS for logit P = β₀ + β₁ r with prior weights (all settings at once)."""
    mu = (prior * p + 0.5) / (prior + 1)  # R's binomial starting values
    eta = special.logit(mu)
    beta0 = np.zeros(settings.size)
    beta1 = np.zeros(settings.size)
    for _ in range(MAX_ITERATIONS):
        var = mu * (1 - mu)
        w = prior * var
        z = eta + (p - mu) / np.where(var > 0, var, np.nan)
        z = np.where(mask, z, 0.0)
        s0 = settings.sum(w, mask)
        s1 = settings.sum(w * rank, mask)
        s2 = settings.sum(w * rank**2, mask)
        t0 = settings.sum(w * z, mask)
        t1 = settings.sum(w * rank * z, mask)
        with np.errstate(divide="ignore", invalid="ignore"):
            det = s0 * s2 - s1**2
            new0 = (s2 * t0 - s1 * t1) / det
            new1 = (s0 * t1 - s1 * t0) / det
        change = np.nanmax(np.abs(np.r_[new0 - beta0, new1 - beta1]), initial=0.0)
        scale = np.nanmax(np.abs(np.r_[new0, new1]), initial=0.0) + 1.0
        beta0, beta1 = new0, new1
        eta = settings.spread(beta0) + settings.spread(beta1) * rank
        mu = special.expit(eta)
        if change < TOLERANCE * scale:
            break
    var = mu * (1 - mu)
    v00, v01, v11 = _hc1(settings, rank, prior * var, prior * (p - mu), mask)
    return _Fit(beta0, beta1, v00, v01, v11, special.expit(beta0), special.expit(beta0 + beta1))


def _linear(settings: Settings, rank: Array, p: Array, weight: Array, mask: BoolArray) -> _Fit:
    """Weighted least squares p = β₀ + β₁ r, per setting."""
    s0 = settings.sum(weight, mask)
    s1 = settings.sum(weight * rank, mask)
    s2 = settings.sum(weight * rank**2, mask)
    t0 = settings.sum(weight * p, mask)
    t1 = settings.sum(weight * rank * p, mask)
    with np.errstate(divide="ignore", invalid="ignore"):
        det = s0 * s2 - s1**2
        beta0 = (s2 * t0 - s1 * t1) / det
        beta1 = (s0 * t1 - s1 * t0) / det
    resid = p - settings.spread(beta0) - settings.spread(beta1) * rank
    v00, v01, v11 = _hc1(settings, rank, weight, weight * resid, mask)
    return _Fit(beta0, beta1, v00, v01, v11, beta0, beta0 + beta1)


def _delta_se(fit: _Fit, g0: Array, g1: Array) -> Array:
    with np.errstate(invalid="ignore"):
        return np.sqrt(g0**2 * fit.v00 + 2 * g0 * g1 * fit.v01 + g1**2 * fit.v11)


def _prepare(
    data: pd.DataFrame,
    est: str,
    subgroup_order: str,
    pop: str | None,
    force: bool,
    linear: bool,
    group_by: Sequence[str] | str | None,
) -> tuple[Settings, _Fit, Array, Notes]:
    inputs = read_inputs(data, group_by, est=est, pop=pop, subgroup_order=subgroup_order)
    settings = inputs.settings
    assert inputs.order is not None
    notes = Notes(settings.size)
    mask = missing_rule(settings, inputs.est, notes, rule="any", force=force)
    values = np.where(mask, inputs.est, 0.0)
    same = settings.max(values, mask) == settings.min(values, mask)
    notes.add(same, "all estimates have the same value: no SII/RII")
    need_more_than_two(settings, mask, notes)
    population_notes(settings, inputs.pop, mask, notes)
    if inputs.pop is not None:
        consecutive_order(settings, inputs.order, mask, notes)
        n = np.ceil(np.nan_to_num(inputs.pop))
    else:
        n = np.ones(len(values))
    scale = indicator_scale(settings, values, mask)
    share = values / settings.spread(scale)
    counts = np.rint(share * n)
    bad = (n - counts < 0) | (counts > n) | (counts < 0)
    notes.add(settings.count(mask & bad) > 0, "estimates do not fit the indicator scale")
    rank = ridit_rank(settings, n, inputs.order, mask)
    with np.errstate(divide="ignore", invalid="ignore"):
        observed = np.where(n > 0, counts / n, 0.0)
    if linear:
        fit = _linear(settings, rank, share, n, mask)
    else:
        fit = _logistic(settings, rank, observed, n * n, mask)
    return settings, fit, scale, notes


@quiet
def sii(
    data: pd.DataFrame,
    *,
    est: str,
    subgroup_order: str,
    pop: str | None = None,
    conf_level: float = 0.95,
    linear: bool = False,
    force: bool = False,
    group_by: Sequence[str] | str | None = None,
) -> pd.DataFrame:
    """HEAT slope index of inequality per setting (logistic; ``linear=True`` for WLS).

    ``subgroup_order`` ranks subgroups from most disadvantaged (1) upwards; ``pop`` their
    sizes. For the PHE method (Monte Carlo intervals) use :func:`equalqi.stats.sii`.
    """
    level = parse_level(conf_level)
    settings, fit, scale, notes = _prepare(data, est, subgroup_order, pop, force, linear, group_by)
    if linear:
        g0, g1 = np.zeros(settings.size), np.ones(settings.size)
    else:
        d0, d1 = fit.at0 * (1 - fit.at0), fit.at1 * (1 - fit.at1)
        g0, g1 = d1 - d0, d1
    estimate = fit.at1 - fit.at0
    se = _delta_se(fit, g0, g1)
    z = z_two_sided(level)
    model = "linear (weighted least squares)" if linear else "logistic"
    return result_frame(
        settings,
        "sii",
        estimate * scale,
        se,
        (estimate - z * se) * scale,
        (estimate + z * se) * scale,
        f"SII by {model} regression; HC1 delta-method interval",
        notes.values,
    )


@quiet
def rii(
    data: pd.DataFrame,
    *,
    est: str,
    subgroup_order: str,
    pop: str | None = None,
    conf_level: float = 0.95,
    linear: bool = False,
    force: bool = False,
    group_by: Sequence[str] | str | None = None,
) -> pd.DataFrame:
    """HEAT relative index of inequality per setting; ``se`` is that of ln RII.

    Arguments as :func:`sii`.
    """
    level = parse_level(conf_level)
    settings, fit, _, notes = _prepare(data, est, subgroup_order, pop, force, linear, group_by)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_ratio = np.log(fit.at1 / fit.at0)
        if linear:
            g0, g1 = 1 / fit.at1 - 1 / fit.at0, 1 / fit.at1
        else:
            g0, g1 = fit.at0 - fit.at1, 1 - fit.at1
    se = _delta_se(fit, g0, g1)
    z = z_two_sided(level)
    notes.add(~np.isfinite(log_ratio), "the fitted value at the disadvantaged end is not positive")
    model = "linear (weighted least squares)" if linear else "logistic"
    return result_frame(
        settings,
        "rii",
        np.exp(log_ratio),
        se,
        np.exp(log_ratio - z * se),
        np.exp(log_ratio + z * se),
        f"RII by {model} regression; HC1 delta-method interval",
        notes.values,
    )
