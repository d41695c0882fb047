"""Control-chart constants, computed exactly rather than read from a printed table.

* ``d2 = 1.128`` — the mean range of two normal observations in units of sigma, used to
  turn the average moving range into sigma for I (individuals) charts
  (Montgomery, *Introduction to Statistical Quality Control*, 7th ed., eq. 6.33).
* ``D4 = 3.267`` — upper limit of a two-point moving range in units of the average moving
  range; moving ranges at or above ``D4 × mean MR`` are screened out before sigma is
  estimated (Nelson LS. Control charts for individual measurements. *J Qual Technol*
  1982;14:172-173). Both *qicharts2* and *NHSRplotthedots* use 3.267.
* ``MDC_LIMIT = 2.66`` — the *Making Data Count* XmR shortcut ``3 / 1.128`` rounded to two
  decimals, used by the NHS England Excel tool and *NHSRplotthedots*; the 2-sigma lines are
  ``2 × 2.66 / 3`` mean moving ranges from the centre line.
* ``c4(n)`` — unbiasing constant for the sample standard deviation,
  ``sqrt(2 / (n - 1)) · Γ(n / 2) / Γ((n - 1) / 2)``, evaluated on the log scale so that it
  stays finite for large n (as *qicharts2* >= 0.6 does). ``A3``, ``B3`` and ``B4`` follow from
  it exactly (Montgomery eqs. 6.27-6.31), for any number of sigmas.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import gammaln

Arr = NDArray[np.float64]

D2 = 1.128
D4 = 3.267
MDC_LIMIT = 2.66


def c4(n: ArrayLike) -> Arr:
    """Unbiasing constant c4 for subgroup size n (NaN where n <= 1)."""
    m = np.asarray(n, dtype=np.float64)
    m = np.where(m > 1, m, np.nan)
    with np.errstate(invalid="ignore"):
        return np.sqrt(2.0 / (m - 1.0)) * np.exp(gammaln(m / 2.0) - gammaln((m - 1.0) / 2.0))


def c5(n: ArrayLike) -> Arr:
    """``sqrt(1 - c4²)``: the standard deviation of s in units of sigma."""
    return np.sqrt(1.0 - c4(n) ** 2)


def a3(n: ArrayLike, sigmas: float = 3.0) -> Arr:
    """Xbar-chart factor on s-bar: ``sigmas / (c4 · sqrt(n))``."""
    m = np.asarray(n, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return sigmas / (c4(m) * np.sqrt(np.where(m > 1, m, np.nan)))


def b3(n: ArrayLike, sigmas: float = 3.0) -> Arr:
    """S-chart lower factor ``max(0, 1 - sigmas · c5 / c4)``."""
    return np.maximum(0.0, 1.0 - sigmas * c5(n) / c4(n))


def b4(n: ArrayLike, sigmas: float = 3.0) -> Arr:
    """S-chart upper factor ``1 + sigmas · c5 / c4``."""
    return 1.0 + sigmas * c5(n) / c4(n)
