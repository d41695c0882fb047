"""An SPC chart for every group of every dimension, and for the gap.

The chart follows the measure: P chart for a proportion, U chart for a rate, XmR for a mean
(NHS "Making Data Count" rules, the improvement direction from the plan). When the plan
has an intervention, limits are recalculated from it (a new phase), as qicharts2's ``part``
and NHSRplotthedots' ``rebase`` do, so each group's before and after process can be read.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from equalqi.errors import InputError
from equalqi.plan import AnalysisPlan
from equalqi.services.analysis.labels import NOT_KNOWN
from equalqi.spc import SPCResult, gap_chart, spc

CHART_FOR_KIND = {"proportion": "p", "rate": "u", "mean": "xmr"}


def _phase(periods: pd.Series, plan: AnalysisPlan) -> NDArray[np.int64]:
    """0-based phase of each period: the last phase of the plan that has started by then."""
    phase = np.zeros(len(periods), dtype=np.int64)
    for i, p in enumerate(plan.phases[1:], start=1):
        # as pandas compares: a missing period is not before any start
        started = ~(periods < pd.Timestamp(p.start)).to_numpy(dtype=bool)
        phase[started] = i
    return phase


def _chart(frame: pd.DataFrame, plan: AnalysisPlan, group: str) -> SPCResult:
    """The plan's chart of every group in ``frame`` (column ``group``), in one call."""
    kind = plan.measure.kind
    return spc(
        frame,
        x="period",
        y="value" if kind == "mean" else "numerator",
        n=None if kind == "mean" else "denominator",
        chart=CHART_FOR_KIND[kind],
        group=group,
        rules="mdc",
        improvement=plan.measure.improvement,
        multiplier=plan.measure.multiplier,
        phases="phase" if plan.phases else None,
        target=plan.measure.target,
    )


def _charts_by_dimension(
    table: pd.DataFrame, plan: AnalysisPlan
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One spc() call per dimension: the reference for :func:`group_charts`, and what
    reports a problem in the input (each dimension's call names it as it finds it)."""
    frames, summaries = [], []
    for dimension, sub in table.groupby("dimension", sort=False):
        sub = sub[(sub["group"] != NOT_KNOWN) & (sub["denominator"] > 0)].copy()
        if sub.empty:
            continue
        sub["phase"] = _phase(sub["period"], plan)
        result = _chart(sub, plan, "group")
        frames.append(result.to_frame().assign(dimension=dimension))
        summaries.append(result.summary().assign(dimension=dimension))
    if not frames:
        return pd.DataFrame(), pd.DataFrame()
    return pd.concat(frames, ignore_index=True), pd.concat(summaries, ignore_index=True)


def _labels(keys: pd.Series, table: Any, n_groups: int, dimension: bool) -> Any:
    """The group (or dimension) label of each combined key, typed as spc() types labels."""
    codes = np.asarray(keys.to_numpy(), dtype=np.int64)
    return table.take(codes // n_groups if dimension else codes % n_groups)


def group_charts(table: pd.DataFrame, plan: AnalysisPlan) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(tidy chart frame, summary per group x phase) for every dimension.

    spc() charts each group on its own, so all the groups of all the dimensions go through
    one call, keyed by (dimension, group) so that they come out in the order one call per
    dimension gives (dimensions as they first appear, groups sorted), and are labelled
    afterwards: the fixed cost of a call is paid once, not once per dimension. Tables
    that call could treat differently (missing labels, repeated periods, undated periods)
    or that spc() refuses are charted dimension by dimension, as before.
    """
    keep = ((table["group"] != NOT_KNOWN) & (table["denominator"] > 0)).to_numpy(dtype=bool)
    rows = np.flatnonzero(keep)
    if rows.size == 0:
        return pd.DataFrame(), pd.DataFrame()
    dim_codes, dim_names = pd.factorize(table["dimension"].array)  # order of appearance
    group_codes, group_names = pd.factorize(table["group"].array[rows], sort=True)
    dim_of_row = dim_codes[rows]
    periods = table["period"].iloc[rows]
    if (
        dim_of_row.min() < 0
        or group_codes.min() < 0
        or not pd.api.types.is_datetime64_dtype(periods.dtype)
    ):
        return _charts_by_dimension(table, plan)
    n_groups = len(group_names)
    key = dim_of_row.astype(np.int64) * n_groups + group_codes
    when = periods.to_numpy()
    order = np.lexsort((when, key))
    ks, ws = key[order], when[order]
    if np.isnat(when).any() or np.any((ks[1:] == ks[:-1]) & (ws[1:] == ws[:-1])):
        return _charts_by_dimension(table, plan)

    kind = plan.measure.kind
    measure = ["value"] if kind == "mean" else ["numerator", "denominator"]
    phase = _phase(table["period"], plan)[rows]
    frame = pd.DataFrame(
        {"period": when, **{c: table[c].array[rows] for c in measure}, "key": key, "phase": phase}
    )
    try:
        result = _chart(frame, plan, "key")
    except InputError:
        return _charts_by_dimension(table, plan)  # reported as each dimension's call does
    # labels typed as spc() types them (an object array of text becomes pandas' string type)
    groups = pd.Series(np.asarray(group_names, dtype=object)).array
    dims = pd.Series(np.asarray(dim_names, dtype=object)).array
    out = []
    for part in (result.to_frame(), result.summary()):
        keys = part["group"]
        part["group"] = _labels(keys, groups, n_groups, dimension=False)
        part["dimension"] = _labels(keys, dims, n_groups, dimension=True)
        out.append(part)
    return out[0], out[1]


def _gap_rows(table: pd.DataFrame, dimension: str, pair: tuple[str, str]) -> NDArray[np.intp]:
    """Rows of the pair in ``dimension``, in periods where both groups are shown (a gap needs
    both); a period's count of distinct groups, found with arrays rather than a groupby."""
    focus = (table["group"] == pair[0]).to_numpy(dtype=bool)
    in_pair = focus | (table["group"] == pair[1]).to_numpy(dtype=bool)
    rows = np.flatnonzero((table["dimension"] == dimension).to_numpy(dtype=bool) & in_pair)
    when = table["period"].to_numpy()[rows]
    is_focus = focus[rows]
    # a period shows both groups when it is among the focus's and the reference's periods
    both = np.intersect1d(when[is_focus], when[~is_focus])
    keep = np.isin(when, both) & ~pd.isna(when)
    return rows[keep]


def _gap_chart(sub: pd.DataFrame, plan: AnalysisPlan, pair: tuple[str, str]) -> SPCResult:
    return gap_chart(
        sub,
        x="period",
        group="group",
        focus=pair[0],
        reference=pair[1],
        numerator="numerator",
        denominator="denominator",
        value="value",
        multiplier=plan.measure.multiplier,
        # A gap improves as it moves towards zero, from either side: no single direction.
        improvement="neutral",
        phases="phase" if plan.phases else None,
    )


def _gap_spc_pandas(
    table: pd.DataFrame, plan: AnalysisPlan, dimension: str, pair: tuple[str, str]
) -> pd.DataFrame:
    """:func:`gap_spc` on the whole table with pandas: the reference, and the way for
    tables :func:`gap_spc` does not read as arrays."""
    sub = table[(table["dimension"] == dimension) & table["group"].isin(pair)].copy()
    both = sub.groupby("period")["group"].transform("nunique") == 2
    sub = sub[both]  # a gap needs both groups shown in the period
    if sub.empty:
        return pd.DataFrame()
    sub["phase"] = _phase(sub["period"], plan)
    return _gap_chart(sub, plan, pair).to_frame().assign(dimension=dimension)


#: the columns gap_spc reads (its frame for gap_chart() holds only these)
_GAP_COLUMNS = ("period", "group", "numerator", "denominator", "value")


def gap_spc(
    table: pd.DataFrame, plan: AnalysisPlan, dimension: str, pair: tuple[str, str]
) -> pd.DataFrame:
    """XmR chart (MDC rules) of the absolute gap between the pair, in display units.

    Only the rows and columns the chart reads are passed on. A table without those columns,
    with undated periods or with a pair of one group goes the pandas way (its messages).
    """
    if (
        not set(_GAP_COLUMNS) <= set(table.columns)
        or not pd.api.types.is_datetime64_dtype(table["period"].dtype)
        or pair[0] == pair[1]
    ):
        return _gap_spc_pandas(table, plan, dimension, pair)
    rows = _gap_rows(table, dimension, pair)
    if rows.size == 0:
        return pd.DataFrame()
    phase = _phase(table["period"], plan)[rows]
    sub = pd.DataFrame({**{c: table[c].array[rows] for c in _GAP_COLUMNS}, "phase": phase})
    return _gap_chart(sub, plan, pair).to_frame().assign(dimension=dimension)
