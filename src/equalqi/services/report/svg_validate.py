"""Checking and reading the frames the chart functions draw, kept apart from the drawing.

A frame that cannot be drawn raises :class:`~equalqi.errors.InputError` naming the chart, the
column, the row (1-based as a spreadsheet shows it, header is row 1) and the value, and saying
what to do. Everything found in one pass is reported together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from equalqi.errors import Problem, ProblemCollector
from equalqi.services.report.svg_axes import to_days

FloatArray = npt.NDArray[np.float64]

CLASSIFICATIONS = ("common", "improvement", "concern", "neutral")
# NHSRplotthedots' point_type values and a few spellings other tools use
_CLASS_ALIASES = {
    "common": "common",
    "common_cause": "common",
    "common cause": "common",
    "improvement": "improvement",
    "special_cause_improvement": "improvement",
    "concern": "concern",
    "special_cause_concern": "concern",
    "deterioration": "concern",
    "neutral": "neutral",
    "special_cause_neutral": "neutral",
    "special_cause_neutral_high": "neutral",
    "special_cause_neutral_low": "neutral",
}
_MAX_ROWS_REPORTED = 5


def _rows(mask: npt.NDArray[np.bool_]) -> list[int]:
    return [int(i) for i in np.flatnonzero(mask)[:_MAX_ROWS_REPORTED]]


def require_columns(
    frame: pd.DataFrame, columns: Sequence[str], *, chart: str, problems: ProblemCollector
) -> bool:
    """Add a problem for each missing column; True when all are present."""
    if not isinstance(frame, pd.DataFrame):
        problems.add(
            Problem(
                what=f"The data for the chart '{chart}' is not a table",
                fix="Pass a pandas DataFrame with one row per period.",
                value=type(frame).__name__,
            )
        )
        return False
    ok = True
    have = ", ".join(map(str, frame.columns)) or "none"
    for col in columns:
        if col not in frame.columns:
            ok = False
            problems.add(
                Problem(
                    what=f"The data for the chart '{chart}' has no column '{col}'",
                    fix=f"Add a '{col}' column (the columns given were: {have}).",
                    column=col,
                )
            )
    return ok


def numeric(
    frame: pd.DataFrame, column: str, *, chart: str, problems: ProblemCollector
) -> FloatArray:
    """The column as floats; text that is not a number is a problem, blanks become NaN."""
    raw = frame[column]
    if pd.api.types.is_bool_dtype(raw):
        return np.asarray(raw.to_numpy(dtype=np.float64), dtype=np.float64)
    values = pd.to_numeric(raw, errors="coerce")
    bad = values.isna().to_numpy() & raw.notna().to_numpy()
    for i in _rows(bad):
        problems.add(
            Problem(
                what=f"The chart '{chart}' needs a number in column '{column}'",
                fix="Give a number, or leave the cell empty if there is no value.",
                row=i + 2,
                column=column,
                value=str(raw.iloc[i]),
            )
        )
    out = np.array(values.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)
    out[~np.isfinite(out)] = np.nan
    return out


def times(
    frame: pd.DataFrame, column: str, *, chart: str, problems: ProblemCollector
) -> tuple[FloatArray, bool]:
    """The x column as float days since 1970 (dates) or plain numbers; ``(values, is_time)``."""
    raw = frame[column]
    if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        vals = np.asarray(raw.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)
        missing = ~np.isfinite(vals)
        is_time = False
    else:
        try:
            vals = to_days(raw)
        except (ValueError, TypeError):
            vals = np.array(
                [_one_day(v) for v in raw.tolist()], dtype=np.float64
            )  # find the rows that fail
        missing = ~np.isfinite(vals)
        is_time = True
    for i in _rows(missing):
        problems.add(
            Problem(
                what=f"The chart '{chart}' needs a date in column '{column}'"
                if is_time
                else f"The chart '{chart}' needs a value in column '{column}'",
                fix="Give the start date of the period, for example 2023-01-01.",
                row=i + 2,
                column=column,
                value=str(raw.iloc[i]),
            )
        )
    return vals, is_time


def _one_day(value: object) -> float:
    try:
        return float(to_days(pd.Series([value]))[0])
    except (ValueError, TypeError):
        return float("nan")


def classifications(
    frame: pd.DataFrame, *, chart: str, problems: ProblemCollector
) -> npt.NDArray[np.str_]:
    """Point classes (common|improvement|concern|neutral) from ``classification`` or ``signal``.

    Without a ``classification`` column a ``signal`` of True is drawn as neutral special cause
    (purple), as NHSRplotthedots does when no improvement direction is given.
    """
    n = len(frame)
    if "classification" in frame.columns:
        raw = frame["classification"]
        text = raw.astype("string").str.strip().str.lower()
        mapped = text.map(_CLASS_ALIASES)
        bad = mapped.isna().to_numpy() & raw.notna().to_numpy()
        for i in _rows(bad):
            problems.add(
                Problem(
                    what=f"The chart '{chart}' has an unknown point classification",
                    fix="Use one of: " + ", ".join(CLASSIFICATIONS) + ".",
                    row=i + 2,
                    column="classification",
                    value=str(raw.iloc[i]),
                )
            )
        return np.asarray(mapped.fillna("common").to_numpy(dtype=object), dtype=np.str_)
    if "signal" in frame.columns:
        sig = frame["signal"].fillna(False).astype(bool).to_numpy()
        return np.where(sig, "neutral", "common").astype(np.str_)
    return np.full(n, "common", dtype="<U11")


@dataclass(frozen=True)
class SeriesData:
    """An SPC-style series sorted by x: values, centre line, limits, point classes, phases."""

    x: FloatArray
    is_time: bool
    y: FloatArray
    cl: FloatArray
    lcl: FloatArray
    ucl: FloatArray
    classification: npt.NDArray[np.str_]
    phase: npt.NDArray[np.int64]
    lower: FloatArray  # interval band (gap charts); NaN when absent
    upper: FloatArray

    @property
    def n(self) -> int:
        return int(self.x.size)

    @property
    def has_limits(self) -> bool:
        return bool(np.isfinite(self.lcl).any() or np.isfinite(self.ucl).any())

    @property
    def has_band(self) -> bool:
        return bool((np.isfinite(self.lower) & np.isfinite(self.upper)).any())


def read_series(
    frame: pd.DataFrame,
    *,
    chart: str,
    y: str = "y",
    x: str = "x",
    optional_y_like: Sequence[str] = ("cl", "lcl", "ucl"),
    band: tuple[str, str] | None = None,
    problems: ProblemCollector,
) -> SeriesData | None:
    """Read an SPC (or gap) frame; None when a required column is missing (problems added)."""
    if not require_columns(frame, [x, y], chart=chart, problems=problems):
        return None
    n = len(frame)
    xv, is_time = times(frame, x, chart=chart, problems=problems)
    yv = numeric(frame, y, chart=chart, problems=problems)
    extra = {}
    for col in (*optional_y_like, *(band or ())):
        extra[col] = (
            numeric(frame, col, chart=chart, problems=problems)
            if col in frame.columns
            else np.full(n, np.nan)
        )
    cls = classifications(frame, chart=chart, problems=problems)
    if "phase" in frame.columns:
        ph = pd.to_numeric(frame["phase"], errors="coerce").fillna(-1)
        phase = np.asarray(ph.to_numpy(), dtype=np.float64).astype(np.int64)
    else:
        phase = np.zeros(n, dtype=np.int64)
    order = np.argsort(np.where(np.isfinite(xv), xv, np.inf), kind="stable")
    nan = np.full(n, np.nan)
    lower = extra[band[0]] if band else nan
    upper = extra[band[1]] if band else nan
    return SeriesData(
        x=xv[order],
        is_time=is_time,
        y=yv[order],
        cl=extra.get("cl", nan)[order],
        lcl=extra.get("lcl", nan)[order],
        ucl=extra.get("ucl", nan)[order],
        classification=cls[order],
        phase=phase[order],
        lower=lower[order],
        upper=upper[order],
    )
