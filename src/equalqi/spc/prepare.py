"""Turn a tidy frame into sorted subgroup arrays: groups, phases, baseline and exclusions.

Conventions (those of *qicharts2* unless said otherwise):

* rows are aggregated to one subgroup per (group, x): ``y`` is summed for counts, and its
  mean, standard deviation and number of non-missing values are kept for Xbar/S charts;
  with a denominator the subgroup value is ``sum(y) / sum(n)``; rows with ``y`` or ``n``
  missing count as missing in both (``complete.cases``);
* subgroups are sorted by x within each group; groups are sorted;
* ``phases`` as a column name: a new phase starts wherever the label changes along x;
  as a sequence of x values: a new phase starts at the first x on or after each value
  (the *NHSRplotthedots* ``rebase``); as a mapping: a sequence per group;
* ``freeze = k``: only the first k subgroups of each phase form its baseline
  (*NHSRplotthedots* ``fix_after_n_points``);
* ``exclude``: 1-based positions within each group left out of every calculation of centre
  line, limits and runs (*qicharts2* ``exclude``);
* ``cl``: a centre line fixed by the user (*qicharts2* ``cl``), on the plotted scale: one
  number for every phase, one number per phase (the same count in every group), or a
  mapping of group to either; groups left out of a mapping get the calculated centre line.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from equalqi.errors import InputError, Problem, ProblemCollector
from equalqi.spc.segments import first_in_segment, position_in_segment
from equalqi.spc.validate import (
    as_pandas,
    check_centre,
    check_columns,
    check_settings,
    check_target,
    check_values,
    numeric_column,
)

Arr = NDArray[np.float64]
IntArr = NDArray[np.int64]
BoolArr = NDArray[np.bool_]

PhaseSpec = str | Sequence[Any] | Mapping[Any, Sequence[Any]] | None
TargetSpec = float | Mapping[Any, float] | None
CentreSpec = float | Sequence[float] | Mapping[Any, float | Sequence[float]] | None
#: columns of equal length by name (the rows, then the subgroups, as plain arrays)
Columns = dict[str, Any]


@dataclass(frozen=True)
class Prepared:
    """Subgroup arrays sorted by (group, x), one entry per subgroup."""

    groups: NDArray[Any]  # sorted distinct group labels
    gid: IntArr  # group index per subgroup
    x: NDArray[Any]
    phase: IntArr  # 1-based phase within group
    phase_label: NDArray[Any]
    seg: IntArr  # contiguous (group, phase) segment id
    n_seg: int
    pos_group: IntArr  # 0-based position within group
    pos_phase: IntArr  # 0-based position within phase
    base: BoolArr  # used for centre line and limits
    include: BoolArr  # not excluded
    value: Arr  # subgroup value before the multiplier
    ysum: Arr
    ylen: Arr
    ymean: Arr
    ysd: Arr
    n: Arr
    got_n: bool
    categorical_x: bool
    target: Arr
    trajectory: Arr
    rows_without_x: tuple[int, ...] = ()  # spreadsheet rows left out (x missing)
    cl_fixed: Arr | None = None  # per segment: user's centre line before the multiplier, or NaN
    #: the group label of every subgroup, when it is the input's own text column in order
    group_values: Any = None

    @property
    def size(self) -> int:
        return int(self.gid.shape[0])


_ISO_DATE_TEXT = r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"


def _dates_from_text(frame: pd.DataFrame, x: str) -> pd.DataFrame:
    """ISO date text (what ``read_csv`` gives for a date column) is read as dates.

    Text x would otherwise be categories, which silently turns off the runs rules, trends,
    shifts and 2-of-3 (issue 19). When most values are ISO dates but some are not, the
    column is refused with the first offending row rather than guessed.
    """
    col = frame[x]
    if not (pd.api.types.is_object_dtype(col) or pd.api.types.is_string_dtype(col)):
        return frame
    filled = col.dropna()
    if filled.empty or not all(isinstance(v, str) for v in filled):
        return frame
    text = filled.astype(str).str.strip()
    looks = text.str.fullmatch(_ISO_DATE_TEXT)
    if not looks.any():
        return frame
    parsed = pd.to_datetime(text.where(looks), errors="coerce", format="ISO8601")
    bad = ~looks | parsed.isna()
    if bad.any():
        first = bad[bad].index[0]
        position = int(frame.index.get_loc(first))
        raise InputError(
            Problem(
                what="x looks like dates (YYYY-MM-DD) but this value is not one",
                fix="Correct the value, or convert the column to dates yourself "
                "(pd.to_datetime) before calling spc().",
                row=position + 2,
                column=x,
                value=str(col.loc[first]),
            )
        )
    out = frame.copy()
    out[x] = pd.to_datetime(col.where(col.isna(), col.astype(str).str.strip()), format="ISO8601")
    return out


def _x_is_categorical(x: pd.Series) -> bool:
    """qicharts2 only connects points and runs rules when x is numeric or a date."""
    return not (
        pd.api.types.is_numeric_dtype(x)
        or pd.api.types.is_datetime64_any_dtype(x)
        or isinstance(x.dtype, pd.PeriodDtype)
    )


def _sort_order(g: IntArr, x: NDArray[Any]) -> tuple[NDArray[np.intp] | None, bool]:
    """The stable (g, x) sort order (None: already sorted) and whether a (g, x) pair repeats.

    Only for numeric and datetime x (the common case; other x go through pandas): the
    order is one ``np.lexsort`` (stable, as the merge sort it replaces), skipped altogether
    when the rows already come sorted, as a national measure table does.
    """
    with np.errstate(invalid="ignore"):
        if np.all((g[1:] > g[:-1]) | ((g[1:] == g[:-1]) & (x[1:] > x[:-1]))):
            return None, False
    order = np.lexsort((x, g))
    gs, xs = g[order], x[order]
    return order, bool(np.any((gs[1:] == gs[:-1]) & (xs[1:] == xs[:-1])))


def _one_per_row(cols: Columns, order: NDArray[np.intp] | None) -> Columns:
    """Subgroup columns when every row is its own subgroup: the rows, sorted by (g, x)."""
    if order is not None:
        cols = {c: v[order] for c, v in cols.items()}
    y = cols["y"].astype(np.float64, copy=False)
    return {
        **cols,
        "ysum": y,
        "ylen": (~np.isnan(y)).astype(np.float64),
        "ymean": y,
        "ysd": np.full(y.shape[0], np.nan),
        "nsum": cols["n"].astype(np.float64, copy=False),
    }


def _aggregate(cols: Columns, chart: str) -> tuple[Columns, bool]:
    """One subgroup per (g, x), sorted by g then x. True when that is the rows' own order.

    Numeric and date x with no repeated (g, x) pair (a measure table: the common case) stay
    plain arrays, with no frame built around them; other x and repeated pairs go through
    pandas (its column typing, sort and grouped sums), then back to arrays.
    """
    x = cols["x"]
    if (
        chart not in ("xbar", "s")
        and isinstance(x, np.ndarray)
        and x.dtype.kind in "iufmM"
        and x.dtype != np.float16  # a frame would not keep it as it is
    ):
        order, dup = _sort_order(cols["g"], x)
        if not dup:
            return _one_per_row(cols, order), order is None
    work = pd.DataFrame(cols, copy=False)  # never changed in place
    out, in_row_order = _aggregate_frame(work, chart)
    return {c: out[c].to_numpy() for c in out.columns}, in_row_order


def _aggregate_frame(work: pd.DataFrame, chart: str) -> tuple[pd.DataFrame, bool]:
    """:func:`_aggregate` for a frame (the column types pandas gives the input)."""
    if chart not in ("xbar", "s") and work["x"].dtype.kind in "iufmM":
        cols = {c: work[c].to_numpy() for c in work.columns}
        order, dup = _sort_order(cols["g"], cols["x"])
        if not dup:
            return pd.DataFrame(_one_per_row(cols, order), copy=False), order is None
        dup = True
    else:
        dup = work.duplicated(["g", "x"]).any() or chart in ("xbar", "s")
    if not dup:
        out = work.sort_values(["g", "x"], kind="mergesort").reset_index(drop=True)
        y = out["y"].to_numpy(dtype=np.float64)
        out["ysum"] = y
        out["ylen"] = (~np.isnan(y)).astype(np.float64)
        out["ymean"] = y
        out["ysd"] = np.nan
        out["nsum"] = out["n"].to_numpy(dtype=np.float64)
        return out, False
    grouped = work.groupby(["g", "x"], sort=True, observed=True)
    agg = grouped.agg(
        ysum=("y", "sum"),
        ylen=("y", "count"),
        ymean=("y", "mean"),
        ysd=("y", "std"),
        nsum=("n", "sum"),
        ncount=("n", "count"),
        trajectory=("trajectory", "first"),
        **({"phase_label": ("phase_label", "first")} if "phase_label" in work else {}),
    ).reset_index()
    agg["ylen"] = agg["ylen"].astype(np.float64)
    agg.loc[agg["ylen"] == 0, "ysum"] = np.nan
    agg.loc[agg["ncount"] == 0, "nsum"] = np.nan
    return agg.drop(columns="ncount"), False


def _phases_from_breaks(
    x: NDArray[Any], gid: IntArr, breaks: Sequence[Any], x_kind: pd.Series
) -> IntArr:
    """Number of break values in (first x of the group, x] for every subgroup."""
    if len(breaks) == 0:
        return np.zeros(x.shape[0], dtype=np.int64)
    if pd.api.types.is_datetime64_any_dtype(x_kind):
        b = np.sort(pd.to_datetime(pd.Series(list(breaks))).to_numpy(dtype=x.dtype))
    else:
        b = np.sort(np.asarray(list(breaks), dtype=x.dtype))
    first = first_in_segment(gid)
    first_x = x[np.maximum.accumulate(np.where(first, np.arange(x.shape[0]), 0))]
    return (np.searchsorted(b, x, side="right") - np.searchsorted(b, first_x, side="right")).astype(
        np.int64
    )


def _phase_numbers(
    phases: PhaseSpec,
    agg: Columns,
    gid: IntArr,
    groups: NDArray[Any],
    x_kind: pd.Series,
) -> tuple[IntArr, NDArray[Any]]:
    x = agg["x"]
    n = x.shape[0]
    first = first_in_segment(gid)
    if phases is None:
        return np.ones(n, dtype=np.int64), np.full(n, "", dtype=object)
    if isinstance(phases, str):
        labels = np.asarray(agg["phase_label"], dtype=object)
        codes, _ = pd.factorize(labels, use_na_sentinel=False)
        change = first.copy()
        change[1:] |= codes[1:] != codes[:-1]
        key = np.cumsum(change)
        phase = key - key[np.flatnonzero(first)][np.cumsum(first) - 1] + 1
        return phase.astype(np.int64), labels
    if isinstance(phases, Mapping):
        counts = np.zeros(n, dtype=np.int64)
        for label, breaks in phases.items():
            hit = np.flatnonzero(groups == label)
            if hit.size == 0:
                continue
            sel = gid == hit[0]
            counts[sel] = _phases_from_breaks(x[sel], gid[sel], list(breaks), x_kind)
    else:
        counts = _phases_from_breaks(x, gid, list(phases), x_kind)
    change = first.copy()
    change[1:] |= counts[1:] != counts[:-1]
    key = np.cumsum(change)
    phase = key - key[np.flatnonzero(first)][np.cumsum(first) - 1] + 1
    return phase.astype(np.int64), np.full(n, "", dtype=object)


def _per_group(spec: TargetSpec, groups: NDArray[Any], gid: IntArr) -> Arr:
    if spec is None:
        return np.full(gid.shape[0], np.nan)
    if isinstance(spec, Mapping):
        per = np.array([float(spec.get(g, np.nan)) for g in groups.tolist()], dtype=np.float64)
        return per[gid]
    return np.full(gid.shape[0], float(spec))


def _centre_per_segment(
    cl: CentreSpec, groups: NDArray[Any], gid: IntArr, phase: IntArr, seg: IntArr, n_seg: int
) -> Arr:
    """The user's centre line for every (group, phase) segment; NaN where not given."""
    out = np.full(n_seg, np.nan)
    if cl is None or n_seg == 0:
        return out
    first = np.flatnonzero(first_in_segment(seg))
    seg_gid = gid[first]
    seg_phase = phase[first]
    n_phases = np.zeros(groups.shape[0], dtype=np.int64)
    np.maximum.at(n_phases, seg_gid, seg_phase)
    problems = ProblemCollector()

    def assign(g: int, spec: float | Sequence[float], label: str) -> None:
        at = seg_gid == g
        if isinstance(spec, int | float | np.number):
            out[at] = float(spec)
            return
        values = [float(v) for v in spec]
        if len(values) != n_phases[g]:
            problems.add(
                Problem(
                    what=f"'cl' gives {len(values)} centre line(s) but {label} has "
                    f"{n_phases[g]} phase(s)",
                    fix="give one centre line per phase, in order, or one number for all",
                    value=", ".join(f"{v:g}" for v in values),
                )
            )
            return
        out[at] = np.asarray(values)[seg_phase[at] - 1]

    labels = groups.tolist()
    if isinstance(cl, Mapping):
        for key, spec in cl.items():
            if key not in labels:
                problems.add(
                    Problem(
                        what=f"'cl' names the group {key!r}, which is not in the data",
                        fix="use the group labels of the data: " + ", ".join(map(str, labels[:20])),
                    )
                )
                continue
            assign(labels.index(key), spec, f"group {key!r}")
    else:
        for g, label in enumerate(labels):
            assign(g, cl, "the data" if len(labels) == 1 else f"group {label!r}")
    problems.raise_if_any()
    return out


def prepare(
    data: Any,
    *,
    x: str,
    y: str,
    n: str | None,
    chart: str,
    group: str | None,
    rules: str,
    improvement: str,
    multiplier: float,
    phases: PhaseSpec,
    freeze: int | None,
    exclude: Sequence[int] | None,
    target: TargetSpec,
    trend_length: int,
    shift_length: int,
    trajectory: str | None = None,
    cl: CentreSpec = None,
    method: str = "anhoej",
) -> Prepared:
    """Validate the inputs and return the sorted subgroup arrays (raises InputError)."""
    problems = ProblemCollector()
    problems.extend(
        check_settings(
            chart=chart,
            rules=rules,
            improvement=improvement,
            n=n,
            multiplier=multiplier,
            freeze=freeze,
            exclude=exclude,
            trend_length=trend_length,
            shift_length=shift_length,
            method=method,
        )
    )
    problems.extend(check_target(target))
    problems.extend(check_centre(cl, chart, multiplier))
    frame = as_pandas(data)
    problems.extend(
        check_columns(
            frame,
            {
                "x": x,
                "y": y,
                "n": n,
                "group": group,
                "phases": phases if isinstance(phases, str) else None,
                "trajectory": trajectory,
            },
        )
    )
    problems.raise_if_any()
    frame = _dates_from_text(frame, x)

    y_values = numeric_column(frame, y, problems)
    n_values = numeric_column(frame, n, problems) if n is not None else None
    traj = (
        numeric_column(frame, trajectory, problems)
        if trajectory is not None
        else np.full(len(frame), np.nan)
    )
    problems.extend(check_values(frame, chart, y, n, y_values, n_values))
    if group is not None and frame[group].isna().any():
        bad = frame[group].isna().to_numpy()
        for i in np.flatnonzero(bad)[:20]:
            problems.add(
                Problem(
                    what="the group is missing",
                    fix="fill in the group for this row, or remove the row",
                    row=int(i) + 2,
                    column=group,
                )
            )
    problems.raise_if_any()

    # rows without x cannot be placed on the chart: left out, as qicharts2 does, and reported
    missing_x = frame[x].isna().to_numpy()
    rows_without_x = tuple(int(i) + 2 for i in np.flatnonzero(missing_x))
    if missing_x.any():
        keep = ~missing_x
        frame = frame.loc[keep]
        y_values = y_values[keep]
        traj = traj[keep]
        if n_values is not None:
            n_values = n_values[keep]

    got_n = n_values is not None
    if n_values is None:
        n_values = np.full(len(frame), np.nan)
    else:
        incomplete = np.isnan(y_values) | np.isnan(n_values)
        y_values = np.where(incomplete, np.nan, y_values)
        n_values = np.where(incomplete, np.nan, n_values)

    if group is None:
        gcodes = np.zeros(len(frame), dtype=np.int64)
        groups: NDArray[Any] = np.array(["All"], dtype=object)
    else:
        codes, uniques = pd.factorize(frame[group], sort=True)
        gcodes = codes.astype(np.int64)
        groups = np.asarray(uniques, dtype=object)

    x_series = frame[x]
    cols: Columns = {
        "g": gcodes,
        "x": x_series.to_numpy(),
        "y": y_values,
        "n": n_values,
        "trajectory": traj,
    }
    if isinstance(phases, str):
        cols["phase_label"] = frame[phases].to_numpy(dtype=object)
    if isinstance(x_series.dtype, pd.CategoricalDtype):
        cols["x"] = pd.Categorical(x_series.to_numpy(), dtype=x_series.dtype)
    agg, in_row_order = _aggregate(cols, chart)
    group_values = None
    if group is not None and in_row_order and isinstance(frame[group].dtype, pd.StringDtype):
        group_values = frame[group].array  # immutable Arrow text: shared, never copied

    gid = agg["g"].astype(np.int64, copy=False)
    phase, phase_label = _phase_numbers(phases, agg, gid, groups, x_series)
    seg_start = first_in_segment(gid)
    seg_start[1:] |= phase[1:] != phase[:-1]
    seg = (np.cumsum(seg_start) - 1).astype(np.int64)
    n_seg = int(seg[-1]) + 1 if seg.size else 0
    pos_group = position_in_segment(gid)
    pos_phase = pos_group if phases is None else position_in_segment(seg)

    include = np.ones(gid.shape[0], dtype=bool)
    if exclude:
        include = ~np.isin(pos_group + 1, np.asarray(list(exclude), dtype=np.int64))
    base = include.copy()
    if freeze is not None:
        base &= pos_phase < int(freeze)

    ysum = agg["ysum"].astype(np.float64, copy=False)
    nsum = agg["nsum"].astype(np.float64, copy=False)
    if got_n:
        with np.errstate(invalid="ignore", divide="ignore"):
            value = np.where(nsum > 0, ysum / np.where(nsum > 0, nsum, 1.0), np.nan)
    else:
        value = agg["ymean"].astype(np.float64, copy=False)

    x_out = agg["x"]
    cl_fixed = _centre_per_segment(cl, groups, gid, phase, seg, n_seg) / float(multiplier)
    return Prepared(
        groups=groups,
        gid=gid,
        x=x_out,
        phase=phase,
        phase_label=phase_label,
        seg=seg,
        n_seg=n_seg,
        pos_group=pos_group,
        pos_phase=pos_phase,
        base=base,
        include=include,
        value=value,
        ysum=ysum,
        ylen=agg["ylen"].astype(np.float64, copy=False),
        ymean=agg["ymean"].astype(np.float64, copy=False),
        ysd=agg["ysd"].astype(np.float64, copy=False),
        n=nsum,
        got_n=got_n,
        categorical_x=_x_is_categorical(x_series),
        target=_per_group(target, groups, gid),
        trajectory=agg["trajectory"].astype(np.float64, copy=False),
        rows_without_x=rows_without_x,
        cl_fixed=cl_fixed,
        group_values=group_values,
    )
