"""G chart for the number of opportunities (cases, days) between rare events.

Counts between events are geometric: with mean m, sigma = sqrt(m (m + 1)), limits
m ± 3 sigma with the lower limit clipped at 0 (Montgomery p. 319; Benneyan JC. Number-between
g-type statistical quality control charts for monitoring adverse events. *Health Care Manag
Sci* 2001;4:305-318). Because the distribution is skewed, the centre line drawn is the
median of the baseline, as in *qicharts2* ``qic.g``.

A centre line fixed by the user is taken, as in *qicharts2*, as the known *mean* m: the
limits come from it and the line drawn (and used by the runs rules) is the theoretical
median of the exponential approximation, ``0.693 m`` (Provost LP, Murray SK. *The Health Care
Data Guide*. 2011, p. 228).
"""

from __future__ import annotations

import numpy as np

from equalqi.spc.limits.base import Limits, centre, clip, sigma_lines
from equalqi.spc.prepare import Prepared
from equalqi.spc.segments import seg_mean, seg_median

#: ln 2 to three places, the median / mean of an exponential distribution (qicharts2)
MEDIAN_PER_MEAN = 0.693


def g_limits(p: Prepared) -> Limits:
    fixed = p.cl_fixed if p.cl_fixed is not None else np.full(p.n_seg, np.nan)
    mean = centre(fixed, seg_mean(p.seg, p.value, p.base, p.n_seg))[p.seg]
    with np.errstate(invalid="ignore"):
        sigma = np.sqrt(mean * (mean + 1.0))
    lim = clip(sigma_lines(p.value, mean, sigma, ""), lower=0.0)
    median = centre(MEDIAN_PER_MEAN * fixed, seg_median(p.seg, p.value, p.base, p.n_seg))[p.seg]
    return Limits(
        y=p.value,
        cl=median,
        lcl=lim.lcl,
        ucl=lim.ucl,
        lcl_2s=lim.lcl_2s,
        ucl_2s=lim.ucl_2s,
        method="G chart: limits = mean +/- 3 sqrt(mean (mean + 1)); CL = median",
    )
