"""Confidence limits for a count of events: exact Poisson below 10, Byar's approximation above.

Why: a rate's uncertainty comes from the count of events (Poisson), not the population.
For small counts the exact limits from the chi-square distribution are used; from 10
events Byar's approximation is within a fraction of a percent of them and is what
PHEindicatormethods (``phe_rate``, ISRs, DSRs) uses, so results agree with Fingertips.

Exact (x < 10):  lower = χ²((1 − c)/2; 2x) / 2,  upper = χ²(c + (1 − c)/2; 2x + 2) / 2
Byar (x ≥ 10):   lower = x (1 − 1/(9x) − z/(3√x))³,
                 upper = (x + 1)(1 − 1/(9(x + 1)) + z/(3√(x + 1)))³

References: Breslow NE, Day NE. Statistical methods in cancer research, volume II: the
design and analysis of cohort studies. Lyon: IARC; 1987. Public Health England.
Technical guide: confidence intervals (2018).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats as sps

from equalqi.stats._confidence import z_two_sided
from equalqi.stats._validation import (
    array_problems,
    as_float_array,
    parse_confidence,
    raise_problems,
)

Array = NDArray[np.float64]

EXACT_BELOW = 10  # PHE: exact limits below 10 events, Byar's at 10 and above


def byars_lower(x: Array, confidence: float) -> Array:
    """Byar's lower limit for a count; NaN where the approximation goes negative (as PHE)."""
    z = z_two_sided(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = x * (1 - 1 / (9 * x) - z / (3 * np.sqrt(x))) ** 3
    return np.where(lower < 0, np.nan, lower)


def byars_upper(x: Array, confidence: float) -> Array:
    """Byar's upper limit for a count."""
    z = z_two_sided(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (x + 1) * (1 - 1 / (9 * (x + 1)) + z / (3 * np.sqrt(x + 1))) ** 3


def exact_lower(x: Array, confidence: float) -> Array:
    """Exact Poisson lower limit from the chi-square distribution (0 for no events)."""
    with np.errstate(invalid="ignore"):
        lower = sps.chi2.ppf((1 - confidence) / 2, 2 * x) / 2
    return np.where(x == 0, 0.0, lower)


def exact_upper(x: Array, confidence: float) -> Array:
    """Exact Poisson upper limit from the chi-square distribution."""
    with np.errstate(invalid="ignore"):
        return np.asarray(sps.chi2.ppf(confidence + (1 - confidence) / 2, 2 * x + 2) / 2)


def _count_limits(x: Array, confidence: float) -> tuple[Array, Array]:
    """Exact below 10, Byar at 10 and above; NaN for missing counts. No validation."""
    small = x < EXACT_BELOW
    lower = np.where(small, exact_lower(x, confidence), byars_lower(x, confidence))
    upper = np.where(small, exact_upper(x, confidence), byars_upper(x, confidence))
    missing = np.isnan(x)
    return np.where(missing, np.nan, lower), np.where(missing, np.nan, upper)


def count_method(x: Array) -> NDArray[np.object_]:
    """``"Exact"`` below 10 events, ``"Byars"`` from 10, ``None`` where the count is missing."""
    out = np.where(x < EXACT_BELOW, "Exact", "Byars").astype(object)
    out[np.isnan(x)] = None
    return out


def poisson_count_interval(
    x: ArrayLike, confidence: float = 0.95
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Confidence limits for the COUNT ``x``: exact Poisson below 10 events, Byar from 10.

    Divide by the denominator (and multiply by the multiplier) for a rate, or by the
    expected count for a standardised ratio. Vectorised; NaN for missing counts; negative
    counts raise :class:`~equalqi.errors.InputError`. ``confidence`` may be 0.95 or 95.
    """
    (level,) = parse_confidence(confidence)
    xs = as_float_array(x)
    with np.errstate(invalid="ignore"):
        raise_problems(
            array_problems(
                xs, xs < 0, name="x", what="a count is negative", fix="Counts must be 0 or more."
            )
        )
    return _count_limits(xs, level)
