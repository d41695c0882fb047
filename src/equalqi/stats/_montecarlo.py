"""Monte Carlo percentile intervals, drawn exactly and fast.

PHEindicatormethods gives the SII a confidence interval by simulation: draw every
quantile's value R times (R = 100,000 by default), refit the regression each time, sort
the R slopes and read off the ``round(R (1 − c′))``-th and ``round(R c′)``-th
(c′ = c + (1 − c)/2). That interval is a pair of order statistics of R independent draws.

When the simulated statistic is a linear function of normal draws (the SII for
``value_type = 0``, and every ``transform = TRUE`` SII, since the regression is then on
the transformed scale) it is itself normal, T ~ N(μ, σ²), and the joint distribution of
its k-th order statistics is known exactly: T₍ₖ₎ = μ + σ Φ⁻¹(U₍ₖ₎), where U₍ₖ₎ are the
order statistics of R uniforms,

    U₍ₖ₁₎ ~ Beta(k₁, R − k₁ + 1),
    U₍ₖⱼ₊₁₎ = U₍ₖⱼ₎ + (1 − U₍ₖⱼ₎) Beta(kⱼ₊₁ − kⱼ, R − kⱼ₊₁ + 1)

(David HA, Nagaraja HN. Order statistics, 3rd edn. Wiley 2003, sections 2.2-2.5).
Drawing those few Beta variables gives the same random interval, with the same Monte
Carlo error, as simulating all R repetitions, at a cost that does not depend on R. For a
ratio of two jointly normal statistics (the RII = (intercept + slope) / intercept) the
same holds through the ratio's distribution function (Hinkley DV. On the ratio of two
correlated normal random variables. Biometrika 1969;56:635-639) whenever the
denominator cannot come near zero; otherwise the repetitions are simulated.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from scipy import special

Array = NDArray[np.float64]

RATIO_SAFE_Z = 10.0  # denominator mean at least this many SDs from zero: P(D <= 0) < 1e-23


def percentile_positions(repetitions: int, levels: Sequence[float]) -> list[tuple[int, int]]:
    """1-based positions of PHE's lower and upper limits among ``repetitions`` sorted draws.

    PHE: ``round(R * (1 - c')), round(R * c')`` with c' = c + (1 - c) / 2 and R's
    round-half-to-even; clipped to 1..R.
    """
    out = []
    for level in levels:
        upper_tail = level + (1 - level) / 2
        lo = int(np.rint(repetitions * (1 - upper_tail)))
        hi = int(np.rint(repetitions * upper_tail))
        out.append((min(max(lo, 1), repetitions), min(max(hi, 1), repetitions)))
    return out


def uniform_order_statistics(
    positions: Sequence[int], repetitions: int, size: tuple[int, ...], rng: np.random.Generator
) -> Array:
    """Joint draw of the order statistics at ``positions`` (sorted, 1-based) of R uniforms.

    Returns an array of shape ``size + (len(positions),)``.
    """
    out = np.empty((*size, len(positions)))
    previous = np.zeros(size)
    k_previous = 0
    for j, k in enumerate(positions):
        step = rng.beta(k - k_previous, repetitions - k + 1, size=size)
        previous = previous + (1 - previous) * step
        out[..., j] = previous
        k_previous = k
    return out


def normal_order_statistics(
    mean: Array,
    sd: Array,
    positions: Sequence[int],
    repetitions: int,
    draws: int,
    rng: np.random.Generator,
) -> Array:
    """Order statistics at ``positions`` of R draws of N(mean, sd²), for each group.

    ``mean`` and ``sd`` have shape (G,); the result has shape (draws, G, len(positions)).
    """
    u = uniform_order_statistics(positions, repetitions, (draws, mean.size), rng)
    return mean[None, :, None] + sd[None, :, None] * special.ndtri(u)


def ratio_quantile(
    u: Array,
    mean_num: Array,
    mean_den: Array,
    var_num: Array,
    var_den: Array,
    cov: Array,
) -> tuple[Array, NDArray[np.bool_]]:
    """Quantile function of N/D for jointly normal (N, D), where D stays well away from 0.

    With D > 0, P(N/D <= r) = P(N − rD <= 0) = Φ((r μ_D − μ_N) / √(σ²_N − 2rσ_ND + r²σ²_D)).
    Setting that to u and squaring gives a quadratic in r; its larger root belongs to
    u > 1/2 and its smaller to u < 1/2. ``u`` has shape (..., G, K) and the moments (G,).
    Returns the quantiles and a per-group flag saying where the formula is exact to double
    precision (|μ_D| ≥ 10 σ_D); elsewhere the caller must simulate.
    """
    flip = np.where(mean_den < 0, -1.0, 1.0)
    mn, md = mean_num * flip, mean_den * flip
    sd_den = np.sqrt(np.maximum(var_den, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        safe = (md > 0) & ((sd_den == 0) | (md / sd_den >= RATIO_SAFE_Z))
    z = special.ndtri(u)
    z2 = z**2
    shape = (1,) * (u.ndim - 2) + (-1, 1)
    mn_, md_ = mn.reshape(shape), md.reshape(shape)
    vn_, vd_, c_ = var_num.reshape(shape), var_den.reshape(shape), cov.reshape(shape)
    # r = (μ_D μ_N − z²σ_ND + z √Q) / (μ_D² − z²σ²_D), with the discriminant written as
    # 4z²Q so that nothing cancels when the variances are small
    q = md_**2 * vn_ - 2 * md_ * mn_ * c_ + mn_**2 * vd_ - z2 * (vd_ * vn_ - c_**2)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (md_ * mn_ - z2 * c_ + z * np.sqrt(np.maximum(q, 0.0))) / (md_**2 - z2 * vd_)
    return r, safe
