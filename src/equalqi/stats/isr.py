"""Indirectly standardised ratios (e.g. SMR) and rates, with exact/Byar intervals.

expected E = Σ nᵢ × (x_refᵢ / n_refᵢ) over age bands i (reference rates applied to the
local population); observed O = Σ xᵢ.

    ratio = O / E × refvalue           (PHEindicatormethods ``calculate_ISRatio``)
    rate  = O / E × reference rate     (``calculate_ISRate``; reference rate =
                                         Σ x_ref / Σ n_ref × multiplier)

Why: when local age-specific rates are unstable, applying reference rates to the local
age structure gives a stable expected count, and only O carries sampling error, so the
limits are O's exact Poisson (below 10) or Byar (10 and above) limits divided by E.
References: Breslow NE, Day NE. Statistical methods in cancer research, volume II. IARC
1987. Public Health England. Technical guide: confidence intervals (2018).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from equalqi.errors import Problem
from equalqi.stats._confidence import bound_names, levels_text
from equalqi.stats._frames import apply_type, check_type, notes_from, r_format
from equalqi.stats._validation import (
    as_float_array,
    check_columns,
    check_group_by,
    parse_confidence,
    raise_problems,
    row_problems,
)
from equalqi.stats.poisson import _count_limits, count_method


def _reference(
    data: pd.DataFrame, keys: list[str], ref: str | Sequence[float], argument: str
) -> np.ndarray:
    """A reference column, or a vector matched by position within each group (``refpoptype``)."""
    if isinstance(ref, str):
        raise_problems(check_columns(data, [(argument, ref)], numeric=(argument,)))
        return as_float_array(data[ref])
    values = np.asarray(ref, dtype=float)
    grouped = data.groupby(keys, sort=False, dropna=False) if keys else None
    sizes = grouped.size() if grouped is not None else pd.Series([len(data)])
    if (sizes != values.size).any():
        raise_problems(
            [
                Problem(
                    what=(
                        f"{argument} has {values.size} values but the groups have "
                        f"{sorted(set(sizes.tolist()))} rows"
                    ),
                    fix=(
                        "Every group needs one row per age band, in the order of the "
                        "reference vector; or give the reference as a column."
                    ),
                )
            ]
        )
    position = grouped.cumcount().to_numpy() if grouped is not None else np.arange(len(data))
    return values[position]


def _observed_expected(
    data: pd.DataFrame,
    x: str,
    n: str,
    x_ref: str | Sequence[float],
    n_ref: str | Sequence[float],
    keys: list[str],
    observed_totals: pd.DataFrame | None,
) -> pd.DataFrame:
    """Observed, expected and the crude reference rate (per 1) for every group."""
    problems = check_columns(data, [("n", n)], numeric=("n",))
    if observed_totals is None:
        problems += check_columns(data, [("x", x)], numeric=("x",))
    else:
        problems += check_columns(observed_totals, [("x", x)], numeric=("x",))
        problems += check_columns(observed_totals, [("group_by", k) for k in keys])
    raise_problems(problems)
    xr = _reference(data, keys, x_ref, "x_ref")
    nr = _reference(data, keys, n_ref, "n_ref")
    ns = as_float_array(data[n])
    with np.errstate(invalid="ignore"):
        problems = row_problems(
            data, n, ns < 0, what="population is negative", fix="Populations must be 0 or more."
        )
        if observed_totals is None:
            xs = as_float_array(data[x])
            problems += row_problems(
                data, x, xs < 0, what="count is negative", fix="Counts must be 0 or more."
            )
        else:
            xo = as_float_array(observed_totals[x])
            problems += row_problems(
                observed_totals,
                x,
                xo < 0,
                what="count is negative",
                fix="Counts must be 0 or more.",
            )
        problems += row_problems(
            data.assign(_nr=nr),
            "_nr",
            ~(nr > 0),
            what="reference population is missing or not positive",
            fix="Every age band needs a reference population greater than 0.",
        )
    raise_problems(problems)

    work = data[keys].copy() if keys else pd.DataFrame(index=data.index)
    work["_exp"] = np.nan_to_num(xr) / nr * np.nan_to_num(ns)
    work["_xr"], work["_nr"] = xr, nr
    if observed_totals is None:
        work["_x"] = as_float_array(data[x])
    if keys:
        grouped = work.groupby(keys, sort=True, dropna=False)
        table = pd.DataFrame(
            {
                "expected": grouped["_exp"].sum(),
                "_ref_rate": grouped["_xr"].sum() / grouped["_nr"].sum(),
            }
        )
        if observed_totals is None:
            table.insert(0, "observed", grouped["_x"].sum())
        table = table.reset_index()
    else:
        table = pd.DataFrame(
            {
                "expected": [work["_exp"].sum()],
                "_ref_rate": [work["_xr"].sum() / work["_nr"].sum()],
            }
        )
        if observed_totals is None:
            table.insert(0, "observed", [work["_x"].sum()])
    if observed_totals is not None:
        observed = observed_totals[[*keys, x]].rename(columns={x: "observed"})
        if keys:
            table = table.merge(observed, on=keys, how="left")
        else:
            table["observed"] = as_float_array(observed["observed"])[:1]
        table = table[[*keys, "observed", "expected", "_ref_rate"]]
    return table


def _add_limits(table: pd.DataFrame, scale: np.ndarray, levels: tuple[float, ...]) -> pd.DataFrame:
    observed = table["observed"].to_numpy(float)
    expected = table["expected"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(expected > 0, scale / expected, np.nan)
    table["value"] = observed * factor
    for level, (lo_name, hi_name) in zip(levels, bound_names(levels), strict=True):
        lower, upper = _count_limits(observed, level)
        table[lo_name] = lower * factor
        table[hi_name] = upper * factor
    table["confidence"] = levels_text(levels)
    return table


def isratio(
    data: pd.DataFrame,
    x: str,
    n: str,
    x_ref: str | Sequence[float],
    n_ref: str | Sequence[float],
    *,
    group_by: Sequence[str] | str | None = None,
    confidence: float | Sequence[float] = 0.95,
    refvalue: float = 1,
    observed_totals: pd.DataFrame | None = None,
    type: str = "full",
) -> pd.DataFrame:
    """Indirectly standardised ratios (O/E × refvalue) per group: ``calculate_ISRatio``.

    ``x_ref``/``n_ref`` are reference events and populations per age band: column names
    (PHE ``refpoptype = "field"``) or vectors matched by position within each group
    (``"vector"``). ``observed_totals`` optionally gives observed events per group (a
    frame with the ``group_by`` columns and ``x``) when they are not split by age.
    ``refvalue = 100`` gives the SMR as a percentage.
    """
    keys = check_group_by(data, group_by)
    levels = parse_confidence(confidence)
    raise_problems(check_type(type))
    table = _observed_expected(data, x, n, x_ref, n_ref, keys, observed_totals)
    table = _add_limits(table, np.full(len(table), float(refvalue)), levels)
    table["statistic"] = f"indirectly standardised ratio x {r_format(refvalue)}"
    table["method"] = count_method(table["observed"].to_numpy(float))
    table["note"] = _notes(table)
    return apply_type(table.drop(columns="_ref_rate"), type, intermediates=("observed", "expected"))


def israte(
    data: pd.DataFrame,
    x: str,
    n: str,
    x_ref: str | Sequence[float],
    n_ref: str | Sequence[float],
    *,
    group_by: Sequence[str] | str | None = None,
    confidence: float | Sequence[float] = 0.95,
    multiplier: float = 100_000,
    observed_totals: pd.DataFrame | None = None,
    type: str = "full",
) -> pd.DataFrame:
    """Indirectly standardised rates (O/E × reference rate) per group: ``calculate_ISRate``.

    The reference rate is the crude rate of the reference population, Σ x_ref / Σ n_ref ×
    multiplier. Arguments as :func:`isratio`.
    """
    keys = check_group_by(data, group_by)
    levels = parse_confidence(confidence)
    raise_problems(check_type(type))
    table = _observed_expected(data, x, n, x_ref, n_ref, keys, observed_totals)
    table["ref_rate"] = table.pop("_ref_rate") * multiplier
    table = _add_limits(table, table["ref_rate"].to_numpy(float), levels)
    table["statistic"] = f"indirectly standardised rate per {r_format(multiplier)}"
    table["method"] = count_method(table["observed"].to_numpy(float))
    table["note"] = _notes(table)
    return apply_type(table, type, intermediates=("observed", "expected", "ref_rate"))


def _notes(table: pd.DataFrame) -> np.ndarray:
    observed = table["observed"].to_numpy(float)
    expected = table["expected"].to_numpy(float)
    return notes_from(
        (np.isnan(observed), "observed count missing"),
        (~(expected > 0), "expected count is zero"),
    )
