"""Means with Student's t confidence intervals.

mean ± |t(α/2; n − 1)| × sd / √n

Why t and not z: with the standard deviation estimated from the same records the t
distribution gives the right width for small samples and converges to the normal for
large ones. This is PHEindicatormethods ``phe_mean``. Reference: Student. The probable
error of a mean. Biometrika 1908;6:1-25; Public Health England. Technical guide:
confidence intervals (2018).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import stats as sps

from equalqi.errors import Problem
from equalqi.stats._confidence import bound_names, levels_text
from equalqi.stats._frames import apply_type, check_type, notes_from
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

METHOD = "Student's t-distribution"


def _t_limits(mean: Array, sd: Array, n: Array, confidence: float) -> tuple[Array, Array]:
    """t limits; NaN where n < 2 or an input is missing. No validation."""
    with np.errstate(divide="ignore", invalid="ignore"):
        df = np.where(n >= 2, n - 1, np.nan)
        t = np.abs(sps.t.ppf((1 - confidence) / 2, df))
        half = t * sd / np.sqrt(np.where(n >= 2, n, np.nan))
    return mean - half, mean + half


def t_mean_interval(
    mean: ArrayLike, sd: ArrayLike, n: ArrayLike, confidence: float = 0.95
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Student's t interval for a mean from its standard deviation and number of records.

    Vectorised (inputs broadcast together). Returns ``(lower, upper)``; NaN where ``n`` is
    below 2 or an input is missing. A negative ``sd`` or ``n`` raises
    :class:`~equalqi.errors.InputError`.
    """
    (level,) = parse_confidence(confidence)
    m, s, k = np.broadcast_arrays(as_float_array(mean), as_float_array(sd), as_float_array(n))
    with np.errstate(invalid="ignore"):
        problems = array_problems(
            s, s < 0, name="sd", what="a standard deviation is negative", fix="Check the sd values."
        )
        problems += array_problems(
            k, k < 0, name="n", what="a number of records is negative", fix="Check the n values."
        )
    raise_problems(problems)
    return _t_limits(m.astype(float), s.astype(float), k.astype(float), level)


def mean_ci(
    data: pd.DataFrame,
    x: str | None = None,
    *,
    mean: str | None = None,
    sd: str | None = None,
    n: str | None = None,
    group_by: Sequence[str] | str | None = None,
    confidence: float | Sequence[float] = 0.95,
    type: str = "full",
) -> pd.DataFrame:
    """Means with Student's t intervals: ``phe_mean``, from records or from summaries.

    With ``x`` (one row per record, as ``phe_mean``): records are summarised within each
    ``group_by`` group (or all together) into ``value_sum``, ``value_count``, ``stdev``
    (sample standard deviation) and ``value``, then the limits. A missing record makes its
    group's results missing, as R's ``sum()`` and ``sd()`` do.

    With ``mean``, ``sd`` and ``n`` (one row per group, already aggregated by the engine):
    the limits are added to every row.
    """
    keys = check_group_by(data, group_by)
    levels = parse_confidence(confidence)
    problems: list[Problem] = check_type(type)
    if x is not None:
        problems += check_columns(data, [("x", x)], numeric=("x",))
    elif mean is not None and sd is not None and n is not None:
        problems += check_columns(
            data, [("mean", mean), ("sd", sd), ("n", n)], numeric=("mean", "sd", "n")
        )
    else:
        problems.append(
            Problem(
                what="mean_ci needs either x (one row per record) or mean, sd and n",
                fix="Name the column of record values as x, or the mean, sd and n columns.",
            )
        )
    raise_problems(problems)

    if x is not None:
        values = data.assign(_x=as_float_array(data[x]))
        if keys:
            grouped = values.groupby(keys, sort=True, dropna=False)["_x"]
            has_missing = values["_x"].isna().groupby([values[k] for k in keys], sort=True).any()
            out = pd.DataFrame(
                {
                    "value_sum": grouped.sum(),
                    "value_count": grouped.size().astype(float),
                    "stdev": grouped.std(ddof=1),
                }
            )
            out[["value_sum", "stdev"]] = out[["value_sum", "stdev"]].mask(has_missing)
            out = out.reset_index()
        else:
            col = values["_x"]
            missing = bool(col.isna().any())
            out = pd.DataFrame(
                {
                    "value_sum": [np.nan if missing else col.sum()],
                    "value_count": [float(len(col))],
                    "stdev": [np.nan if missing else col.std(ddof=1)],
                }
            )
        out["value"] = out["value_sum"] / out["value_count"]
        m = out["value"].to_numpy(float)
        s = out["stdev"].to_numpy(float)
        k = out["value_count"].to_numpy(float)
    else:
        assert mean is not None and sd is not None and n is not None
        out = data.copy()
        m = as_float_array(out[mean])
        s = as_float_array(out[sd])
        k = as_float_array(out[n])
        with np.errstate(invalid="ignore"):
            problems = row_problems(
                out, sd, s < 0, what="standard deviation is negative", fix="Check the sd column."
            )
            problems += row_problems(
                out, n, k < 0, what="number of records is negative", fix="Check the n column."
            )
        raise_problems(problems)
        out["value"] = m
    for level, (lo_name, hi_name) in zip(levels, bound_names(levels), strict=True):
        lower, upper = _t_limits(m, s, k, level)
        out[lo_name] = lower
        out[hi_name] = upper
    out["confidence"] = levels_text(levels)
    out["statistic"] = "mean"
    out["method"] = METHOD
    out["note"] = notes_from(
        (np.isnan(m) | np.isnan(s), "mean or standard deviation missing"),
        (k < 2, "fewer than 2 records: no interval"),
    )
    return apply_type(out, type, intermediates=("value_sum", "value_count", "stdev"))
