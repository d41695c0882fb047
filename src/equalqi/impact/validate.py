"""Check the inputs of an impact evaluation and pull out the series it needs.

Validation is kept apart from the statistics: everything here either returns clean numpy
series or raises :class:`~equalqi.errors.InputError` listing every problem at once, each with
where (table, row, column), what (the value) and what to do. The user's frames are never
modified. Rows are numbered as a spreadsheet shows them (header = row 1).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from pandas.api.extensions import ExtensionArray

from equalqi.errors import InputError, Problem, ProblemCollector
from equalqi.impact.design import SEASONALITY, Timeline, build_timeline, infer_frequency
from equalqi.impact.model_spec import ERRORS, IMPROVEMENTS, KINDS, SCALES

Arr = NDArray[np.float64]
IntArr = NDArray[np.int64]

OVERALL = "Overall"
ALL = "All"
REQUIRED = ("period", "dimension", "group", "numerator", "denominator")
COMPLETENESS_REQUIRED = ("period", "dimension", "share_missing")
DateLike = dt.date | pd.Timestamp | str | np.datetime64


@dataclass(frozen=True)
class SeriesData:
    """One aggregated series: a group (or the overall figure) of the project or the control."""

    key: str  # e.g. "project:overall", "control:disadvantaged"
    label: str  # group label as in the table, or "Overall"
    role: str  # overall | disadvantaged | advantaged
    unit: str  # project | control
    periods: pd.DatetimeIndex
    numerator: Arr  # events, or the sum of the values for a mean
    weight: Arr  # denominator (records for a mean)
    n_records: Arr

    @property
    def value(self) -> Arr:
        return self.numerator / self.weight


@dataclass(frozen=True)
class Prepared:
    """Validated series on a common timeline, plus notes about what was assumed."""

    series: tuple[SeriesData, ...]
    timeline: Timeline
    notes: tuple[str, ...]

    def get(self, key: str) -> SeriesData:
        for s in self.series:
            if s.key == key:
                return s
        raise KeyError(key)

    def has(self, key: str) -> bool:
        return any(s.key == key for s in self.series)

    def t(self, key: str) -> NDArray[np.int64]:
        """Grid positions of a series' periods (read-only; looked up once per series)."""
        return self._positions[key]

    @cached_property
    def _positions(self) -> dict[str, NDArray[np.int64]]:
        out = {}
        for s in self.series:
            t = self.timeline.position(s.periods)
            t.setflags(write=False)  # shared by every caller
            out[s.key] = t
        return out


# ----------------------------------------------------------------------------- options


def check_options(
    *,
    groups: object,
    kind: str,
    improvement: str,
    scale: str,
    seasonality: str | None,
    hac_lags: int | None,
    errors: str,
    confidence: float,
    multiplier: float,
) -> list[Problem]:
    """Problems with the arguments themselves (not the data)."""
    out: list[Problem] = []

    def choice(name: str, value: object, allowed: Sequence[str], fix: str = "") -> None:
        if value not in allowed:
            out.append(
                Problem(
                    what=f"'{name}' must be one of {', '.join(allowed)}",
                    fix=fix or f"Use {name}='{allowed[0]}'.",
                    column=name,
                    value=repr(value),
                )
            )

    choice("kind", kind, KINDS)
    choice(
        "improvement",
        improvement,
        IMPROVEMENTS,
        "Say which direction is better: 'decrease' (e.g. DNA rate) or 'increase' "
        "(e.g. screening uptake); an equity verdict needs a better side.",
    )
    choice("scale", scale, SCALES)
    choice("errors", errors, ERRORS)
    if seasonality is not None:
        choice("seasonality", seasonality, SEASONALITY, "Use 'month', 'fourier' or None.")
    if (
        not isinstance(groups, tuple | list)
        or len(groups) != 2
        or not all(isinstance(g, str) for g in groups)
        or groups[0] == groups[1]
    ):
        out.append(
            Problem(
                what="'groups' must be two different group labels",
                fix="Pass (disadvantaged group, advantaged group), e.g. "
                "('1 - most deprived', '5 - least deprived').",
                column="groups",
                value=repr(groups),
            )
        )
    if hac_lags is not None and (
        isinstance(hac_lags, bool) or not isinstance(hac_lags, int | np.integer) or hac_lags < 0
    ):
        out.append(
            Problem(
                what="'hac_lags' must be a whole number of periods, 0 or more",
                fix="Leave it as None to use the Newey-West rule of thumb.",
                column="hac_lags",
                value=repr(hac_lags),
            )
        )
    if not isinstance(confidence, float | int) or not 0.5 <= float(confidence) < 1:
        out.append(
            Problem(
                what="'confidence' must be between 0.5 and 1",
                fix="Use 0.95 for 95% intervals.",
                column="confidence",
                value=repr(confidence),
            )
        )
    if not isinstance(multiplier, float | int) or not np.isfinite(multiplier) or multiplier <= 0:
        out.append(
            Problem(
                what="'multiplier' must be a positive number",
                fix="Use 100 for percentages, 1000 for rates per 1,000, 1 for means.",
                column="multiplier",
                value=repr(multiplier),
            )
        )
    return out


def parse_dates(intervention: object) -> tuple[list[pd.Timestamp], list[Problem]]:
    """One date or a sequence of dates, strictly increasing."""
    raw: list[object]
    if isinstance(intervention, str | dt.date | pd.Timestamp | np.datetime64):
        raw = [intervention]
    elif isinstance(intervention, Sequence | np.ndarray | pd.Index | pd.Series):
        raw = list(intervention)
    else:
        raw = [intervention]
    out: list[pd.Timestamp] = []
    problems: list[Problem] = []
    if not raw:
        problems.append(
            Problem(
                what="no intervention date was given",
                fix="Pass the date the change started, e.g. date(2024, 1, 1).",
                column="intervention",
            )
        )
    for value in raw:
        try:
            ts = pd.Timestamp(value)
            if pd.isna(ts):
                raise ValueError
            out.append(ts.tz_localize(None) if ts.tzinfo else ts)
        except (ValueError, TypeError):
            problems.append(
                Problem(
                    what="this intervention date is not a date",
                    fix="Use a date such as 2024-01-01.",
                    column="intervention",
                    value=repr(value),
                )
            )
    if len(out) == len(raw) and any(b <= a for a, b in itertools.pairwise(out)):
        problems.append(
            Problem(
                what="intervention dates must be in increasing order",
                fix="List each change once, earliest first.",
                column="intervention",
                value=", ".join(str(d.date()) for d in out),
            )
        )
    return out, problems


# ----------------------------------------------------------------------------- tables


def _row(position: int) -> int:
    return position + 2  # header is row 1


@dataclass(frozen=True)
class _Columns:
    """The rows of a measure table that have a date, as arrays.

    The table is read once into numpy arrays and every later selection (the dimension, the
    two groups, the overall rows) is a boolean mask: filtering a few hundred rows of a
    DataFrame again and again costs far more than the statistics do.
    """

    row: IntArr  # position of each row in the user's table (for messages)
    period: pd.DatetimeIndex  # as pd.to_datetime read it (unit and time zone kept)
    dimension: NDArray[np.object_]
    group: NDArray[np.object_]
    given: dict[str, ExtensionArray]  # numeric columns after pd.to_numeric, as typed
    number: dict[str, Arr]  # the same as float64 (missing = NaN)

    def rows_of(self, dimension: str) -> NDArray[np.bool_]:
        return np.asarray(self.dimension == dimension, dtype=bool)


def _numbers(values: pd.Series) -> tuple[ExtensionArray, Arr]:
    """A column as pd.to_numeric reads it (for messages and sums), and as float64 with NaN
    for missing (for the checks and the statistics)."""
    converted = pd.to_numeric(values, errors="coerce")
    return converted.array, converted.to_numpy(dtype=float, na_value=np.nan)


def _clean_table(table: object, name: str, collector: ProblemCollector) -> _Columns | None:
    if not isinstance(table, pd.DataFrame):
        collector.add(
            Problem(
                what=f"the {name} must be a pandas DataFrame",
                fix="Pass the measure table produced by the analysis engine.",
                file=name,
                value=type(table).__name__,
            )
        )
        return None
    missing = [c for c in REQUIRED if c not in table.columns]
    if missing:
        collector.add(
            Problem(
                what=f"the {name} has no column(s) {', '.join(missing)}",
                fix=f"A measure table needs {', '.join(REQUIRED)}.",
                file=name,
                column=", ".join(missing),
            )
        )
        return None
    period = pd.DatetimeIndex(pd.to_datetime(table["period"], errors="coerce"))
    bad = np.asarray(period.isna(), dtype=bool)
    for pos in np.flatnonzero(bad)[:20]:
        collector.add(
            Problem(
                what="this period is not a date",
                fix="Use ISO dates (2024-01-01).",
                file=name,
                row=_row(int(pos)),
                column="period",
                value=str(table["period"].iloc[int(pos)]),
            )
        )
    ok = ~bad
    given: dict[str, ExtensionArray] = {}
    number: dict[str, Arr] = {}
    for c in ("numerator", "denominator", "n_records"):
        if c in table.columns:
            native, floats = _numbers(table[c])
            given[c], number[c] = native[ok], floats[ok]
    return _Columns(
        np.flatnonzero(ok),
        period[ok],
        table["dimension"].to_numpy(dtype=object, na_value=np.nan)[ok],
        table["group"].to_numpy(dtype=object, na_value=np.nan)[ok],
        given,
        number,
    )


def _present(values: NDArray[np.object_]) -> list[object]:
    """Distinct non-missing values in order of appearance (as Series.dropna().unique())."""
    return list(pd.unique(values[~pd.isna(values)]))


def _check_rows(cols: _Columns, used: IntArr, kind: str, name: str) -> list[Problem]:
    """Numbers that cannot be right, in the rows the analysis uses (``used``: positions in
    ``cols``, in the order they are reported)."""
    num, den = cols.number["numerator"][used], cols.number["denominator"][used]
    checks = [
        (
            "numerator",
            ~np.isfinite(num),
            "the numerator is missing",
            "Fill it in; a period with no events has numerator 0.",
        ),
        (
            "denominator",
            ~np.isfinite(den),
            "the denominator is missing",
            "Fill it in, or drop the row if the group had no records that period.",
        ),
        ("denominator", den < 0, "the denominator is negative", "Correct the denominator."),
    ]
    if kind != "mean":
        checks.append(
            (
                "numerator",
                num < 0,
                "the numerator is negative",
                "Counts of events cannot be below zero.",
            )
        )
    if kind == "proportion":
        checks.append(
            (
                "numerator",
                num > den,
                "the numerator is larger than the denominator",
                "For a proportion the numerator counts a subset of the denominator.",
            )
        )
    out: list[Problem] = []
    for column, mask, what, fix in checks:
        for i in used[np.flatnonzero(mask)[:10]]:
            out.append(
                Problem(
                    what=what,
                    fix=fix,
                    file=name,
                    row=_row(int(cols.row[i])),
                    column=column,
                    value=str(cols.given[column][i]),
                )
            )
    seen: set[tuple[int, object, object]] = set()
    duplicates = []
    stamps = cols.period.asi8
    for i in used:
        key = (int(stamps[i]), cols.dimension[i], cols.group[i])
        if key in seen:
            duplicates.append(i)
        seen.add(key)
    for i in duplicates[:10]:
        out.append(
            Problem(
                what="this period, dimension and group appear more than once",
                fix="Aggregate the table so each period x group has one row.",
                file=name,
                row=_row(int(cols.row[i])),
                column="period",
                value=f"{cols.period[i].date()} / {cols.dimension[i]} / {cols.group[i]}",
            )
        )
    return out


def _series(
    periods: pd.DatetimeIndex,
    number: Mapping[str, Arr],
    key: str,
    label: str,
    role: str,
    unit: str,
    kind: str,
) -> SeriesData:
    order = np.argsort(periods.asi8, kind="stable")
    n = number["n_records"][order] if "n_records" in number else number["denominator"][order]
    weight = number["denominator"][order]
    if kind == "mean" and "n_records" in number and np.all(n > 0):
        weight = n  # the engine's mean is numerator / records
    return SeriesData(
        key,
        label,
        role,
        unit,
        periods[order].as_unit("ns"),
        number["numerator"][order],
        weight,
        n,
    )


def _summed_overall(
    cols: _Columns, in_dim: NDArray[np.bool_]
) -> tuple[pd.DatetimeIndex, dict[str, Arr]]:
    """Every group of the dimension summed per period (when the table has no overall rows).

    Kept in pandas: its grouped sums are compensated (Kahan), which a plain numpy sum is not.
    """
    frame = pd.DataFrame(
        {"period": cols.period[in_dim], **{c: v[in_dim] for c, v in cols.given.items()}}
    )
    summed = frame.groupby("period", as_index=False)[list(cols.given)].sum()
    return pd.DatetimeIndex(summed["period"]), {
        c: summed[c].to_numpy(dtype=float, na_value=np.nan) for c in cols.given
    }


def _extract(
    cols: _Columns,
    *,
    name: str,
    unit: str,
    dimension: str,
    groups: tuple[str, str],
    kind: str,
    collector: ProblemCollector,
    notes: list[str],
) -> list[SeriesData]:
    dims = _present(cols.dimension)
    if dimension not in dims:
        collector.add(
            Problem(
                what=f"the {name} has no dimension '{dimension}'",
                fix=f"Use one of: {', '.join(map(str, dims)) or '(none)'}.",
                file=name,
                column="dimension",
                value=dimension,
            )
        )
        return []
    in_dim = cols.rows_of(dimension)
    labels = _present(cols.group[in_dim])
    for g in groups:
        if g not in labels:
            collector.add(
                Problem(
                    what=f"dimension '{dimension}' has no group '{g}'",
                    fix=f"Use one of: {', '.join(map(str, labels))}.",
                    file=name,
                    column="group",
                    value=g,
                )
            )
    group = cols.group
    overall = cols.rows_of(OVERALL) & np.asarray(group == ALL, dtype=bool)
    of_group = [in_dim & np.asarray(group == g, dtype=bool) for g in groups]
    used = np.concatenate([np.flatnonzero(overall), np.flatnonzero(of_group[0] | of_group[1])])
    if used.size == 0:
        return []
    collector.extend(_check_rows(cols, used, kind, name))

    def rows(mask: NDArray[np.bool_]) -> tuple[pd.DatetimeIndex, dict[str, Arr]]:
        return cols.period[mask], {c: v[mask] for c, v in cols.number.items()}

    if overall.any():
        overall_rows = rows(overall)
    else:
        overall_rows = _summed_overall(cols, in_dim)
        notes.append(
            f"The {name} has no '{OVERALL}' / '{ALL}' rows, so the overall series is the sum "
            f"of every group of '{dimension}' ({', '.join(map(str, labels))})."
        )
    out = []
    for role, label, (periods, number) in (
        ("overall", OVERALL, overall_rows),
        ("disadvantaged", groups[0], rows(of_group[0])),
        ("advantaged", groups[1], rows(of_group[1])),
    ):
        if periods.size == 0:
            continue
        keep = number["denominator"] > 0
        if kind == "mean" and "n_records" in number:
            keep &= number["n_records"] > 0
        dropped = int((~keep).sum())
        if dropped:
            notes.append(
                f"{dropped} period(s) of '{label}' in the {name} have no records and were left out."
            )
        if keep.any():
            kept = {c: v[keep] for c, v in number.items()}
            out.append(_series(periods[keep], kept, f"{unit}:{role}", label, role, unit, kind))
    return out


def prepare(
    table: object,
    *,
    dimension: str,
    groups: tuple[str, str],
    intervention: object,
    kind: str,
    control: object | None,
) -> Prepared:
    """Validated series (project, and control if given) on one timeline."""
    collector = ProblemCollector()
    notes: list[str] = []
    dates, date_problems = parse_dates(intervention)
    collector.extend(date_problems)
    series: list[SeriesData] = []
    frame = _clean_table(table, "measure table", collector)
    if frame is not None:
        series += _extract(
            frame,
            name="measure table",
            unit="project",
            dimension=dimension,
            groups=groups,
            kind=kind,
            collector=collector,
            notes=notes,
        )
    if control is not None:
        cframe = _clean_table(control, "control table", collector)
        if cframe is not None:
            series += _extract(
                cframe,
                name="control table",
                unit="control",
                dimension=dimension,
                groups=groups,
                kind=kind,
                collector=collector,
                notes=notes,
            )
    collector.raise_if_any()

    periods = pd.DatetimeIndex(np.concatenate([s.periods.values for s in series]))
    periods = periods.as_unit("ns").unique().sort_values()
    _check_grid(periods, collector)
    collector.raise_if_any()
    check_phases(periods, dates, collector)
    collector.raise_if_any()
    timeline = build_timeline(periods, dates)
    return Prepared(tuple(series), timeline, tuple(notes))


def _check_grid(periods: pd.DatetimeIndex, collector: ProblemCollector) -> None:
    if len(periods) < 4:
        collector.add(
            Problem(
                what=f"only {len(periods)} period(s) in the data",
                fix="An impact evaluation needs periods before and after the "
                "intervention; at least 3 on each side (8 or more is better).",
                file="measure table",
                column="period",
            )
        )
        return
    _, _, index = infer_frequency(periods)
    if np.unique(index).size != index.size:
        collector.add(
            Problem(
                what="the periods are not evenly spaced (weeks, months, quarters or years)",
                fix="Aggregate to one regular period, e.g. calendar months.",
                file="measure table",
                column="period",
                value=", ".join(str(p.date()) for p in periods[:6]),
            )
        )


def check_phases(
    periods: pd.DatetimeIndex, dates: list[pd.Timestamp], collector: ProblemCollector
) -> None:
    edges = [pd.Timestamp.min, *dates, pd.Timestamp.max]
    for j in range(len(edges) - 1):
        n = int(((periods >= edges[j]) & (periods < edges[j + 1])).sum())
        if n == 0:
            which = (
                "before the first intervention date"
                if j == 0
                else (
                    f"on or after {dates[j - 1].date()}"
                    + (f" and before {dates[j].date()}" if j < len(dates) else "")
                )
            )
            collector.add(
                Problem(
                    what=f"no period of the data falls {which}",
                    fix=f"The data run from {periods[0].date()} to {periods[-1].date()}; choose "
                    "intervention dates inside that range, with data on both sides.",
                    column="intervention",
                    value=", ".join(str(d.date()) for d in dates),
                )
            )


def check_relative(prepared: Prepared, kind: str, scale: str) -> None:
    """A ratio of means needs means above zero."""
    if scale != "relative" or kind != "mean":
        return
    for s in prepared.series:
        if np.any(s.value <= 0):
            raise InputError(
                Problem(
                    what=f"'{s.label}' has a mean of zero or below, so ratios of means are not "
                    "defined",
                    fix="Use scale='absolute' (differences) for this measure.",
                    column="scale",
                    value="relative",
                )
            )


def check_completeness(completeness: object) -> pd.DataFrame:
    """The completeness table (period, dimension, share_missing), cleaned."""
    collector = ProblemCollector()
    if not isinstance(completeness, pd.DataFrame):
        raise InputError(
            Problem(
                what="the completeness table must be a pandas DataFrame",
                fix="Pass columns period, dimension, share_missing.",
                file="completeness table",
                value=type(completeness).__name__,
            )
        )
    missing = [c for c in COMPLETENESS_REQUIRED if c not in completeness.columns]
    if missing:
        raise InputError(
            Problem(
                what=f"the completeness table has no column(s) {', '.join(missing)}",
                fix="Pass columns period, dimension, share_missing (0 to 1).",
                file="completeness table",
                column=", ".join(missing),
            )
        )
    # Column by column: copying the table and filtering it costs more than the checks.
    period = pd.to_datetime(completeness["period"], errors="coerce")
    share = pd.to_numeric(completeness["share_missing"], errors="coerce")
    no_date = period.isna().to_numpy(dtype=bool)
    bad = (period.isna() | ~share.between(0, 1)).to_numpy(dtype=bool, na_value=False)
    for pos in np.flatnonzero(bad)[:10]:
        column = "period" if no_date[pos] else "share_missing"
        collector.add(
            Problem(
                what="this value cannot be used",
                fix="Periods must be dates and share_missing a fraction from 0 to 1.",
                file="completeness table",
                row=_row(int(pos)),
                column=column,
                value=str(completeness[column].iloc[int(pos)]),
            )
        )
    collector.raise_if_any()
    return pd.DataFrame(
        {
            "period": period,
            "dimension": completeness["dimension"].astype(str),
            "share_missing": share,
        },
        copy=False,  # the columns are already new (copy-on-write protects the caller's)
    )
