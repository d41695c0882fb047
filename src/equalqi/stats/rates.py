"""Crude rates with exact Poisson (below 10 events) or Byar (10 and above) intervals.

rate = x / n × multiplier; the limits are the count limits of
:func:`equalqi.stats.poisson.poisson_count_interval` divided by ``n`` and multiplied by
the multiplier. This is PHEindicatormethods ``phe_rate`` (default multiplier 100,000).
Reference: Breslow NE, Day NE. Statistical methods in cancer research, volume II. IARC
1987; Public Health England. Technical guide: confidence intervals (2018).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from equalqi.stats._confidence import bound_names, levels_text
from equalqi.stats._frames import apply_type, check_type, group_sums, notes_from, r_format
from equalqi.stats._validation import (
    as_float_array,
    check_columns,
    check_group_by,
    parse_confidence,
    raise_problems,
    row_problems,
)
from equalqi.stats.poisson import _count_limits, count_method


def rate_ci(
    data: pd.DataFrame,
    x: str,
    n: str,
    *,
    group_by: Sequence[str] | str | None = None,
    confidence: float | Sequence[float] = 0.95,
    multiplier: float = 100_000,
    type: str = "full",
) -> pd.DataFrame:
    """Rates with exact/Byar intervals for every row, or every group: ``phe_rate``.

    Without ``group_by`` one result per row, appended to the data; with ``group_by``
    counts and denominators are summed within each group first. ``confidence`` may be a
    list such as ``[0.95, 0.998]`` (columns ``lower95_0cl`` ... ``upper99_8cl``).
    ``method`` is ``"Exact"`` below 10 events and ``"Byars"`` from 10.

    Deviation from PHE: a zero denominator gives NaN with a ``note`` instead of an error.
    """
    keys = check_group_by(data, group_by)
    levels = parse_confidence(confidence)
    problems = check_columns(data, [("x", x), ("n", n)], numeric=("x", "n"))
    problems += check_type(type)
    raise_problems(problems)
    xs = as_float_array(data[x])
    ns = as_float_array(data[n])
    with np.errstate(invalid="ignore"):
        problems = row_problems(
            data, x, xs < 0, what="count is negative", fix="Counts must be 0 or more."
        )
        problems += row_problems(
            data, n, ns < 0, what="denominator is negative", fix="Denominators must be 0 or more."
        )
    raise_problems(problems)

    out = group_sums(data, keys, [x, n]) if keys else data.copy()
    xs = as_float_array(out[x])
    ns = as_float_array(out[n])
    usable = ns > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(usable, multiplier / ns, np.nan)
    out["value"] = xs * scale
    for level, (lo_name, hi_name) in zip(levels, bound_names(levels), strict=True):
        lower, upper = _count_limits(xs, level)
        out[lo_name] = lower * scale
        out[hi_name] = upper * scale
    out["confidence"] = levels_text(levels)
    out["statistic"] = f"rate per {r_format(multiplier)}"
    out["method"] = count_method(xs)
    out["note"] = notes_from(
        (np.isnan(xs) | np.isnan(ns), "count or denominator missing"),
        (ns == 0, "denominator is zero"),
    )
    return apply_type(out, type)
