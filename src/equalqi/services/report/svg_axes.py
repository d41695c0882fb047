"""Axis scales and ticks for the SVG charts.

Value axes use "nice" ticks: steps of 1, 2 or 5 times a power of ten (Heckbert, "Nice numbers
for graph labels", Graphics Gems, 1990; the same family R's ``pretty()`` and ggplot2 use). The
axis runs from the tick at or below the smallest value to the tick at or above the largest, so
the ticks always cover the data and the axis need not start at zero (SPC charts should not: the
limits, not the origin, are what the reader compares against; the axis is always labelled).

Time axes put ticks on the first of a month (every 1, 2, 3, 6, 12, … months, aligned to January)
or on days for short daily/weekly series, choosing the finest spacing whose labels ("Jan 2023")
do not overlap at the chart's width.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from equalqi.services.report.svg_format import (
    EPOCH,
    MONTHS,
    days_to_timestamp,
    format_day,
    format_month,
    format_number,
    text_width,
)

FloatArray = npt.NDArray[np.float64]

_MANTISSAS = (1.0, 2.0, 5.0)
_MONTH_STEPS = (1, 2, 3, 6, 12, 24, 60, 120, 240)
_DAY_STEPS = (1, 2, 7, 14)


@dataclass(frozen=True)
class Ticks:
    """Evenly spaced tick values, their step and the decimals needed to print the step."""

    values: tuple[float, ...]
    step: float
    decimals: int

    @property
    def lo(self) -> float:
        return self.values[0]

    @property
    def hi(self) -> float:
        return self.values[-1]


def nice_step(raw: float) -> float:
    """The smallest 1-2-5 × 10^k step that is at least ``raw`` (> 0)."""
    if not (math.isfinite(raw) and raw > 0):
        raise ValueError(f"a tick step must be a positive number, not {raw!r}")
    power = 10.0 ** math.floor(math.log10(raw))
    for m in (*_MANTISSAS, 10.0):
        if raw <= m * power * (1.0 + 1e-9):
            return m * power
    return 10.0 * power  # pragma: no cover - the loop always returns


def _next_step(step: float) -> float:
    power = 10.0 ** math.floor(math.log10(step) + 1e-9)
    m = round(step / power)
    return {1: 2.0, 2: 5.0}.get(m, 10.0) * power


def step_decimals(step: float) -> int:
    """Decimals needed to print multiples of ``step`` exactly (0.5 → 1, 0.02 → 2, 20 → 0)."""
    return max(0, -math.floor(math.log10(step) + 1e-9))


def widen_degenerate(lo: float, hi: float) -> tuple[float, float]:
    """A usable range when the values are (numerically) all the same.

    Values within a billionth of each other, relative to their size, are one value: the range is
    widened by 10% of it each side. Values all within 1e-12 of zero are drawn on 0 to 1.
    """
    size = max(abs(lo), abs(hi))
    if size < 1e-12:
        return min(lo, 0.0), max(hi, 1.0)
    if hi - lo > 1e-9 * size:
        return lo, hi
    d = size * 0.1
    return lo - d, hi + d


def nice_ticks(lo: float, hi: float, max_ticks: int = 6) -> Ticks:
    """Ticks covering [lo, hi] with a 1-2-5 step and at most ``max_ticks`` values.

    ``max_ticks`` below 3 is raised to 3: a range that straddles zero always needs three ticks
    (−s, 0, s), and with three any range can be covered.
    """
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError(f"tick range must be finite, not ({lo!r}, {hi!r})")
    lo, hi = min(lo, hi), max(lo, hi)
    lo, hi = widen_degenerate(lo, hi)
    max_ticks = max(3, max_ticks)
    step = nice_step((hi - lo) / (max_ticks - 1))
    for _ in range(64):  # three ticks always fit within a few steps; this bounds the loop
        first = math.floor(lo / step + 1e-9)
        last = math.ceil(hi / step - 1e-9)
        if last - first + 1 <= max_ticks:
            break
        step = _next_step(step)
    decimals = step_decimals(step)
    values = tuple(
        float(round(i * step, decimals + 1)) + 0.0 for i in range(first, max(last, first + 1) + 1)
    )
    return Ticks(values=values, step=step, decimals=decimals)


@dataclass(frozen=True)
class LinearScale:
    """Maps a domain [d0, d1] linearly onto a range [r0, r1] (pixels)."""

    d0: float
    d1: float
    r0: float
    r1: float

    def __call__(self, values: npt.ArrayLike) -> FloatArray:
        v = np.asarray(values, dtype=np.float64)
        span = self.d1 - self.d0
        if span == 0:
            return np.full_like(v, (self.r0 + self.r1) / 2.0)
        return self.r0 + (v - self.d0) * ((self.r1 - self.r0) / span)

    def one(self, value: float) -> float:
        return float(self(np.array([value]))[0])


def to_days(values: pd.Series) -> FloatArray:
    """Datetimes (or dates, or periods) as float days since 1970-01-01; missing → NaN."""
    s = values
    if isinstance(s.dtype, pd.PeriodDtype):
        s = s.dt.to_timestamp()
    s = pd.to_datetime(s)
    if getattr(s.dt, "tz", None) is not None:
        s = s.dt.tz_localize(None)
    out = (s - EPOCH) / pd.Timedelta(days=1)
    return np.asarray(out.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)


def date_to_days(value: object) -> float:
    """A date / datetime / timestamp as float days since 1970-01-01."""
    ts = pd.Timestamp(value)
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return float((ts - EPOCH) / pd.Timedelta(days=1))


def time_domain(days: FloatArray, extra: Sequence[float] = ()) -> tuple[float, float]:
    """The time range to draw: data (and extra marks) padded by half a period each side."""
    finite = days[np.isfinite(days)]
    points = np.concatenate([finite, np.asarray(list(extra), dtype=np.float64)])
    lo, hi = float(points.min()), float(points.max())
    uniq = np.unique(finite)
    period = float(np.median(np.diff(uniq))) if uniq.size > 1 else 30.0
    pad = max(period / 2.0, (hi - lo) * 0.02, 1.0)
    return lo - pad, hi + pad


def _month_index(ts: pd.Timestamp) -> int:
    return ts.year * 12 + ts.month - 1


def _month_ticks(d0: float, d1: float, step: int) -> list[tuple[float, str]]:
    t0, t1 = days_to_timestamp(d0), days_to_timestamp(d1)
    first = _month_index(t0) + (0 if (t0.day == 1 and t0.hour == 0) else 1)
    first += (-first) % step
    last = _month_index(t1)
    out = []
    for m in range(first, last + 1, step):
        ts = pd.Timestamp(year=m // 12, month=m % 12 + 1, day=1)
        out.append((float((ts - EPOCH) / pd.Timedelta(days=1)), format_month(ts)))
    return out


def _day_ticks(d0: float, d1: float, step: int) -> list[tuple[float, str]]:
    start = math.ceil(d0)
    if step == 7:  # weeks start on Monday (1970-01-05 was a Monday)
        start += (4 - start) % 7
    elif step == 14:
        start += (4 - start) % 14
    out = []
    for d in range(start, math.floor(d1) + 1, step):
        ts = days_to_timestamp(d)
        out.append((float(d), format_day(ts)))
    return out


def _fits(ticks: list[tuple[float, str]], scale: LinearScale, size: float, gap: float) -> bool:
    if len(ticks) < 2:
        return True
    px = scale([t for t, _ in ticks])
    widths = np.array([text_width(label, size) for _, label in ticks])
    room = np.diff(px)
    need = (widths[:-1] + widths[1:]) / 2.0 + gap
    return bool(np.all(room >= need))


def time_ticks(
    d0: float, d1: float, scale: LinearScale, *, size: float = 12.0, data_days: FloatArray
) -> list[tuple[float, str]]:
    """Tick positions (days) and labels for a time axis from d0 to d1, labels not overlapping."""
    span = d1 - d0
    candidates: list[list[tuple[float, str]]] = []
    finite = np.unique(data_days[np.isfinite(data_days)])
    gaps = np.diff(finite)
    monthly = bool(gaps.size and np.median(gaps) >= 27.5) or (
        finite.size == 1 and days_to_timestamp(finite[0]).day == 1
    )
    if span <= 120 and not monthly:
        candidates += [_day_ticks(d0, d1, s) for s in _DAY_STEPS]
    candidates += [_month_ticks(d0, d1, s) for s in _MONTH_STEPS]
    usable = [c for c in candidates if len(c) >= 2]
    for ticks in usable:
        if _fits(ticks, scale, size, gap=10.0):
            return ticks
    if finite.size == 0:
        return []
    # a very short series: label its first (and last, if there is room) period
    style_month = all(days_to_timestamp(d).day == 1 for d in finite)
    fmt = format_month if style_month else format_day
    ends = [float(finite[0])] if finite.size == 1 else [float(finite[0]), float(finite[-1])]
    labelled = [(d, fmt(days_to_timestamp(d))) for d in ends]
    if len(labelled) == 2 and not _fits(labelled, scale, size, gap=10.0):
        labelled = labelled[:1]
    return labelled


def number_ticks(lo: float, hi: float, max_ticks: int) -> list[tuple[float, str]]:
    """Ticks for a numeric (non-date) x axis."""
    ticks = nice_ticks(lo, hi, max_ticks)
    return [(v, format_number(v, ticks.decimals)) for v in ticks.values if lo <= v <= hi]


__all__ = [
    "MONTHS",
    "LinearScale",
    "Ticks",
    "date_to_days",
    "nice_step",
    "nice_ticks",
    "number_ticks",
    "step_decimals",
    "time_domain",
    "time_ticks",
    "to_days",
    "widen_degenerate",
]
