"""``spc()``: every chart type, every group and phase, in one vectorised call.

Chart conventions follow *qicharts2* (``qic``) and, for ``chart="xmr"``, the NHS England
*Making Data Count* tool as implemented by *NHSRplotthedots* (``ptd_spc``); the differences
we chose are listed in ``docs/deviations.md``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from equalqi.spc.assurance import assurance
from equalqi.spc.limits import compute_limits
from equalqi.spc.prepare import CentreSpec, PhaseSpec, Prepared, TargetSpec, prepare
from equalqi.spc.result import SPCResult
from equalqi.spc.rules import anhoej, combine, mdc_rules
from equalqi.spc.rules.anhoej import MAX_BOX_N, RunsAnalysis
from equalqi.spc.rules.combine import CLASS_NAMES, POINT_TYPES
from equalqi.spc.segments import last_in_segment, seg_count, seg_mean

#: fewer points than this in a phase gives trial limits (NHSRplotthedots' threshold)
SHORT_PHASE = 13
#: fewer useful points than this and the Anhøj rules have little power (Anhøj 2014 tables)
FEW_USEFUL = 10

_NO_LIMITS = frozenset({"run"})
_MR_BASED = frozenset({"i", "xmr", "t", "pp", "up"})
_VARIATION = {
    "common": "common_cause",
    "improvement": "special_cause_improvement",
    "concern": "special_cause_concern",
    "neutral": "special_cause_neutral",
}


def _typed(table: NDArray[Any]) -> Any:
    """The short ``table`` typed as a column of it would be (text: pandas' string dtype)."""
    return pd.Series(table).array


@lru_cache(maxsize=64)
def _typed_words(words: tuple[str, ...], text_dtype: object) -> Any:
    """:func:`_typed` of a fixed table of words (rules, labels, classes), made once per
    table and text dtype rather than once per chart; takes from it give new arrays."""
    return _typed(np.array(words, dtype=object))


def _decode(table: NDArray[Any], codes: NDArray[np.integer[Any]]) -> Any:
    """``table[codes]`` as the column pandas would make of it, without a Python object per row.

    The short table of words is typed once (text becomes pandas' string dtype, as a column
    of Python strings would) and then taken by code, so millions of points cost one array
    take.
    """
    text_dtype = pd.get_option("future.infer_string")  # part of the key: typing depends on it
    return _typed_words(tuple(table.tolist()), text_dtype).take(codes)


def _own(a: NDArray[Any]) -> NDArray[Any]:
    """A writable array the points frame can own (read-only views come from pandas)."""
    return a if a.flags.writeable else a.copy()


def _scale(a: NDArray[np.float64], multiplier: float) -> NDArray[np.float64]:
    out = a * multiplier
    out[np.isinf(out)] = np.nan  # in place: NaN stays NaN, infinite limits become NaN
    return out


def _centre_text(cl: CentreSpec, chart: str) -> str:
    """'centre line fixed by the user at …', from the user's own numbers."""
    if cl is None:
        return ""

    def values(spec: float | Sequence[float]) -> str:
        if isinstance(spec, int | float | np.number):
            return f"{float(spec):g}"
        return ", ".join(f"{float(v):g} (phase {i})" for i, v in enumerate(spec, start=1))

    if isinstance(cl, Mapping):
        text = "; ".join(f"{values(v)} for group {k!r}" for k, v in cl.items())
        text += " (other groups: calculated)"
    else:
        text = values(cl)
    if chart == "g":
        return (
            f"centre line fixed by the user at a mean of {text}; the line drawn is its "
            "theoretical median, 0.693 x the mean, as in qicharts2"
        )
    return f"centre line fixed by the user at {text}, in place of the calculated one"


def _points_text(count: float) -> str:
    return f"{int(count)} point" if count == 1 else f"{int(count)} points"


def _warnings(
    p: Prepared,
    chart: str,
    rules: str,
    freeze: int | None,
    runs: RunsAnalysis,
    cl_last: NDArray[np.float64],
    ucl_last: NDArray[np.float64],
) -> NDArray[np.object_]:
    """Plain-language warnings per segment, joined with '; '.

    Each condition is tested on every segment at once; text is written only for the
    segments with a warning (none in a long national run), so a chart of a few segments
    builds no string columns and one of 100,000 segments loops over none of them.
    """
    n_points = np.bincount(p.seg, minlength=p.n_seg).astype(np.float64)
    usable = p.base & ~np.isnan(p.value)
    if chart in ("xbar", "s"):
        usable = p.base & (p.ylen > 0)
    n_base = seg_count(p.seg, usable, p.n_seg)
    never = np.zeros(p.n_seg, dtype=bool)
    limits = chart not in _NO_LIMITS
    short = n_points < SHORT_PHASE if limits else never
    frozen = n_points < freeze if freeze is not None else never
    few_base = n_base < 2 if limits else never
    zero_mr = (
        ~few_base & ~np.isnan(cl_last) & np.isnan(ucl_last)
        if limits and chart in _MR_BASED
        else never
    )
    runs_rules = rules in ("anhoej", "both") and chart != "mr" and not p.categorical_x
    few_useful = runs.n_useful < FEW_USEFUL if runs_rules else never
    fallback = runs.box_fallback if runs_rules else never

    out = np.full(p.n_seg, "", dtype=object)
    flagged = short | frozen | few_base | zero_mr | few_useful | fallback
    for i in np.flatnonzero(flagged).tolist():
        points, useful = _points_text(n_points[i]), int(runs.n_useful[i])
        parts = []
        if short[i]:
            parts.append(
                f"only {points} in this phase: the limits are trial limits (at least "
                f"{SHORT_PHASE - 1} points are recommended, 20 or more for firm limits)"
            )
        if frozen[i]:
            parts.append(f"freeze={freeze} but this phase has only {points}; all of them were used")
        if few_base[i]:
            parts.append("fewer than 2 usable baseline values: limits cannot be calculated")
        if zero_mr[i]:
            parts.append(
                "every moving range is zero (or was screened out): limits cannot be calculated"
            )
        if few_useful[i]:
            parts.append(
                f"only {useful} points off the centre line: the runs rules have little power"
            )
        if fallback[i]:
            parts.append(
                f"{useful} points off the centre line: the box limits are computed for up to "
                f"{MAX_BOX_N}, so the Anhøj limits were used for this phase"
            )
        out[i] = "; ".join(parts)
    return out


def spc(
    data: Any,
    *,
    x: str,
    y: str,
    n: str | None = None,
    chart: str = "run",
    group: str | None = None,
    rules: str = "mdc",
    improvement: str = "neutral",
    multiplier: float = 1.0,
    phases: PhaseSpec = None,
    freeze: int | None = None,
    exclude: Sequence[int] | None = None,
    target: TargetSpec = None,
    trend_length: int = 7,
    shift_length: int = 7,
    screen_outliers: bool = True,
    trajectory: str | None = None,
    cl: CentreSpec = None,
    method: str = "anhoej",
) -> SPCResult:
    """Statistical process control chart data for every group of ``data`` at once.

    Parameters
    ----------
    data
        Tidy table (pandas, or Polars/Arrow via ``to_pandas``): one row per subgroup, or per
        observation for Xbar/S charts (several rows per x are aggregated).
    x, y, n
        Column names. For ``p``/``pp``/``u``/``up`` charts ``y`` is the numerator count and
        ``n`` the denominator; the plotted value is ``y / n * multiplier``. For ``c`` ``y`` is
        a count; for run/i/xmr/t/g ``y`` is the value (divided by ``n`` if ``n`` is given, as
        in *qicharts2*); for ``xbar``/``s`` ``y`` holds the individual measurements.
    chart
        ``run`` (median), ``i`` (qicharts2 individuals: mean MR / 1.128), ``xmr`` (Making Data
        Count: 2.66 × mean MR), ``mr``, ``xbar``, ``s``, ``t``, ``p``, ``pp`` (Laney P′), ``c``,
        ``u``, ``up`` (Laney U′), ``g``.
    group
        Column whose every distinct value is charted separately (``"All"`` if None).
    rules
        ``mdc`` (outside limits, trend, two of three beyond 2 sigma, shift), ``anhoej``
        (outside limits, longest run, crossings), ``both`` or ``none``.
    improvement
        ``increase``, ``decrease`` or ``neutral``: maps each signal to improvement, concern or
        neutral.
    phases
        Column of phase labels, or x values at which a new phase starts (rebase), or a
        mapping of group to such values. Each phase has its own centre line and limits.
    freeze
        Number of points at the start of each phase that form its baseline.
    exclude
        1-based positions (within each group) left out of centre line, limits and runs.
    target
        Target on the plotted scale (or mapping of group to target), for assurance.
    trend_length, shift_length
        Points needed for an MDC trend and shift (MDC has used 6 and 7).
    screen_outliers
        Drop moving ranges of 3.267 × the mean moving range or more before estimating sigma
        (i, xmr, t, pp, up charts).
    trajectory
        Optional column with a trajectory (expected path) to plot alongside the target.
    cl
        Centre line fixed by the user (*qicharts2* ``cl``), on the plotted scale (after the
        multiplier), used for the runs rules and as the centre of the limits: one number,
        one per phase, or a mapping of group to either. On a G chart it is the mean and the
        line drawn is 0.693 x it, as in *qicharts2*.
    method
        Runs analysis: ``anhoej`` (separate limits for longest run and crossings),
        ``bestbox`` or ``cutbox`` (limits chosen from their exact joint distribution;
        Anhøj & Wentzel-Larsen 2020). Needs ``rules="anhoej"`` or ``"both"``.
    """
    p = prepare(
        data,
        x=x,
        y=y,
        n=n,
        chart=chart,
        group=group,
        rules=rules,
        improvement=improvement,
        multiplier=multiplier,
        phases=phases,
        freeze=freeze,
        exclude=exclude,
        target=target,
        trend_length=trend_length,
        shift_length=shift_length,
        trajectory=trajectory,
        cl=cl,
        method=method,
    )
    lim = compute_limits(chart, p, screen_outliers=screen_outliers)
    m = float(multiplier)
    yv = lim.y * m
    centre_line = _scale(lim.cl, m)
    lcl = _scale(lim.lcl, m)
    ucl = _scale(lim.ucl, m)
    lcl_2s = _scale(lim.lcl_2s, m)
    ucl_2s = _scale(lim.ucl_2s, m)

    with np.errstate(invalid="ignore"):
        above = yv > ucl
        below = yv < lcl
    sigma_signal = above | below
    sigma_side = above.view(np.int8) - below.view(np.int8)

    runs = anhoej(yv, centre_line, p.seg, p.include, p.n_seg, method=method)
    runs_apply = chart != "mr" and not p.categorical_x
    runs_signal = (runs.runs_signal & runs_apply)[p.seg]

    mdc = None
    if rules in ("mdc", "both"):
        mdc = mdc_rules(
            yv,
            centre_line,
            lcl,
            ucl,
            lcl_2s,
            ucl_2s,
            p.seg,
            trend_length=trend_length,
            shift_length=shift_length,
            runs=runs_apply,
        )
    size = p.size
    signals = combine(
        size,
        outside=sigma_signal if rules != "none" else np.zeros(size, dtype=bool),
        outside_side=sigma_side,
        mdc=mdc,
        runs=runs if rules in ("anhoej", "both") and runs_apply else None,
        improvement=improvement,
        trend_length=trend_length,
        shift_length=shift_length,
    )

    group_table = _typed(p.groups)  # typed once for the points and the summary
    if p.group_values is not None and p.group_values.dtype == group_table.dtype:
        group_of_point = p.group_values  # the rows were already one per point, in order
    else:
        group_of_point = group_table.take(p.gid)
    if isinstance(phases, str):
        phase_label: Any = p.phase_label
    else:  # no label column: every label is ""
        phase_label = _decode(np.array([""], dtype=object), np.zeros(size, dtype=np.int64))
    class_names = np.asarray(CLASS_NAMES, dtype=object)
    if chart in ("xbar", "s"):
        n_out = p.ylen
    elif p.got_n:
        n_out = p.n
    else:
        n_out = np.full(size, np.nan)
    points = pd.DataFrame(
        {
            "group": group_of_point,
            "phase": p.phase,
            "phase_label": phase_label,
            "x": _own(p.x),
            "y": yv,
            "n": _own(n_out),
            "cl": centre_line,
            "lcl": lcl,
            "ucl": ucl,
            "lcl_2s": lcl_2s,
            "ucl_2s": ucl_2s,
            "target": p.target,
            "trajectory": _own(p.trajectory) if trajectory else np.full(size, np.nan),
            "baseline": p.base,
            "excluded": ~p.include,
            "sigma_signal": sigma_signal,
            "runs_signal": runs_signal,
            "signal": signals.signal,
            "rule": _decode(signals.rule_table, signals.code),
            "rule_label": _decode(signals.label_table, signals.code),
            "direction": signals.direction,
            "classification": _decode(class_names, signals.klass),
            "point_type": _decode(np.asarray(POINT_TYPES, dtype=object), signals.klass),
        },
        copy=False,  # every column is a new array; no need to copy them into blocks
    )

    # ---- summary per group x phase --------------------------------------------------
    last = np.flatnonzero(last_in_segment(p.seg))
    seg_group = p.gid[last]
    last_of_group = np.ones(last.size, dtype=bool)
    last_of_group[:-1] = seg_group[1:] != seg_group[:-1]
    # classification codes: 0 common, 1 improvement, 2 concern, 3-5 neutral (CLASS_NAMES)
    per_class = np.bincount(p.seg * 6 + signals.klass, minlength=p.n_seg * 6).reshape(-1, 6)
    counts = {
        "common_cause": per_class[:, 0].astype(np.int64),
        "special_cause_improvement": per_class[:, 1].astype(np.int64),
        "special_cause_concern": per_class[:, 2].astype(np.int64),
        "special_cause_neutral": per_class[:, 3:].sum(axis=1).astype(np.int64),
    }
    kl = class_names[signals.klass[last]]
    variation = np.select(
        [kl == k for k in _VARIATION], list(_VARIATION.values()), default="common_cause"
    ).astype(object)
    decrease = improvement == "decrease"
    icon = np.select(
        [kl == "improvement", kl == "concern", (kl == "neutral") & (signals.direction[last] < 0)],
        [
            "improvement_low" if decrease else "improvement_high",
            "concern_high" if decrease else "concern_low",
            "neutral_low",
        ],
        default="neutral_high",
    ).astype(object)
    icon = np.where(kl == "common", "common_cause", icon).astype(object)
    assure = assurance(p.target[last], lcl[last], ucl[last], improvement)
    assure = np.where(last_of_group, assure, "none").astype(object)
    all_points = np.ones(size, dtype=bool)
    n_points = np.bincount(p.seg, minlength=p.n_seg).astype(np.int64)
    summary = pd.DataFrame(
        {
            "group": group_table.take(seg_group),
            "phase": p.phase[last],
            "phase_label": p.phase_label[last],
            "n_points": n_points,
            "n_baseline": seg_count(p.seg, p.base, p.n_seg).astype(np.int64),
            "n_obs": runs.n_obs.astype(np.int64),
            "n_useful": runs.n_useful.astype(np.int64),
            "cl": centre_line[last],
            "cl_fixed": ~np.isnan(p.cl_fixed) if p.cl_fixed is not None else False,
            "lcl": lcl[last],
            "ucl": ucl[last],
            "lcl_2s": lcl_2s[last],
            "ucl_2s": ucl_2s[last],
            "mean_lcl": seg_mean(p.seg, lcl, all_points, p.n_seg),
            "mean_cl": seg_mean(p.seg, centre_line, all_points, p.n_seg),
            "mean_ucl": seg_mean(p.seg, ucl, all_points, p.n_seg),
            "longest_run": runs.longest_run,
            "longest_run_max": runs.longest_run_max,
            "n_crossings": runs.n_crossings,
            "n_crossings_min": runs.n_crossings_min,
            "crossings_border": runs.crossings_border,
            "longest_run_border": runs.longest_run_border,
            "runs_signal": runs.runs_signal & runs_apply,
            "sigma_signals": seg_count(p.seg, sigma_signal, p.n_seg).astype(np.int64),
            **counts,
            "variation": variation,
            "variation_icon": icon,
            "target": p.target[last],
            "assurance": assure,
            "short_group_warning": n_points < SHORT_PHASE,
            "warnings": _warnings(p, chart, rules, freeze, runs, centre_line[last], ucl[last]),
        }
    )

    runs_text = {
        "anhoej": "Anhøj runs rules (longest run, crossings)",
        "bestbox": "runs analysis by best box (longest run and crossings limits chosen "
        "together, Anhøj & Wentzel-Larsen 2020)",
        "cutbox": "runs analysis by cut box (best box with its corner cut, "
        "Anhøj & Wentzel-Larsen 2020)",
    }[method]
    rule_text = {
        "mdc": f"Making Data Count rules (trend {trend_length}, shift {shift_length})",
        "anhoej": f"{runs_text} and points outside the limits",
        "both": f"Making Data Count rules (trend {trend_length}, shift {shift_length}) "
        + ("and Anhøj runs rules" if method == "anhoej" else f"and {runs_text}"),
        "none": "no rules",
    }[rules]
    centre_text = _centre_text(cl, chart)
    notes: tuple[str, ...] = ()
    if p.rows_without_x:
        shown = ", ".join(str(r) for r in p.rows_without_x[:10])
        more = " ..." if len(p.rows_without_x) > 10 else ""
        notes = (
            f"{len(p.rows_without_x)} row(s) without a value in column '{x}' were left out "
            f"(rows {shown}{more})",
        )
    return SPCResult(
        notes=notes,
        points=points,
        summary_table=summary,
        chart=chart,
        rules=rules,
        improvement=improvement,
        method=f"{lim.method}; {rule_text}" + (f"; {centre_text}" if centre_text else ""),
        multiplier=m,
        settings={
            "x": x,
            "y": y,
            "n": n,
            "group": group,
            "freeze": freeze,
            "exclude": [int(e) for e in exclude] if exclude else None,
            "trend_length": trend_length,
            "shift_length": shift_length,
            "screen_outliers": screen_outliers,
            "target": target if isinstance(target, int | float) else None,
            "cl": cl if isinstance(cl, int | float) else None,
            "method": method,
        },
    )
