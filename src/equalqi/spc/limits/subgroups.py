"""Xbar and S charts for subgroups of individual measurements.

The spread is estimated from the subgroup standard deviations s_i (Montgomery section 6.3):

* equal subgroup sizes: s-bar = mean of s_i (eq. 6.29);
* unequal sizes anywhere in the phase: pooled s-bar = sqrt(sum((n_i - 1) s_i²) / sum(n_i - 1))
  (eq. 6.31).

Xbar: CL = grand mean weighted by n_i (eq. 6.30), limits CL ± A3(n_i) s-bar. S: CL = s-bar,
limits B3(n_i) s-bar and B4(n_i) s-bar. A3, B3 and B4 come from c4 computed exactly; the
2-sigma lines use 2 in place of 3 (*qicharts2* ``qic.xbar``, ``qic.s``).
"""

from __future__ import annotations

import numpy as np

from equalqi.spc.constants import a3, b3, b4
from equalqi.spc.limits.base import Limits, centre
from equalqi.spc.prepare import Prepared
from equalqi.spc.segments import seg_mean, seg_sum


def _varying_size(p: Prepared) -> np.ndarray:
    """True per segment when subgroup sizes differ anywhere in that phase."""
    if p.size == 0:
        return np.zeros(0, dtype=bool)
    order = np.lexsort((p.ylen, p.seg))
    s = p.seg[order]
    v = p.ylen[order]
    new = np.ones(s.shape[0], dtype=bool)
    new[1:] = (s[1:] != s[:-1]) | (v[1:] != v[:-1])
    distinct = np.bincount(s[new], minlength=p.n_seg)
    return distinct > 1


def s_bar(p: Prepared) -> np.ndarray:
    """s-bar per segment: pooled when sizes vary, else the mean of s_i.

    As in *qicharts2*, the pooled denominator is ``sum(n_i - 1)`` over every baseline
    subgroup, so an empty subgroup (n_i = 0) contributes -1.
    """
    varying = _varying_size(p)
    num = seg_sum(p.seg, (p.ylen - 1.0) * p.ysd**2, p.base, p.n_seg)
    den = seg_sum(p.seg, p.ylen - 1.0, p.base, p.n_seg)
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled = np.sqrt(num / den)
    mean_s = seg_mean(p.seg, p.ysd, p.base, p.n_seg)
    return np.where(varying, pooled, mean_s)


def xbar_limits(p: Prepared) -> Limits:
    wsum = seg_sum(p.seg, p.ylen * p.ymean, p.base, p.n_seg)
    nsum = seg_sum(p.seg, p.ylen, p.base, p.n_seg)
    with np.errstate(invalid="ignore", divide="ignore"):
        cl = centre(p.cl_fixed, wsum / nsum)[p.seg]
    sb = s_bar(p)[p.seg]
    return Limits(
        y=p.ymean,
        cl=cl,
        lcl=cl - a3(p.ylen) * sb,
        ucl=cl + a3(p.ylen) * sb,
        lcl_2s=cl - a3(p.ylen, 2.0) * sb,
        ucl_2s=cl + a3(p.ylen, 2.0) * sb,
        method="Xbar chart: CL = weighted grand mean; limits = CL +/- A3(n) s-bar",
    )


def s_limits(p: Prepared) -> Limits:
    cl = centre(p.cl_fixed, s_bar(p))[p.seg]
    return Limits(
        y=p.ysd,
        cl=cl,
        lcl=b3(p.ylen) * cl,
        ucl=b4(p.ylen) * cl,
        lcl_2s=b3(p.ylen, 2.0) * cl,
        ucl_2s=b4(p.ylen, 2.0) * cl,
        method="S chart: CL = s-bar; limits = B3(n) s-bar, B4(n) s-bar",
    )
