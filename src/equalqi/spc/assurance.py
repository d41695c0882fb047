"""Assurance: can the process be relied on to meet its target?

Compares the target with the process limits of the latest point (*Making Data Count*;
*NHSRplotthedots* ``ptd_calculate_assurance_type``):

* target beyond the upper limit: the process will consistently miss it if higher is better
  (``fail``) and consistently meet it if lower is better (``pass``);
* target beyond the lower limit: the reverse;
* target between the limits (or on one): ``hit_and_miss`` — the process will sometimes meet
  and sometimes miss the target by chance alone;
* no target, no improvement direction, or no limits: ``none``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

ASSURANCE_TYPES: tuple[str, ...] = ("pass", "fail", "hit_and_miss", "none")

#: the names *NHSRplotthedots* uses for the same outcomes
PTD_NAMES = {
    "pass": "consistent_pass",
    "fail": "consistent_fail",
    "hit_and_miss": "inconsistent",
    "none": None,
}


def assurance(
    target: NDArray[np.float64],
    lcl: NDArray[np.float64],
    ucl: NDArray[np.float64],
    improvement: str,
) -> NDArray[np.object_]:
    """Assurance type for each (target, lcl, ucl), vectorised."""
    target = np.asarray(target, dtype=np.float64)
    lcl = np.asarray(lcl, dtype=np.float64)
    ucl = np.asarray(ucl, dtype=np.float64)
    out = np.full(target.shape, "none", dtype=object)
    if improvement == "neutral":
        return out
    known = ~np.isnan(target) & ~np.isnan(lcl) & ~np.isnan(ucl)
    with np.errstate(invalid="ignore"):
        above = known & (target > ucl)
        below = known & (target < lcl)
    up = improvement == "increase"
    out[known] = "hit_and_miss"
    out[above] = "fail" if up else "pass"
    out[below] = "pass" if up else "fail"
    return out
