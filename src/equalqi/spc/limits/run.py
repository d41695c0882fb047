"""Run chart: the median of the baseline as centre line, no control limits.

The median (not the mean) is used so that half the points are expected on either side,
which the Anhøj runs rules assume (Anhøj J, Olesen AV. Run charts revisited. *PLoS ONE*
2014;9:e113825; *qicharts2* ``qic.run``).
"""

from __future__ import annotations

import numpy as np

from equalqi.spc.limits.base import Limits, centre
from equalqi.spc.prepare import Prepared
from equalqi.spc.segments import seg_median


def run_limits(p: Prepared) -> Limits:
    cl = centre(p.cl_fixed, seg_median(p.seg, p.value, p.base, p.n_seg))[p.seg]
    nan = np.full(p.size, np.nan)
    return Limits(
        y=p.value,
        cl=cl,
        lcl=nan,
        ucl=nan.copy(),
        lcl_2s=nan.copy(),
        ucl_2s=nan.copy(),
        method="run chart: centre line = median of the baseline",
    )
