"""T chart for time between rare events.

Times between events are roughly exponential; the power ``1 / 3.6`` makes them close to
normal (Nelson LS. A control chart for parts-per-million nonconforming items. *J Qual
Technol* 1994;26:239-240). The I chart is computed on the transformed values and its lines
are transformed back with the power 3.6; lower lines that fall below zero are set to zero
(*qicharts2* ``qic.t``; Montgomery example 7.6). A centre line fixed by the user is a time
between events, so it is transformed with the data (``cl^(1/3.6)``) and drawn where given.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from equalqi.spc.limits.base import Limits
from equalqi.spc.limits.individuals import i_limits
from equalqi.spc.prepare import Prepared


def _back(a: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        out = np.power(a, 3.6)
    return np.where(np.isnan(out) & ~np.isnan(a), 0.0, out)


def t_limits(p: Prepared, *, screen: bool) -> Limits:
    fixed = None if p.cl_fixed is None else np.power(p.cl_fixed, 1.0 / 3.6)
    transformed = replace(p, value=np.power(p.value, 1.0 / 3.6), cl_fixed=fixed)
    lim = i_limits(transformed, screen=screen)
    lcl = _back(lim.lcl)
    lcl = np.where(lcl < 0, 0.0, lcl)
    return Limits(
        y=p.value,
        cl=np.power(lim.cl, 3.6),
        lcl=lcl,
        ucl=np.power(lim.ucl, 3.6),
        lcl_2s=_back(lim.lcl_2s),
        ucl_2s=np.power(lim.ucl_2s, 3.6),
        method="T chart: I chart on time^(1/3.6), lines transformed back with ^3.6",
    )
