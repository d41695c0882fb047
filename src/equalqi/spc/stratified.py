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
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from equalqi.errors import InputError, Problem, ProblemCollector
from equalqi.spc.chart import spc
from equalqi.spc.prepare import PhaseSpec, TargetSpec
from equalqi.spc.result import SPCResult
from equalqi.spc.validate import as_pandas, check_columns, numeric_column

MEASURES: tuple[str, ...] = ("difference", "ratio", "sii")


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
    """One row per (x, group): value, numerator, denominator (validated).

    With numerator and denominator the value is ``sum(numerator) / sum(denominator) ×
    multiplier`` (they take precedence over ``value``); otherwise the mean of ``value``.
    """
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
    work = pd.DataFrame({"x": frame[x].to_numpy(), "group": frame[group].to_numpy()})
    if numerator is not None and denominator is not None:
        work["num"] = numeric_column(frame, numerator, problems)
        work["den"] = numeric_column(frame, denominator, problems)
        problems.raise_if_any()
        agg = work.groupby(["x", "group"], sort=True, observed=True)[["num", "den"]].sum(
            min_count=1
        )
        with np.errstate(invalid="ignore", divide="ignore"):
            agg["value"] = np.where(agg["den"] > 0, agg["num"] / agg["den"], np.nan) * multiplier
    else:
        assert value is not None
        work["v"] = numeric_column(frame, value, problems)
        problems.raise_if_any()
        agg = work.groupby(["x", "group"], sort=True, observed=True).agg(
            value=("v", "mean"), num=("v", "size")
        )
        agg["den"] = np.nan
        agg["num"] = np.nan
    return agg.reset_index()


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
    values = _group_values(
        data,
        x=x,
        group=group,
        value=value,
        numerator=numerator,
        denominator=denominator,
        multiplier=multiplier,
    )
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
        series = series.merge(_phase_per_x(data, x, phases), on="x", how="left")
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
    points = result.points.merge(series[["x", *extra]], on="x", how="left")
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
