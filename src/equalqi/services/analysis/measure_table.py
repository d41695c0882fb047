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


def _rollup(cube: pd.DataFrame, labels: pd.Series, order: list[str], name: str) -> pd.DataFrame:
    frame = cube[[KEY_PERIOD, *SUMS]].assign(group=labels.to_numpy())
    grouped = frame.groupby([KEY_PERIOD, "group"], as_index=False, sort=False)[SUMS]
    out = grouped.sum(min_count=1)  # numerator_sq is NaN (not scanned) unless a mean
    rank = {g: i for i, g in enumerate(order)}
    out["group_order"] = out["group"].map(rank).fillna(len(order)).astype(int)
    out["dimension"] = name
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
    parts = [
        _rollup(cube, pd.Series(ALL, index=cube.index), [ALL], OVERALL),
    ]
    labelled: dict[str, tuple[pd.Series, list[str]]] = {}
    for d in plan.dimensions:
        labels, order = dimension_labels(cube, d, plan)
        labelled[d.name] = (labels, order)
        parts.append(_rollup(cube, labels, order, d.name))
    for x in plan.intersections:
        series = [labelled[n][0].astype(str) for n in x.of]
        joined = series[0]
        for s in series[1:]:
            joined = joined + " · " + s
        orders = [labelled[n][1] for n in x.of]
        order = _cross(orders)
        parts.append(_rollup(cube, joined, order, x.name))
    table = pd.concat(parts, ignore_index=True)
    table = add_intervals(table, plan.measure.kind, confidence)
    table = table.rename(columns={KEY_PERIOD: "period"})
    dim_rank = {OVERALL: 0, **{d.name: i + 1 for i, d in enumerate(plan.dimensions)}}
    table["_d"] = table["dimension"].map(dim_rank).fillna(len(dim_rank))
    table = table.sort_values(["_d", "group_order", "group", "period"]).drop(columns="_d")
    return table[[*COLUMNS, "numerator_sq"]].reset_index(drop=True)


def _cross(orders: list[list[str]]) -> list[str]:
    out = [""]
    for order in orders:
        out = [f"{a} · {b}" if a else b for a in out for b in order]
    return out
