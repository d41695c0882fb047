"""The measure table: period x dimension x group, with values and intervals.

Everything downstream (SPC, gaps, inequality, impact, report) reads this one tidy frame.
Intervals: Wilson score for proportions, exact Poisson below 10 events and Byar above for
rates (as PHEindicatormethods), Student t for means.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from equalqi.engine.prepare import KEY_PERIOD
from equalqi.plan import AnalysisPlan
from equalqi.services.analysis.labels import dimension_labels
from equalqi.stats import poisson_count_interval, t_mean_interval, wilson_interval

OVERALL = "Overall"
ALL = "All"
COLUMNS = [
    "period",
    "dimension",
    "group",
    "group_order",
    "numerator",
    "denominator",
    "value",
    "lower",
    "upper",
    "sd",
    "n_records",
]
SUMS = ["numerator", "denominator", "numerator_sq", "n_records"]


def _rollup(
    sums: dict[str, np.ndarray],
    period_code: np.ndarray,
    labels: np.ndarray,
    order: list[str],
    name: str,
) -> dict[str, np.ndarray]:
    """Sum the cube's cells into (period, group) rows, as arrays.

    The cube has a few thousand cells and there are a handful of roll-ups, so this is
    NumPy over integer codes (``bincount``) rather than a pandas group-by each time, whose
    fixed cost is most of the work at this size. A sum over cells that are all missing stays
    missing (``numerator_sq`` is only scanned for a mean), as ``sum(min_count=1)``."""
    group_code, groups = pd.factorize(labels)
    cell = period_code * len(groups) + group_code
    used, inverse = np.unique(cell, return_inverse=True)
    n = len(used)
    out: dict[str, np.ndarray] = {
        "period_code": used // len(groups),
        "group": np.asarray(groups, dtype=object)[used % len(groups)],
    }
    for column, values in sums.items():
        if values.dtype.kind in "iu":
            out[column] = np.bincount(inverse, weights=values, minlength=n).astype(values.dtype)
            continue
        missing = np.isnan(values)
        total = np.bincount(inverse, np.where(missing, 0.0, values), minlength=n).astype(float)
        total[np.bincount(inverse, weights=~missing, minlength=n) == 0] = np.nan
        out[column] = total
    rank = {g: i for i, g in enumerate(order)}
    out["group_order"] = np.array([rank.get(g, len(order)) for g in out["group"]], dtype=np.int64)
    out["dimension"] = np.full(n, name, dtype=object)
    return out


def add_intervals(frame: pd.DataFrame, kind: str, confidence: float = 0.95) -> pd.DataFrame:
    """Value, interval and (for means) standard deviation from the summed counts."""
    num = frame["numerator"].to_numpy(float)
    den = frame["denominator"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(den > 0, num / den, np.nan)
        sd = np.full(len(frame), np.nan)
        if kind == "proportion":
            lower, upper = wilson_interval(num, den, confidence)
            # Wilson's limits are in [0, 1]; rounding error can put p = 1 a hair above it
            lower, upper = np.clip(lower, 0.0, 1.0), np.clip(upper, 0.0, 1.0)
        elif kind == "rate":
            lo, hi = poisson_count_interval(num, confidence)
            lower, upper = lo / den, hi / den
        else:
            n = frame["n_records"].to_numpy(float)
            sumsq = frame["numerator_sq"].to_numpy(float)
            value = np.where(n > 0, num / n, np.nan)
            var = np.where(n > 1, (sumsq - n * value**2) / (n - 1), np.nan)
            sd = np.sqrt(np.clip(var, 0, None))
            lower, upper = t_mean_interval(value, sd, n, confidence)
    return frame.assign(value=value, lower=lower, upper=upper, sd=sd)


def measure_table(cube: pd.DataFrame, plan: AnalysisPlan, confidence: float = 0.95) -> pd.DataFrame:
    """Overall, every dimension and every intersection, per period."""
    period_code, periods = pd.factorize(cube[KEY_PERIOD])
    sums = {c: cube[c].to_numpy(np.int64 if c == "n_records" else float) for c in SUMS}
    parts = [_rollup(sums, period_code, np.full(len(cube), ALL, dtype=object), [ALL], OVERALL)]
    labelled: dict[str, tuple[pd.Series, list[str]]] = {}
    for d in plan.dimensions:
        labels, order = dimension_labels(cube, d, plan)
        labelled[d.name] = (labels, order)
        parts.append(_rollup(sums, period_code, labels.to_numpy(object), order, d.name))
    for x in plan.intersections:
        series = [labelled[n][0].astype(str) for n in x.of]
        joined = series[0]
        for s in series[1:]:
            joined = joined + " · " + s
        orders = [labelled[n][1] for n in x.of]
        parts.append(_rollup(sums, period_code, joined.to_numpy(object), _cross(orders), x.name))
    columns = {c: np.concatenate([p[c] for p in parts]) for c in parts[0]}
    dim_rank = {OVERALL: 0, **{d.name: i + 1 for i, d in enumerate(plan.dimensions)}}
    dim_order = np.array([dim_rank.get(d, len(dim_rank)) for d in columns["dimension"]])
    period = np.asarray(periods)[columns.pop("period_code")]
    # Dimension, then group order, group and period (np.lexsort takes the last key first).
    rows = np.lexsort((period, columns["group"], columns["group_order"], dim_order))
    table = pd.DataFrame(
        {
            "period": pd.Series(period[rows], dtype=cube[KEY_PERIOD].dtype),
            "dimension": pd.Series(columns["dimension"][rows], dtype="str"),
            "group": pd.Series(columns["group"][rows], dtype="str"),
            **{c: columns[c][rows] for c in ("group_order", *SUMS)},
        }
    )
    table = add_intervals(table, plan.measure.kind, confidence)
    return table[[*COLUMNS, "numerator_sq"]]


def _cross(orders: list[list[str]]) -> list[str]:
    out = [""]
    for order in orders:
        out = [f"{a} · {b}" if a else b for a in out for b in order]
    return out
