"""Moving-range (MR) chart: the absolute differences between consecutive points.

Centre line = mean moving range of the baseline; upper limit = 3.267 × centre line
(D4 for n = 2), lower limit 0; the 2-sigma line is (2/3)·3.267 × centre line
(*qicharts2* ``qic.mr``; Montgomery example 6.5). Moving ranges are not screened here.
"""

from __future__ import annotations

import numpy as np

from equalqi.spc.constants import D4
from equalqi.spc.limits.base import Limits, centre
from equalqi.spc.prepare import Prepared
from equalqi.spc.segments import first_in_segment, seg_mean


def mr_values(p: Prepared) -> np.ndarray:
    """|y(i) - y(i-1)| within each phase; missing for the first point of a phase."""
    mr = np.full(p.size, np.nan)
    if p.size > 1:
        mr[1:] = np.abs(np.diff(p.value))
    mr[first_in_segment(p.seg)] = np.nan
    return mr


def mr_limits(p: Prepared) -> Limits:
    y = mr_values(p)
    cl = centre(p.cl_fixed, seg_mean(p.seg, y, p.base, p.n_seg))[p.seg]
    zero = np.zeros(p.size)
    return Limits(
        y=y,
        cl=cl,
        lcl=zero,
        ucl=D4 * cl,
        lcl_2s=zero.copy(),
        ucl_2s=D4 / 3.0 * 2.0 * cl,
        method="MR chart: CL = mean moving range; UCL = 3.267 x CL",
    )
