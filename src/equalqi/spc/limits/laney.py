"""Laney P′ and U′ charts for large subgroups with extra-binomial / extra-Poisson variation.

With very large denominators the P and U limits become too narrow and almost every point
signals. Laney's correction standardises each point, ``z_i = (y_i - CL) / sigma_i``, and
measures the spread of the z-scores with an I chart (mean moving range / 1.128, screened as
for the I chart); the limits are then ``CL ± 3 · sigma_i · sigma_z`` (Laney DB. Improved
control charts for attributes. *Qual Eng* 2002;14:531-537; *qicharts2* ``qic.pp``,
``qic.up``). When x is categorical (a funnel of units rather than a time series) the
standard deviation of the z-scores is used instead of the moving range, as in *qicharts2*.
"""

from __future__ import annotations

import numpy as np

from equalqi.spc.constants import D2
from equalqi.spc.limits.attributes import binomial_sigma, poisson_sigma, pooled_rate
from equalqi.spc.limits.base import Limits, average_moving_range, centre, clip, sigma_lines
from equalqi.spc.prepare import Prepared
from equalqi.spc.segments import seg_count, seg_mean, seg_sum


def _sd_by_segment(seg: np.ndarray, z: np.ndarray, mask: np.ndarray, n_seg: int) -> np.ndarray:
    """Sample SD per segment; NaN when any masked z is missing (R's ``sd`` without na.rm)."""
    any_nan = seg_count(seg, mask & np.isnan(z), n_seg) > 0
    mean = seg_mean(seg, z, mask, n_seg)
    dev2 = (z - mean[seg]) ** 2
    ss = seg_sum(seg, dev2, mask, n_seg)
    k = seg_count(seg, mask & ~np.isnan(z), n_seg)
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.sqrt(ss / (k - 1))
    return np.where(any_nan | (k < 2), np.nan, sd)


def sigma_z(p: Prepared, z: np.ndarray, *, screen: bool) -> np.ndarray:
    """Spread of the z-scores per segment (Laney's sigma_z)."""
    if p.categorical_x:
        return _sd_by_segment(p.seg, z, p.base, p.n_seg)
    return average_moving_range(z, p.seg, p.base, p.n_seg, screen=screen) / D2


def _laney(p: Prepared, sigma: np.ndarray, cl: np.ndarray, screen: bool, name: str) -> Limits:
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (p.value - cl) / sigma
    sz = sigma_z(p, z, screen=screen)[p.seg]
    return sigma_lines(p.value, cl, sigma * sz, name)


def pp_limits(p: Prepared, *, screen: bool) -> Limits:
    cl = centre(p.cl_fixed, pooled_rate(p))[p.seg]
    lim = _laney(
        p,
        binomial_sigma(cl, p.n),
        cl,
        screen,
        "P' chart (Laney): binomial sigma x sigma of z-scores",
    )
    return clip(lim, lower=0.0, upper=1.0)


def up_limits(p: Prepared, *, screen: bool) -> Limits:
    cl = centre(p.cl_fixed, pooled_rate(p))[p.seg]
    lim = _laney(
        p, poisson_sigma(cl, p.n), cl, screen, "U' chart (Laney): Poisson sigma x sigma of z-scores"
    )
    return clip(lim, lower=0.0)
