"""Validation of SPC inputs, kept apart from the calculations.

Every problem found is reported together as one :class:`~equalqi.errors.InputError`, each
naming the column, the spreadsheet row (header = row 1) and the value, and what to do.
Nothing here changes the user's data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from equalqi.errors import InputError, Problem, ProblemCollector

CHARTS: tuple[str, ...] = (
    "run",
    "i",
    "xmr",
    "mr",
    "xbar",
    "s",
    "t",
    "p",
    "pp",
    "c",
    "u",
    "up",
    "g",
)
RULES: tuple[str, ...] = ("mdc", "anhoej", "both", "none")
#: runs-analysis methods (*qicharts2* ``qic(method = ...)``)
METHODS: tuple[str, ...] = ("anhoej", "bestbox", "cutbox")
IMPROVEMENTS: tuple[str, ...] = ("increase", "decrease", "neutral")

#: charts whose ``y`` is a count that cannot be negative
COUNT_CHARTS = frozenset({"p", "pp", "c", "u", "up", "g"})
#: charts that need a denominator column
DENOMINATOR_CHARTS = frozenset({"p", "pp", "u", "up"})
#: at most this many problems of one kind are listed (the rest are counted)
MAX_ROWS_REPORTED = 20


def as_pandas(data: Any) -> pd.DataFrame:
    """Accept a pandas frame, or anything with ``to_pandas()`` (Polars, Arrow)."""
    if isinstance(data, pd.DataFrame):
        return data
    to_pandas = getattr(data, "to_pandas", None)
    if callable(to_pandas):
        out = to_pandas()
        if isinstance(out, pd.DataFrame):
            return out
    raise InputError(
        Problem(
            what=f"the data must be a table (pandas, Polars or Arrow), not {type(data).__name__}",
            fix="pass a pandas DataFrame with one row per subgroup (or per observation)",
        )
    )


def _spreadsheet_rows(mask: np.ndarray) -> list[int]:
    """1-based spreadsheet rows (header is row 1) of the first offending positions."""
    return [int(i) + 2 for i in np.flatnonzero(mask)[:MAX_ROWS_REPORTED]]


def _row_problems(
    frame: pd.DataFrame, column: str, mask: np.ndarray, what: str, fix: str
) -> list[Problem]:
    values = frame[column].to_numpy()
    return [
        Problem(what=what, fix=fix, row=row, column=column, value=str(values[row - 2]))
        for row in _spreadsheet_rows(mask)
    ]


def check_choice(value: object, name: str, allowed: Sequence[str]) -> list[Problem]:
    if value in allowed:
        return []
    return [
        Problem(
            what=f"'{name}' must be one of {', '.join(map(repr, allowed))}",
            fix=f"set {name} to one of the listed values",
            value=str(value),
        )
    ]


def check_columns(frame: pd.DataFrame, columns: Mapping[str, str | None]) -> list[Problem]:
    """Each named argument that is set must name an existing column."""
    present = [str(c) for c in frame.columns]
    out = []
    for arg, col in columns.items():
        if col is not None and col not in frame.columns:
            out.append(
                Problem(
                    what=f"the column given as '{arg}' is not in the data",
                    fix=f"use one of the columns: {', '.join(present[:30])}",
                    column=str(col),
                )
            )
    return out


def numeric_column(frame: pd.DataFrame, column: str, collector: ProblemCollector) -> np.ndarray:
    """The column as float64; non-numeric text is reported (blank cells are missing)."""
    raw = frame[column]
    if isinstance(raw.dtype, np.dtype) and raw.dtype.kind in "fiu":
        return raw.to_numpy(dtype=np.float64)  # numbers already: nothing to read or report
    values = pd.to_numeric(raw, errors="coerce")
    bad = (values.isna() & raw.notna()).to_numpy()
    if bad.any():
        collector.extend(
            _row_problems(
                frame,
                column,
                bad,
                "this value is not a number",
                "enter a number, or leave the cell empty if the value is missing",
            )
        )
    return np.asarray(values.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)


def check_values(
    frame: pd.DataFrame,
    chart: str,
    y: str,
    n: str | None,
    y_values: np.ndarray,
    n_values: np.ndarray | None,
) -> list[Problem]:
    """Row-level checks that depend on the chart type."""
    out: list[Problem] = []
    with np.errstate(invalid="ignore"):
        if chart in COUNT_CHARTS:
            neg = y_values < 0
            if neg.any():
                out += _row_problems(
                    frame, y, neg, "a count cannot be negative", "check the count in this row"
                )
        if chart == "t":
            nonpos = y_values <= 0
            if nonpos.any():
                out += _row_problems(
                    frame,
                    y,
                    nonpos,
                    "time between events must be greater than zero",
                    "use the time since the previous event, in units larger than zero",
                )
        if n is not None and n_values is not None:
            neg_n = n_values < 0
            if neg_n.any():
                out += _row_problems(
                    frame,
                    n,
                    neg_n,
                    "a denominator cannot be negative",
                    "check the denominator in this row",
                )
            if chart in ("p", "pp"):
                over = y_values > n_values
                if over.any():
                    out += _row_problems(
                        frame,
                        y,
                        over,
                        f"the numerator is larger than the denominator in '{n}'",
                        "a proportion needs numerator <= denominator; check both columns",
                    )
    return out


def check_settings(
    *,
    chart: str,
    rules: str,
    improvement: str,
    n: str | None,
    multiplier: float,
    freeze: int | None,
    exclude: Sequence[int] | None,
    trend_length: int,
    shift_length: int,
    method: str = "anhoej",
) -> list[Problem]:
    """Checks on the arguments themselves, before the data are read."""
    out = check_choice(chart, "chart", CHARTS)
    out += check_choice(rules, "rules", RULES)
    out += check_choice(method, "method", METHODS)
    if method in METHODS and method != "anhoej" and rules in ("mdc", "none"):
        out.append(
            Problem(
                what=f"method={method!r} chooses the limits of the Anhøj runs rules, "
                f"which rules={rules!r} does not use",
                fix="set rules='anhoej' or rules='both', or leave method at 'anhoej'",
                value=str(method),
            )
        )
    out += check_choice(improvement, "improvement", IMPROVEMENTS)
    if chart in DENOMINATOR_CHARTS and n is None:
        out.append(
            Problem(
                what=f"a '{chart}' chart needs a denominator column",
                fix="name the denominator column with n=... (the numerator count goes in y)",
            )
        )
    if not (isinstance(multiplier, int | float) and np.isfinite(multiplier) and multiplier > 0):
        out.append(
            Problem(
                what="'multiplier' must be a positive number",
                fix="use e.g. 1, 100 (per cent) or 1000 (per 1,000)",
                value=str(multiplier),
            )
        )
    if freeze is not None and (
        isinstance(freeze, bool) or not isinstance(freeze, int | np.integer) or freeze < 1
    ):
        out.append(
            Problem(
                what="'freeze' must be a whole number of points, 1 or more",
                fix="give the number of points that form the baseline, e.g. freeze=20",
                value=str(freeze),
            )
        )
    for pos in exclude or ():
        if isinstance(pos, bool) or not isinstance(pos, int | np.integer) or pos < 1:
            out.append(
                Problem(
                    what="'exclude' must list point positions (1 = first point of each group)",
                    fix="give whole numbers of 1 or more, e.g. exclude=[5, 12]",
                    value=str(pos),
                )
            )
    for name, value, least in (
        ("trend_length", trend_length, 3),
        ("shift_length", shift_length, 2),
    ):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < least:
            out.append(
                Problem(
                    what=f"'{name}' must be a whole number of points, {least} or more",
                    fix="Making Data Count uses 6 or 7",
                    value=str(value),
                )
            )
    return out


def check_target(target: object) -> list[Problem]:
    values: list[object]
    if target is None:
        return []
    values = list(target.values()) if isinstance(target, Mapping) else [target]
    for v in values:
        if (
            isinstance(v, bool)
            or not isinstance(v, int | float | np.number)
            or not np.isfinite(float(v))
        ):
            return [
                Problem(
                    what="'target' must be a number (or a mapping of group to number)",
                    fix="give the target on the same scale as the chart (after the multiplier)",
                    value=str(v),
                )
            ]
    return []


#: where a fixed centre line may lie, per chart, on the scale before the multiplier
_CENTRE_RANGE: dict[str, tuple[float, float, bool, str]] = {
    "p": (0.0, 1.0, True, "a proportion between 0 and 1"),
    "pp": (0.0, 1.0, True, "a proportion between 0 and 1"),
    "c": (0.0, np.inf, True, "a count of 0 or more"),
    "u": (0.0, np.inf, True, "a rate of 0 or more"),
    "up": (0.0, np.inf, True, "a rate of 0 or more"),
    "g": (0.0, np.inf, True, "a mean number between events of 0 or more"),
    "mr": (0.0, np.inf, True, "a mean moving range of 0 or more"),
    "s": (0.0, np.inf, True, "a standard deviation of 0 or more"),
    "t": (0.0, np.inf, False, "a time between events greater than 0"),
}


def _centre_values(cl: object) -> list[tuple[str, object]]:
    """Every value in a ``cl`` spec, each with where it was given."""
    if isinstance(cl, Mapping):
        out: list[tuple[str, object]] = []
        for group, spec in cl.items():
            out += [(f"group {group!r}{where}", v) for where, v in _centre_values(spec)]
        return out
    if isinstance(cl, str | bytes):
        return [("", cl)]
    if isinstance(cl, Sequence | np.ndarray):
        return [(f" phase {i}", v) for i, v in enumerate(list(cl), start=1)]
    return [("", cl)]


def check_centre(cl: object, chart: str, multiplier: float) -> list[Problem]:
    """A fixed centre line must be finite numbers that the chart can have.

    ``cl`` is on the plotted scale (after the multiplier), as ``target`` is.
    """
    if cl is None:
        return []
    fix_shape = (
        "give one number (every phase), a list with one number per phase, or a mapping "
        "of group to either"
    )
    if isinstance(cl, Sequence | np.ndarray) and not isinstance(cl, str) and len(cl) == 0:
        return [Problem(what="'cl' is an empty list", fix=fix_shape)]
    out: list[Problem] = []
    low, high, closed, words = _CENTRE_RANGE.get(chart, (-np.inf, np.inf, True, "a number"))
    scale = float(multiplier) if isinstance(multiplier, int | float) and multiplier > 0 else 1.0
    for where, v in _centre_values(cl):
        label = f"'cl'{(' for ' + where.strip()) if where else ''}"
        if (
            isinstance(v, bool)
            or not isinstance(v, int | float | np.number)
            or not np.isfinite(float(v))
        ):
            out.append(
                Problem(
                    what=f"{label} must be a finite number",
                    fix=fix_shape + ", on the chart's scale (after the multiplier)",
                    value=str(v),
                )
            )
            continue
        u = float(v) / scale
        inside = (low <= u <= high) if closed else (low < u <= high)
        if not inside:
            out.append(
                Problem(
                    what=f"{label} is not possible on a '{chart}' chart: it must be {words}"
                    + (f" (times the multiplier {scale:g})" if scale != 1.0 else ""),
                    fix="give the centre line on the chart's scale, after the multiplier",
                    value=str(v),
                )
            )
    return out
