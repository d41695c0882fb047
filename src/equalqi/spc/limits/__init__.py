"""Centre lines and control limits, one module per chart family.

:func:`compute_limits` dispatches on the chart name; every chart returns the same
:class:`~equalqi.spc.limits.base.Limits` (value, CL, 3-sigma and 2-sigma lines) before the
multiplier is applied.
"""

from __future__ import annotations

from equalqi.spc.limits.attributes import c_limits, p_limits, u_limits
from equalqi.spc.limits.base import Limits
from equalqi.spc.limits.g import g_limits
from equalqi.spc.limits.individuals import i_limits, xmr_limits
from equalqi.spc.limits.laney import pp_limits, up_limits
from equalqi.spc.limits.mr import mr_limits
from equalqi.spc.limits.run import run_limits
from equalqi.spc.limits.subgroups import s_limits, xbar_limits
from equalqi.spc.limits.t import t_limits
from equalqi.spc.prepare import Prepared

__all__ = ["Limits", "compute_limits"]


def compute_limits(chart: str, p: Prepared, *, screen_outliers: bool) -> Limits:
    """Limits for ``chart`` (one of run i xmr mr xbar s t p pp c u up g)."""
    if chart == "run":
        return run_limits(p)
    if chart == "i":
        return i_limits(p, screen=screen_outliers)
    if chart == "xmr":
        return xmr_limits(p, screen=screen_outliers)
    if chart == "mr":
        return mr_limits(p)
    if chart == "t":
        return t_limits(p, screen=screen_outliers)
    if chart == "xbar":
        return xbar_limits(p)
    if chart == "s":
        return s_limits(p)
    if chart == "p":
        return p_limits(p)
    if chart == "pp":
        return pp_limits(p, screen=screen_outliers)
    if chart == "c":
        return c_limits(p)
    if chart == "u":
        return u_limits(p)
    if chart == "up":
        return up_limits(p, screen=screen_outliers)
    if chart == "g":
        return g_limits(p)
    raise ValueError(f"unknown chart {chart!r}")  # validated earlier; defensive only
