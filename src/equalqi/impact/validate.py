"""Check the inputs of an impact evaluation and pull out the series it needs.

Validation is kept apart from the statistics: everything here either returns clean numpy
series or raises :class:`~equalqi.errors.InputError` listing every problem at once, each with
where (table, row, column), what (the value) and what to do. The user's frames are never
modified. Rows are numbered as a spreadsheet shows them (header = row 1).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from equalqi.errors import InputError, Problem, ProblemCollector
from equalqi.impact.design import SEASONALITY, Timeline, build_timeline, infer_frequency
from equalqi.impact.model_spec import ERRORS, IMPROVEMENTS, KINDS, SCALES

Arr = NDArray[np.float64]

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
        return self.timeline.position(self.get(key).periods)


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


def _clean_table(table: object, name: str, collector: ProblemCollector) -> pd.DataFrame | None:
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
    cols = [c for c in (*REQUIRED, "n_records", "value") if c in table.columns]
    frame = table[cols].copy()
    frame["_row"] = np.arange(len(frame))
    frame["period"] = pd.to_datetime(frame["period"], errors="coerce")
    for c in ("numerator", "denominator", "n_records", "value"):
        if c in frame.columns:
            frame[c] = pd.to_numeric(frame[c], errors="coerce")
    bad = frame["period"].isna()
    for pos in frame.loc[bad, "_row"].head(20):
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
    return frame[~bad]


def _check_rows(frame: pd.DataFrame, kind: str, name: str, collector: ProblemCollector) -> None:
    """Numbers that cannot be right, in the rows the analysis uses."""
    num, den = frame["numerator"], frame["denominator"]
    checks = [
        (
            "numerator",
            num.isna() | ~np.isfinite(num.fillna(0)),
            "the numerator is missing",
            "Fill it in; a period with no events has numerator 0.",
        ),
        (
            "denominator",
            den.isna() | ~np.isfinite(den.fillna(0)),
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
    for column, mask, what, fix in checks:
        mask = mask.fillna(False).to_numpy(bool)
        for _, r in frame[mask].head(10).iterrows():
            collector.add(
                Problem(
                    what=what,
                    fix=fix,
                    file=name,
                    row=_row(int(r["_row"])),
                    column=column,
                    value=str(r[column]),
                )
            )
    dup = frame.duplicated(["period", "dimension", "group"], keep="first").to_numpy(bool)
    for _, r in frame[dup].head(10).iterrows():
        collector.add(
            Problem(
                what="this period, dimension and group appear more than once",
                fix="Aggregate the table so each period x group has one row.",
                file=name,
                row=_row(int(r["_row"])),
                column="period",
                value=f"{r['period'].date()} / {r['dimension']} / {r['group']}",
            )
        )


def _series(
    rows: pd.DataFrame, key: str, label: str, role: str, unit: str, kind: str
) -> SeriesData:
    rows = rows.sort_values("period")
    n = (
        rows["n_records"].to_numpy(float)
        if "n_records" in rows
        else rows["denominator"].to_numpy(float)
    )
    weight = rows["denominator"].to_numpy(float)
    if kind == "mean" and "n_records" in rows and np.all(n > 0):
        weight = n  # the engine's mean is numerator / records
    return SeriesData(
        key,
        label,
        role,
        unit,
        pd.DatetimeIndex(rows["period"]).as_unit("ns"),
        rows["numerator"].to_numpy(float),
        weight,
        n,
    )


def _extract(
    frame: pd.DataFrame,
    *,
    name: str,
    unit: str,
    dimension: str,
    groups: tuple[str, str],
    kind: str,
    collector: ProblemCollector,
    notes: list[str],
) -> list[SeriesData]:
    dims = frame["dimension"].dropna().unique().tolist()
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
    in_dim = frame[frame["dimension"] == dimension]
    labels = in_dim["group"].dropna().unique().tolist()
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
    overall = frame[(frame["dimension"] == OVERALL) & (frame["group"] == ALL)]
    used = pd.concat([overall, in_dim[in_dim["group"].isin(list(groups))]])
    if used.empty:
        return []
    _check_rows(used, kind, name, collector)
    if overall.empty:
        summed = in_dim.groupby("period", as_index=False)[
            [c for c in ("numerator", "denominator", "n_records") if c in in_dim]
        ].sum()
        overall = summed.assign(dimension=OVERALL, group=ALL, _row=-1)
        notes.append(
            f"The {name} has no '{OVERALL}' / '{ALL}' rows, so the overall series is the sum "
            f"of every group of '{dimension}' ({', '.join(map(str, labels))})."
        )
    out = []
    for role, label, rows in (
        ("overall", OVERALL, overall),
        ("disadvantaged", groups[0], in_dim[in_dim["group"] == groups[0]]),
        ("advantaged", groups[1], in_dim[in_dim["group"] == groups[1]]),
    ):
        if rows.empty:
            continue
        keep = rows["denominator"] > 0
        if kind == "mean" and "n_records" in rows:
            keep &= rows["n_records"] > 0
        dropped = int((~keep).sum())
        if dropped:
            notes.append(
                f"{dropped} period(s) of '{label}' in the {name} have no records and were left out."
            )
        rows = rows[keep]
        if not rows.empty:
            out.append(_series(rows, f"{unit}:{role}", label, role, unit, kind))
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
    frame = completeness[list(COMPLETENESS_REQUIRED)].copy()
    frame["_row"] = np.arange(len(frame))
    frame["period"] = pd.to_datetime(frame["period"], errors="coerce")
    frame["share_missing"] = pd.to_numeric(frame["share_missing"], errors="coerce")
    bad = frame["period"].isna() | ~frame["share_missing"].between(0, 1)
    for _, r in frame[bad].head(10).iterrows():
        pos = int(r["_row"])
        column = "period" if pd.isna(r["period"]) else "share_missing"
        collector.add(
            Problem(
                what="this value cannot be used",
                fix="Periods must be dates and share_missing a fraction from 0 to 1.",
                file="completeness table",
                row=_row(pos),
                column=column,
                value=str(completeness[column].iloc[pos]),
            )
        )
    collector.raise_if_any()
    frame["dimension"] = frame["dimension"].astype(str)
    return frame.drop(columns="_row")
