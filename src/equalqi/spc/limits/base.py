"""The result every chart's limit calculation returns, and the steps they share."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from equalqi.spc.constants import D4
from equalqi.spc.segments import seg_mean

Arr = NDArray[np.float64]
IntArr = NDArray[np.int64]
BoolArr = NDArray[np.bool_]


@dataclass(frozen=True)
class Limits:
    """Plotted value, centre line and 3-sigma / 2-sigma lines per subgroup (unscaled)."""

    y: Arr
    cl: Arr
    lcl: Arr
    ucl: Arr
    lcl_2s: Arr
    ucl_2s: Arr
    method: str


def centre(fixed: Arr | None, computed: Arr) -> Arr:
    """Per-segment centre line: the user's (*qicharts2* ``cl``) where given, else ``computed``."""
    if fixed is None:
        return computed
    return np.where(np.isnan(fixed), computed, fixed)


def sigma_lines(y: Arr, cl: Arr, sigma: Arr, method: str) -> Limits:
    """Centre line ± 3 and ± 2 sigma."""
    return Limits(
        y=y,
        cl=cl,
        lcl=cl - 3.0 * sigma,
        ucl=cl + 3.0 * sigma,
        lcl_2s=cl - 2.0 * sigma,
        ucl_2s=cl + 2.0 * sigma,
        method=method,
    )


def clip(lim: Limits, lower: float | None = None, upper: float | None = None) -> Limits:
    """Clip limits where the measure cannot go (e.g. below 0 or above 1).

    As in *qicharts2*, only finite limits are clipped; infinite ones are left for the caller
    to blank out.
    """

    def lo(a: Arr) -> Arr:
        if lower is None:
            return a
        return np.where(np.isfinite(a) & (a < lower), lower, a)

    def hi(a: Arr) -> Arr:
        if upper is None:
            return a
        return np.where(np.isfinite(a) & (a > upper), upper, a)

    return Limits(
        y=lim.y,
        cl=lim.cl,
        lcl=hi(lo(lim.lcl)),
        ucl=hi(lo(lim.ucl)),
        lcl_2s=hi(lo(lim.lcl_2s)),
        ucl_2s=hi(lo(lim.ucl_2s)),
        method=lim.method,
    )


def moving_ranges(values: Arr, seg: IntArr, mask: BoolArr) -> tuple[Arr, IntArr]:
    """Absolute differences between consecutive masked points of the same segment.

    Points outside ``mask`` (excluded, or after the freeze) are dropped first, so the range
    bridges them, as *qicharts2* does with ``diff(y[base])``; a missing value gives a missing
    range on both sides. Returns the ranges and the segment of each.
    """
    if mask.all():  # every point: no copies
        v, s = values, seg
    else:
        idx = np.flatnonzero(mask)
        v, s = values[idx], seg[idx]
    if v.size < 2:
        return np.zeros(0), np.zeros(0, dtype=np.int64)
    mr = np.abs(np.diff(v))
    mr = np.where(s[1:] == s[:-1], mr, np.nan)
    return mr, s[1:]


def average_moving_range(
    values: Arr, seg: IntArr, mask: BoolArr, n_seg: int, *, screen: bool
) -> Arr:
    """Mean moving range per segment, optionally screened (Nelson 1982).

    With ``screen`` the ranges of ``D4 × mean MR`` (3.267) or more are dropped and the mean
    is taken again, once, as both *qicharts2* (``qic.screenedmr``, on by default) and
    *NHSRplotthedots* (``screen_outliers = TRUE``) do.
    """
    mr, ms = moving_ranges(values, seg, mask)
    valid = ~np.isnan(mr)
    amr = seg_mean(ms, mr, valid, n_seg)
    if screen and mr.size:
        with np.errstate(invalid="ignore"):
            keep = valid & (mr < D4 * amr[ms])
        amr = seg_mean(ms, mr, keep, n_seg)
    return amr
