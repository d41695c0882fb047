"""Individuals charts: I (qicharts2) and XmR (Making Data Count).

Both use the mean of the baseline as centre line and the average moving range (MR-bar) of
consecutive baseline points for the spread, optionally screening large ranges first
(Nelson 1982). They differ only in the constant:

* ``i``: sigma = MR-bar / 1.128 (d2 for n = 2), limits = CL ± 3 sigma — *qicharts2*
  ``qic.i``, Montgomery eq. 6.33;
* ``xmr``: limits = CL ± 2.66 MR-bar and the 2-sigma lines CL ± (2/3)·2.66 MR-bar — the NHS
  England *Making Data Count* tool and *NHSRplotthedots* ``ptd_spc``.
"""

from __future__ import annotations

from equalqi.spc.constants import D2, MDC_LIMIT
from equalqi.spc.limits.base import Limits, average_moving_range, centre, sigma_lines
from equalqi.spc.prepare import Prepared
from equalqi.spc.segments import seg_mean


def i_limits(p: Prepared, *, screen: bool) -> Limits:
    cl = centre(p.cl_fixed, seg_mean(p.seg, p.value, p.base, p.n_seg))
    amr = average_moving_range(p.value, p.seg, p.base, p.n_seg, screen=screen)
    sigma = (amr / D2)[p.seg]
    return sigma_lines(
        p.value,
        cl[p.seg],
        sigma,
        "I chart: CL = mean; sigma = mean moving range / 1.128"
        + (" (moving ranges >= 3.267 x mean screened out)" if screen else ""),
    )


def xmr_limits(p: Prepared, *, screen: bool) -> Limits:
    cl = centre(p.cl_fixed, seg_mean(p.seg, p.value, p.base, p.n_seg))[p.seg]
    amr = average_moving_range(p.value, p.seg, p.base, p.n_seg, screen=screen)[p.seg]
    return Limits(
        y=p.value,
        cl=cl,
        lcl=cl - MDC_LIMIT * amr,
        ucl=cl + MDC_LIMIT * amr,
        lcl_2s=cl - 2.0 * MDC_LIMIT / 3.0 * amr,
        ucl_2s=cl + 2.0 * MDC_LIMIT / 3.0 * amr,
        method="XmR chart (Making Data Count): CL = mean; limits = CL +/- 2.66 x mean moving range"
        + (" (moving ranges >= 3.267 x mean screened out)" if screen else ""),
    )
