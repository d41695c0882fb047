"""Absolute and relative differences between two groups, with confidence intervals.

The gap between two groups in one period is the simplest honest measure of inequality
(WHO HEAT's D and R). Methods:

* difference of proportions: Newcombe's hybrid score interval built from the two Wilson
  intervals (Newcombe RG. Interval estimation for the difference between independent
  proportions. Stat Med 1998;17:873-890, method 10);
* difference of rates: normal approximation with Poisson variances x / n**2;
* difference of means: normal approximation with the unpooled (Welch) standard error;
* ratio of proportions: Katz log method (Katz D et al. Biometrics 1978;34:469-474);
* ratio of rates: log rate ratio with standard error sqrt(1/x1 + 1/x2).

All functions are vectorised over numpy arrays and return NaN (never infinities) where a
group has no denominator or no events for a log-scale interval.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats as sps

Kind = Literal["proportion", "rate", "mean"]
Arr = NDArray[np.float64]


def _z(confidence: float) -> float:
    return float(sps.norm.ppf(0.5 + confidence / 2))


def _wilson(x: Arr, n: Arr, z: float) -> tuple[Arr, Arr, Arr]:
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(n > 0, x / n, np.nan)
        centre = (2 * x + z**2) / (2 * (n + z**2))
        half = z * np.sqrt(z**2 + 4 * x * (1 - p)) / (2 * (n + z**2))
    return p, centre - half, centre + half


def difference(
    x1: ArrayLike,
    n1: ArrayLike,
    x2: ArrayLike,
    n2: ArrayLike,
    *,
    kind: Kind,
    sd1: ArrayLike | None = None,
    sd2: ArrayLike | None = None,
    confidence: float = 0.95,
) -> tuple[Arr, Arr, Arr]:
    """Group 1 minus group 2 on the measure's natural scale: (estimate, lower, upper).

    For ``proportion`` and ``rate``, ``x`` are event counts and ``n`` denominators; for
    ``mean``, ``x`` are the means, ``n`` the numbers of records and ``sd1``/``sd2`` the
    standard deviations. Multiply by the display multiplier afterwards.
    """
    a1, b1 = np.asarray(x1, dtype=float), np.asarray(n1, dtype=float)
    a2, b2 = np.asarray(x2, dtype=float), np.asarray(n2, dtype=float)
    z = _z(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "proportion":
            p1, l1, u1 = _wilson(a1, b1, z)
            p2, l2, u2 = _wilson(a2, b2, z)
            d = p1 - p2
            lower = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
            upper = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
            return d, lower, upper
        if kind == "rate":
            r1 = np.where(b1 > 0, a1 / b1, np.nan)
            r2 = np.where(b2 > 0, a2 / b2, np.nan)
            se = np.sqrt(a1 / b1**2 + a2 / b2**2)
        elif kind == "mean":
            if sd1 is None or sd2 is None:
                raise ValueError("a difference of means needs sd1 and sd2")
            r1, r2 = a1, a2
            s1, s2 = np.asarray(sd1, dtype=float), np.asarray(sd2, dtype=float)
            se = np.sqrt(s1**2 / b1 + s2**2 / b2)
        else:
            raise ValueError(f"unknown kind {kind!r}")
        d = r1 - r2
        return d, d - z * se, d + z * se


def ratio(
    x1: ArrayLike,
    n1: ArrayLike,
    x2: ArrayLike,
    n2: ArrayLike,
    *,
    kind: Literal["proportion", "rate"],
    confidence: float = 0.95,
) -> tuple[Arr, Arr, Arr]:
    """Group 1 divided by group 2: (estimate, lower, upper) by the log method."""
    a1, b1 = np.asarray(x1, dtype=float), np.asarray(n1, dtype=float)
    a2, b2 = np.asarray(x2, dtype=float), np.asarray(n2, dtype=float)
    z = _z(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = (a1 / b1) / (a2 / b2)
        var = 1 / a1 - 1 / b1 + 1 / a2 - 1 / b2 if kind == "proportion" else 1 / a1 + 1 / a2
        ok = (a1 > 0) & (a2 > 0) & (b1 > 0) & (b2 > 0)
        se = np.sqrt(np.where(ok, var, np.nan))
        r = np.where(ok, r, np.nan)
        return r, r * np.exp(-z * se), r * np.exp(z * se)
