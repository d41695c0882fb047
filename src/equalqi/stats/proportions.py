"""Proportions with Wilson score confidence intervals.

Why Wilson: unlike the normal ("Wald") interval it never leaves 0..1, stays sensible for
0 and n events and has close to nominal coverage for small counts, which is why it is the
standard for public health indicators in England (PHEindicatormethods ``phe_proportion``).

    lower, upper = (2x + z² ∓ z √(z² + 4x(1 − x/n))) / (2(n + z²))

with z the standard normal quantile for the two-sided level. References: Wilson EB.
Probable inference, the law of succession, and statistical inference. J Am Stat Assoc
1927;22:209-212. Newcombe RG, Altman DG. Proportions and their differences. In Altman DG
et al. (eds) Statistics with confidence, 2nd edn. BMJ Books 2000:46-48.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from equalqi.stats._confidence import bound_names, levels_text, z_two_sided
from equalqi.stats._frames import apply_type, check_type, group_sums, notes_from, r_number
from equalqi.stats._validation import (
    array_problems,
    as_float_array,
    check_columns,
    check_group_by,
    parse_confidence,
    raise_problems,
    row_problems,
)

Array = NDArray[np.float64]

METHOD = "Wilson"


def _wilson(x: Array, n: Array, confidence: float) -> tuple[Array, Array]:
    """Wilson score limits; no validation. NaN where ``n`` is zero or an input is missing."""
    if confidence == 1:
        ok = n > 0
        return np.where(ok, 0.0, np.nan), np.where(ok, 1.0, np.nan)
    z = z_two_sided(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        centre = 2 * x + z**2
        half = z * np.sqrt(z**2 + 4 * x * (1 - x / n))
        denominator = 2 * (n + z**2)
        lower = (centre - half) / denominator
        upper = (centre + half) / denominator
    bad = ~(n > 0)
    return np.where(bad, np.nan, lower), np.where(bad, np.nan, upper)


def _check_counts(x: Array, n: Array) -> None:
    problems = []
    problems += array_problems(
        x, x < 0, name="x", what="a numerator is negative", fix="Numerators must be 0 or more."
    )
    problems += array_problems(
        n, n < 0, name="n", what="a denominator is negative", fix="Denominators must be 0 or more."
    )
    problems += array_problems(
        x,
        x > n,
        name="x",
        what="a numerator is larger than its denominator",
        fix="A proportion needs numerator <= denominator; check the two columns are not swapped.",
    )
    raise_problems(problems)


def wilson_interval(
    x: ArrayLike, n: ArrayLike, confidence: float = 0.95
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Wilson score interval for the proportion ``x / n`` on the 0..1 scale.

    Vectorised over ``x`` and ``n`` (broadcast together). Returns ``(lower, upper)``;
    NaN where ``n`` is 0 or either input is missing. Negative counts or ``x > n`` raise
    :class:`~equalqi.errors.InputError`. ``confidence`` may be 0.95 or 95 (PHE style);
    at exactly 1 the limits are 0 and 1, as in PHEindicatormethods.
    """
    (level,) = parse_confidence(confidence)
    xa, na = np.broadcast_arrays(as_float_array(x), as_float_array(n))
    with np.errstate(invalid="ignore"):
        _check_counts(xa, na)
    return _wilson(xa.astype(float), na.astype(float), level)


def proportion_ci(
    data: pd.DataFrame,
    x: str,
    n: str,
    *,
    group_by: Sequence[str] | str | None = None,
    confidence: float | Sequence[float] | None = 0.95,
    multiplier: float = 1,
    type: str = "full",
) -> pd.DataFrame:
    """Proportions with Wilson intervals for every row, or every group: ``phe_proportion``.

    Mirrors PHEindicatormethods ``phe_proportion``: without ``group_by`` one result per
    row, appended to the data; with ``group_by`` numerators and denominators are first
    summed within each group (a missing value makes the group's sum missing).
    ``confidence`` may be a list, e.g. ``[0.95, 0.998]``, giving ``lower95_0cl``,
    ``upper95_0cl``, ``lower99_8cl``, ``upper99_8cl``; ``None`` gives no interval.
    ``multiplier`` scales value and limits (100 = percentage). ``type`` chooses columns as
    PHE does (``"full"`` adds ``confidence``, ``statistic``, ``method`` and ``note``).

    Deviation from PHE: a zero denominator gives NaN with a ``note`` instead of an error
    (several levels are also allowed, not only 95% and 99.8%).
    """
    keys = check_group_by(data, group_by)
    levels = parse_confidence(confidence, allow_none=True)
    problems = check_columns(data, [("x", x), ("n", n)], numeric=("x", "n"))
    problems += check_type(type)
    raise_problems(problems)
    xs = as_float_array(data[x])
    ns = as_float_array(data[n])
    with np.errstate(invalid="ignore"):
        problems = row_problems(
            data, x, xs < 0, what="numerator is negative", fix="Numerators must be 0 or more."
        )
        problems += row_problems(
            data, n, ns < 0, what="denominator is negative", fix="Denominators must be 0 or more."
        )
        problems += row_problems(
            data,
            x,
            xs > ns,
            what="numerator is larger than the denominator",
            fix="A proportion needs numerator <= denominator; check the columns are not swapped.",
        )
    raise_problems(problems)

    out = group_sums(data, keys, [x, n]) if keys else data.copy()
    xs = as_float_array(out[x])
    ns = as_float_array(out[n])
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(ns > 0, xs / ns, np.nan) * multiplier
    out["value"] = value
    for level, (lo_name, hi_name) in zip(levels, bound_names(levels), strict=True):
        lower, upper = _wilson(xs, ns, level)
        out[lo_name] = lower * multiplier
        out[hi_name] = upper * multiplier
    if levels:
        out["confidence"] = levels_text(levels)
    out["statistic"] = (
        "percentage" if multiplier == 100 else f"proportion of {r_number(multiplier)}"
    )
    if levels:
        out["method"] = METHOD
    out["note"] = notes_from(
        (np.isnan(xs) | np.isnan(ns), "numerator or denominator missing"),
        (ns == 0, "denominator is zero"),
    )
    return apply_type(out, type)
