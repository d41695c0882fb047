"""Charts for equity: the gap between two groups, or the slope index of inequality, over time.

``spc(group=...)`` already charts every group of a dimension in one call. Here the
*inequality itself* becomes the measure: for each x the gap between two groups (absolute
difference, or ratio) or the slope index of inequality (SII) across ordered groups is
computed, and that series is charted — by default as an XmR chart with the Making Data Count
rules, so that a widening or narrowing gap shows up as special-cause variation.

* Gap: value(focus) - value(reference) (or their ratio); a value is ``sum(numerator) /
  sum(denominator) × multiplier`` or the mean of ``value``.
* SII: the slope of the population-weighted least-squares line of the group values on the
  mid-point relative rank of each group (0 = first group in ``order``, 1 = last), i.e. the
  modelled difference between the two ends of the ranking (Low A, Low A. Measuring the gap:
  quantifying and comparing local health inequalities. *J Public Health* 2004;26:388-395;
  the point estimate of *PHEindicatormethods* ``phe_sii``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from equalqi.errors import InputError, Problem, ProblemCollector
from equalqi.spc.chart import spc
from equalqi.spc.prepare import PhaseSpec, TargetSpec
from equalqi.spc.result import SPCResult
from equalqi.spc.validate import as_pandas, check_columns, numeric_column

MEASURES: tuple[str, ...] = ("difference", "ratio", "sii")


@dataclass(frozen=True)
class _Measure:
    """The validated input of a gap or SII: the frame and its numeric measure columns."""

    frame: pd.DataFrame
    num: NDArray[np.float64] | None  # counts: numerator and denominator, or
    den: NDArray[np.float64] | None
    value: NDArray[np.float64] | None  # values (when no counts are given)


def _measure(
    data: Any,
    *,
    x: str,
    group: str,
    value: str | None,
    numerator: str | None,
    denominator: str | None,
) -> _Measure:
    """Check the columns and read the measure as numbers (raises InputError)."""
    frame = as_pandas(data)
    problems = ProblemCollector()
    problems.extend(
        check_columns(
            frame,
            {
                "x": x,
                "group": group,
                "value": value,
                "numerator": numerator,
                "denominator": denominator,
            },
        )
    )
    if (numerator is None) != (denominator is None):
        problems.add(
            Problem(
                what="numerator and denominator must be given together",
                fix="give both numerator= and denominator=, or give value= for values",
            )
        )
    if numerator is None and value is None:
        problems.add(
            Problem(
                what="no measure given",
                fix="give numerator= and denominator= (counts) or value= (values)",
            )
        )
    problems.raise_if_any()
    if numerator is not None and denominator is not None:
        num = numeric_column(frame, numerator, problems)
        den = numeric_column(frame, denominator, problems)
        problems.raise_if_any()
        return _Measure(frame, num, den, None)
    assert value is not None
    values = numeric_column(frame, value, problems)
    problems.raise_if_any()
    return _Measure(frame, None, None, values)


def _grouped(m: _Measure, *, x: str, group: str, multiplier: float) -> pd.DataFrame:
    """One row per (x, group): value, numerator, denominator.

    With numerator and denominator the value is ``sum(numerator) / sum(denominator) ×
    multiplier`` (they take precedence over ``value``); otherwise the mean of ``value``.
    """
    frame = m.frame
    work = pd.DataFrame({"x": frame[x].to_numpy(), "group": frame[group].to_numpy()})
    if m.num is not None:
        work["num"] = m.num
        work["den"] = m.den
        agg = work.groupby(["x", "group"], sort=True, observed=True)[["num", "den"]].sum(
            min_count=1
        )
        with np.errstate(invalid="ignore", divide="ignore"):
            agg["value"] = np.where(agg["den"] > 0, agg["num"] / agg["den"], np.nan) * multiplier
    else:
        work["v"] = m.value
        agg = work.groupby(["x", "group"], sort=True, observed=True).agg(
            value=("v", "mean"), num=("v", "size")
        )
        agg["den"] = np.nan
        agg["num"] = np.nan
    return agg.reset_index()


def _group_values(
    data: Any,
    *,
    x: str,
    group: str,
    value: str | None,
    numerator: str | None,
    denominator: str | None,
    multiplier: float,
) -> pd.DataFrame:
    """One row per (x, group): value, numerator, denominator (validated); see :func:`_grouped`."""
    m = _measure(data, x=x, group=group, value=value, numerator=numerator, denominator=denominator)
    return _grouped(m, x=x, group=group, multiplier=multiplier)


def _single(a: NDArray[np.float64]) -> NDArray[np.float64]:
    """The sum (or mean) of one value as pandas' grouped sums give it: ``0.0 + value``
    (so -0.0 becomes 0.0), and a missing value stays missing."""
    return np.where(np.isnan(a), np.nan, 0.0 + a)


def _pair_from_rows(
    m: _Measure,
    *,
    x: str,
    group: str,
    focus: Any,
    reference: Any,
    measure: str,
    multiplier: float,
) -> pd.DataFrame | None:
    """:func:`gap_series` read straight from the rows, when each row is its own subgroup.

    That is when x is a whole number or a date (sorted and matched exactly), the group is
    text with none missing, both groups are present and neither repeats an x: the grouped
    sums and the pivot then only move values, so arrays do it without building either
    frame. Otherwise None (pandas then groups, pivots and reports).
    """
    frame = m.frame
    x_all = frame[x].to_numpy()
    labels = frame[group]
    if not (
        isinstance(x_all, np.ndarray)
        and x_all.dtype.kind in "iumM"
        and isinstance(focus, str)
        and isinstance(reference, str)
        and pd.api.types.infer_dtype(labels, skipna=False) == "string"
    ):
        return None
    if labels.isna().any() or (x_all.dtype.kind in "mM" and np.isnat(x_all).any()):
        return None
    xs = np.unique(x_all)
    out: dict[str, NDArray[Any]] = {"x": xs}
    for role, g in (("focus", focus), ("reference", reference)):
        rows = np.flatnonzero((labels == g).to_numpy(dtype=bool))
        at = np.searchsorted(xs, x_all[rows])
        if rows.size == 0 or np.unique(at).size != at.size:
            return None  # not in the data, or an x with several rows
        if m.num is not None and m.den is not None:
            num, den = _single(m.num[rows]), _single(m.den[rows])
            with np.errstate(invalid="ignore", divide="ignore"):
                val = np.where(den > 0, num / den, np.nan) * multiplier
        else:
            assert m.value is not None
            val = _single(m.value[rows])
            num = den = np.full(rows.size, np.nan)
        for name, per_row in (("value", val), ("numerator", num), ("denominator", den)):
            column = np.full(xs.shape[0], np.nan)
            column[at] = per_row
            out[f"{name}_{role}"] = column
    a, b = out["value_focus"], out["value_reference"]
    with np.errstate(invalid="ignore", divide="ignore"):
        out["gap"] = a - b if measure == "difference" else np.where(b != 0, a / b, np.nan)
    return pd.DataFrame(out)


def gap_series(
    data: Any,
    *,
    x: str,
    group: str,
    focus: Any,
    reference: Any,
    numerator: str | None = None,
    denominator: str | None = None,
    value: str | None = None,
    measure: str = "difference",
    multiplier: float = 1.0,
) -> pd.DataFrame:
    """Per x: the value of the ``focus`` group, of the ``reference`` group, and the gap
    (focus - reference, or focus / reference)."""
    if measure not in ("difference", "ratio"):
        raise InputError(
            Problem(
                what="measure must be 'difference' or 'ratio' for a gap between two groups",
                fix="use measure='difference' (absolute gap) or 'ratio' (relative gap)",
                value=str(measure),
            )
        )
    m = _measure(data, x=x, group=group, value=value, numerator=numerator, denominator=denominator)
    fast = _pair_from_rows(
        m,
        x=x,
        group=group,
        focus=focus,
        reference=reference,
        measure=measure,
        multiplier=multiplier,
    )
    if fast is not None:
        return fast
    values = _grouped(m, x=x, group=group, multiplier=multiplier)
    present = set(values["group"].tolist())
    missing = [g for g in (focus, reference) if g not in present]
    if missing:
        shown = ", ".join(map(str, sorted(present, key=str)[:20]))
        raise InputError(
            [
                Problem(
                    what="this group is not in the data",
                    fix=f"use one of the groups in column '{group}': {shown}",
                    column=group,
                    value=str(g),
                )
                for g in missing
            ]
        )
    wide = values.pivot_table(
        index="x", columns="group", values=["value", "num", "den"], aggfunc="first", dropna=False
    )
    out = pd.DataFrame({"x": wide.index.to_numpy()})
    for role, g in (("focus", focus), ("reference", reference)):
        out[f"value_{role}"] = wide[("value", g)].to_numpy(dtype=np.float64)
        out[f"numerator_{role}"] = wide[("num", g)].to_numpy(dtype=np.float64)
        out[f"denominator_{role}"] = wide[("den", g)].to_numpy(dtype=np.float64)
    a, b = out["value_focus"], out["value_reference"]
    with np.errstate(invalid="ignore", divide="ignore"):
        gap = a - b if measure == "difference" else np.where(b != 0, a / b, np.nan)
    out["gap"] = np.asarray(gap, dtype=np.float64)
    return out


def sii_series(
    data: Any,
    *,
    x: str,
    group: str,
    order: Sequence[Any],
    numerator: str | None = None,
    denominator: str | None = None,
    value: str | None = None,
    population: str | None = None,
    multiplier: float = 1.0,
) -> pd.DataFrame:
    """Per x: the slope index of inequality across the groups listed in ``order``.

    Weights are the ``population`` column summed per (x, group), or the denominator.
    Groups not in ``order`` are left out; every x needs at least two ranked groups.
    """
    values = _group_values(
        data,
        x=x,
        group=group,
        value=value,
        numerator=numerator,
        denominator=denominator,
        multiplier=multiplier,
    )
    frame = as_pandas(data)
    if population is not None:
        problems = ProblemCollector()
        problems.extend(check_columns(frame, {"population": population}))
        problems.raise_if_any()
        pop = pd.DataFrame(
            {
                "x": frame[x].to_numpy(),
                "group": frame[group].to_numpy(),
                "w": numeric_column(frame, population, problems),
            }
        )
        problems.raise_if_any()
        w = pop.groupby(["x", "group"], sort=True, observed=True)["w"].sum().reset_index()
        values = values.merge(w, on=["x", "group"], how="left")
    else:
        values["w"] = values["den"]
    if values["w"].isna().all():
        raise InputError(
            Problem(
                what="the SII needs population weights",
                fix="give population= (or numerator= and denominator=, whose denominator is used)",
            )
        )
    rank_of = {g: i for i, g in enumerate(order)}
    values["rank_order"] = values["group"].map(rank_of)
    values = values[values["rank_order"].notna() & values["value"].notna() & (values["w"] > 0)]
    values = values.sort_values(["x", "rank_order"], kind="mergesort").reset_index(drop=True)
    xs, xid = np.unique(values["x"].to_numpy(), return_inverse=True)
    w = values["w"].to_numpy(dtype=np.float64)
    v = values["value"].to_numpy(dtype=np.float64)
    total = np.bincount(xid, weights=w)
    cum = np.cumsum(w) - np.concatenate(([0.0], np.cumsum(total)))[xid]
    rank = (cum - w / 2.0) / total[xid]
    sw = total
    rbar = np.bincount(xid, weights=w * rank) / sw
    vbar = np.bincount(xid, weights=w * v) / sw
    sxy = np.bincount(xid, weights=w * (rank - rbar[xid]) * (v - vbar[xid]))
    sxx = np.bincount(xid, weights=w * (rank - rbar[xid]) ** 2)
    k = np.bincount(xid)
    with np.errstate(invalid="ignore", divide="ignore"):
        sii = np.where((k >= 2) & (sxx > 0), sxy / sxx, np.nan)
    return pd.DataFrame({"x": xs, "sii": sii, "groups": k})


def _phase_per_x(data: Any, x: str, column: str) -> pd.DataFrame:
    """The phase label of each x (first row), to carry a phase column onto the gap series."""
    frame = as_pandas(data)
    problems = ProblemCollector()
    problems.extend(check_columns(frame, {"phases": column}))
    problems.raise_if_any()
    labels = pd.DataFrame({"x": frame[x].to_numpy(), column: frame[column].to_numpy()})
    return labels.groupby("x", sort=True, observed=True)[column].first().reset_index()


def _with_phases(series: pd.DataFrame, data: Any, x: str, column: str) -> pd.DataFrame:
    """``series`` with the phase label of each of its x: that of the first row with the x.

    Whole-number labels (never missing) on whole-number or date x are looked up in arrays;
    anything else is grouped and merged by pandas (:func:`_phase_per_x`).
    """
    frame = as_pandas(data)
    if column in frame.columns and column != "x" and column not in series.columns:
        x_all = frame[x].to_numpy()
        labels = frame[column].to_numpy()
        sx = series["x"].to_numpy()
        if (
            isinstance(x_all, np.ndarray)
            and x_all.dtype.kind in "iumM"
            and labels.dtype.kind in "iub"
            and sx.dtype == x_all.dtype
            and not (x_all.dtype.kind in "mM" and np.isnat(x_all).any())
        ):
            xs, first = np.unique(x_all, return_index=True)  # first row of each x
            at = np.minimum(np.searchsorted(xs, sx), max(xs.shape[0] - 1, 0))
            if xs.shape[0] and np.array_equal(xs[at], sx):
                out = series.copy(deep=False)
                out[column] = labels[first[at]]
                return out
    return series.merge(_phase_per_x(data, x, column), on="x", how="left")


def _with_columns(points: pd.DataFrame, series: pd.DataFrame, extra: list[str]) -> pd.DataFrame:
    """``points`` with the ``extra`` columns of ``series`` matched on x.

    The chart has one point per x of the series, in its order, so the columns are copied
    across; should they differ, pandas merges them.
    """
    px, sx = points["x"].to_numpy(), series["x"].to_numpy()
    if (
        isinstance(px, np.ndarray)
        and px.dtype.kind in "iufmM"
        and px.dtype == sx.dtype
        and px.shape == sx.shape
        and np.array_equal(px, sx)  # NaT or NaN never equal: merged
        and not set(extra) & set(points.columns)
    ):
        out = points.copy(deep=False)
        for c in extra:
            out[c] = series[c].to_numpy()
        return out
    return points.merge(series[["x", *extra]], on="x", how="left")


def gap_chart(
    data: Any,
    *,
    x: str,
    group: str,
    focus: Any = None,
    reference: Any = None,
    numerator: str | None = None,
    denominator: str | None = None,
    value: str | None = None,
    measure: str = "difference",
    order: Sequence[Any] | None = None,
    population: str | None = None,
    multiplier: float = 1.0,
    chart: str = "xmr",
    rules: str = "mdc",
    improvement: str = "neutral",
    phases: PhaseSpec = None,
    freeze: int | None = None,
    exclude: Sequence[int] | None = None,
    target: TargetSpec = None,
    trend_length: int = 7,
    shift_length: int = 7,
    screen_outliers: bool = True,
) -> SPCResult:
    """Chart the gap between two groups (or the SII across ordered groups) over x.

    ``data`` is tidy: one row per (x, group) or finer, with ``numerator`` and ``denominator``
    counts (value = sum(numerator) / sum(denominator) × ``multiplier``) or a ``value``
    column (mean per x and group). ``measure="difference"`` charts focus - reference,
    ``"ratio"`` focus / reference, ``"sii"`` the slope index of inequality across ``order``
    (weights: ``population`` or the denominator). The series is charted with ``chart`` (XmR
    by default) and ``rules`` (Making Data Count by default); ``improvement`` says whether a
    larger gap is better (``increase``), worse (``decrease``) or neither (``neutral``, the
    default — e.g. when a gap may close from either side). ``phases`` may name a column of
    ``data`` (its label at each x is used), or list x values, as in :func:`spc`.

    The point frame has one group, labelled ``"focus - reference"`` (``"focus / reference"``,
    ``"SII"``), and carries the two group values as ``value_focus``/``value_reference`` (or the
    number of ranked groups as ``groups`` for the SII).
    """
    if measure not in MEASURES:
        raise InputError(
            Problem(
                what=f"measure must be one of {', '.join(MEASURES)}",
                fix="use 'difference', 'ratio' or 'sii'",
                value=str(measure),
            )
        )
    if measure == "sii":
        if not order:
            raise InputError(
                Problem(
                    what="the SII needs the order of the groups",
                    fix="give order=[...] from the most to the least disadvantaged group",
                )
            )
        series = sii_series(
            data,
            x=x,
            group=group,
            order=order,
            numerator=numerator,
            denominator=denominator,
            value=value,
            population=population,
            multiplier=multiplier,
        ).rename(columns={"sii": "gap"})
        label = "SII"
        extra = ["groups"]
    else:
        if focus is None or reference is None:
            raise InputError(
                Problem(
                    what="a gap needs two groups",
                    fix="give focus=... and reference=... (the group values to compare)",
                )
            )
        series = gap_series(
            data,
            x=x,
            group=group,
            focus=focus,
            reference=reference,
            numerator=numerator,
            denominator=denominator,
            value=value,
            measure=measure,
            multiplier=multiplier,
        )
        sep = " - " if measure == "difference" else " / "
        label = f"{focus}{sep}{reference}"
        extra = ["value_focus", "value_reference"]
    series["series"] = label
    if isinstance(phases, str):
        series = _with_phases(series, data, x, phases)
    result = spc(
        series,
        x="x",
        y="gap",
        chart=chart,
        group="series",
        rules=rules,
        improvement=improvement,
        phases=phases,
        freeze=freeze,
        exclude=exclude,
        target=target,
        trend_length=trend_length,
        shift_length=shift_length,
        screen_outliers=screen_outliers,
    )
    points = _with_columns(result.points, series, extra)
    settings = {
        **result.settings,
        "measure": measure,
        "group_column": group,
        "focus": focus,
        "reference": reference,
    }
    return replace(
        result,
        points=points,
        method=f"{measure} between groups ({label}); {result.method}",
        settings=settings,
    )
