"""Shewhart charts for counts: P (proportions), C (counts) and U (rates).

* P: CL = sum of numerators / sum of denominators over the baseline; sigma_i =
  sqrt(CL (1 - CL) / n_i), so limits widen as n falls; limits clipped to [0, 1]
  (Montgomery eqs. 7.7-7.8; *qicharts2* ``qic.p``).
* C: CL = mean count of the baseline; sigma = sqrt(CL); lower limits clipped at 0
  (Montgomery eq. 7.17; ``qic.c``).
* U: CL = sum of counts / sum of exposure; sigma_i = sqrt(CL / n_i); lower limits clipped
  at 0 (Montgomery eq. 7.19; ``qic.u``).

A centre line fixed by the user replaces CL in the sigma as well, as in *qicharts2*.
"""

from __future__ import annotations

import numpy as np

from equalqi.spc.limits.base import Limits, centre, clip, sigma_lines
from equalqi.spc.prepare import Prepared
from equalqi.spc.segments import seg_mean, seg_sum


def pooled_rate(p: Prepared) -> np.ndarray:
    """sum(numerators) / sum(denominators) of the baseline, per segment."""
    num = seg_sum(p.seg, p.ysum, p.base, p.n_seg)
    den = seg_sum(p.seg, p.n, p.base, p.n_seg)
    with np.errstate(invalid="ignore", divide="ignore"):
        return num / den


def binomial_sigma(cl: np.ndarray, n: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.sqrt(cl * (1.0 - cl) / n)


def poisson_sigma(cl: np.ndarray, n: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.sqrt(cl / n)


def p_limits(p: Prepared) -> Limits:
    cl = centre(p.cl_fixed, pooled_rate(p))[p.seg]
    lim = sigma_lines(
        p.value, cl, binomial_sigma(cl, p.n), "P chart: CL = pooled proportion; binomial sigma"
    )
    return clip(lim, lower=0.0, upper=1.0)


def c_limits(p: Prepared) -> Limits:
    y = p.ysum
    cl = centre(p.cl_fixed, seg_mean(p.seg, y, p.base, p.n_seg))[p.seg]
    lim = sigma_lines(y, cl, np.sqrt(cl), "C chart: CL = mean count; sigma = sqrt(CL)")
    return clip(lim, lower=0.0)


def u_limits(p: Prepared) -> Limits:
    cl = centre(p.cl_fixed, pooled_rate(p))[p.seg]
    lim = sigma_lines(
        p.value, cl, poisson_sigma(cl, p.n), "U chart: CL = pooled rate; Poisson sigma"
    )
    return clip(lim, lower=0.0)
