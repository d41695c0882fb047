"""The time axis, the phases and the design matrices of segmented regression.

Segmented regression (Wagner AK, Soumerai SB, Zhang F, Ross-Degnan D. Segmented regression
analysis of interrupted time series studies in medication use research. J Clin Pharm Ther
2002;27:299-309) models a series as a line that may jump and bend at each change point:

    g(mu_t) = b0 + b1 * t + sum_k [ level_k * P_k(t) + slope_k * (t - t_k) * P_k(t) ]
              (+ seasonal terms)

with ``t`` the number of periods since the first one, ``t_k`` the first period on or after
intervention date ``k`` and ``P_k(t) = 1`` from ``t_k`` on. Time since the change is 0 in
the first period after it, so ``level_k`` is the change in that first period and ``slope_k``
the change in slope per period (the parameterisation of Linden's ``itsa``; Lopez Bernal et al.
2017 count from 1, which moves ``slope_k`` into their level term: theirs = ours - slope).

Seasonality (Lopez Bernal et al. 2017, step 5c; Bhaskaran K et al. Int J Epidemiol
2013;42:1187-1195): ``"month"`` adds calendar-month indicators, ``"fourier"`` two pairs of
sine and cosine terms with a one-year period (``harmonic(month, 2, 12)`` in R's tsModel).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

IntArr = NDArray[np.int64]
Arr = NDArray[np.float64]

SEASONALITY: tuple[str, ...] = ("month", "fourier")
# (name, lowest and highest median spacing in days, periods per year)
_FREQUENCIES: tuple[tuple[str, float, float, float], ...] = (
    ("day", 1.0, 1.0, 365.25),
    ("week", 6.0, 8.0, 365.25 / 7.0),
    ("month", 27.0, 32.0, 12.0),
    ("quarter", 88.0, 93.0, 4.0),
    ("year", 364.0, 367.0, 1.0),
)


@dataclass(frozen=True)
class Timeline:
    """Observed periods on an evenly spaced grid, split into phases by the interventions."""

    periods: pd.DatetimeIndex  # sorted, unique observed period starts
    index: IntArr  # grid position of each observed period (0 = first period)
    frequency: str  # day | week | month | quarter | year | other
    per_year: float  # periods per year (NaN if unknown)
    dates: tuple[pd.Timestamp, ...]  # intervention dates, increasing
    starts: tuple[int, ...]  # grid position of the first period of each later phase

    @property
    def n_grid(self) -> int:
        return int(self.index[-1]) + 1

    @property
    def n_phases(self) -> int:
        return len(self.starts) + 1

    def position(self, periods: pd.DatetimeIndex | Sequence[pd.Timestamp]) -> IntArr:
        """Grid positions of the given periods (each must be one of ``periods``)."""
        loc = self.periods.get_indexer(pd.DatetimeIndex(periods).as_unit("ns"))
        if np.any(loc < 0):
            raise KeyError("period not on the timeline")
        return self.index[loc]

    def phase(self, t: IntArr) -> IntArr:
        """Phase of each grid position: 0 = baseline, k = after the k-th change."""
        return np.searchsorted(np.asarray(self.starts), np.asarray(t), side="right").astype(
            np.int64
        )

    def phase_counts(self) -> IntArr:
        """Observed periods in each phase."""
        return np.bincount(self.phase(self.index), minlength=self.n_phases).astype(np.int64)


def infer_frequency(periods: pd.DatetimeIndex) -> tuple[str, float, IntArr]:
    """Name the spacing of the periods and place each on an evenly spaced grid.

    Months and quarters are counted in calendar months, so their unequal lengths in days do
    not matter; a missing period leaves a hole in the grid rather than closing it up.
    """
    p = pd.DatetimeIndex(periods).as_unit("ns").sort_values()
    if len(p) < 2:
        return "other", float("nan"), np.zeros(len(p), dtype=np.int64)
    days = np.diff(p.asi8) / (86400 * 1e9)
    spacing = float(np.median(days))
    months = (p.year.to_numpy() - p[0].year) * 12 + (p.month.to_numpy() - p[0].month)
    for name, lo, hi, per_year in _FREQUENCIES:
        if lo <= spacing <= hi:
            if name == "month":
                idx = months
            elif name == "quarter":
                idx = np.rint(months / 3.0)
            elif name == "year":
                idx = p.year.to_numpy() - p[0].year
            else:
                idx = np.rint(
                    (p.asi8 - p.asi8[0]) / (86400 * 1e9) / (1.0 if name == "day" else 7.0)
                )
            return name, per_year, np.asarray(idx, dtype=np.int64)
    idx = np.rint((p.asi8 - p.asi8[0]) / (86400 * 1e9) / spacing)
    return "other", float("nan"), np.asarray(idx, dtype=np.int64)


def build_timeline(periods: pd.DatetimeIndex, dates: Sequence[pd.Timestamp]) -> Timeline:
    """The grid and the phases. Validation (see :mod:`equalqi.impact.validate`) has already
    checked that the grid positions are distinct and every phase has a period."""
    p = pd.DatetimeIndex(periods).as_unit("ns").unique().sort_values()
    frequency, per_year, index = infer_frequency(p)
    starts = []
    for d in dates:
        pos = int(np.searchsorted(p.asi8, pd.Timestamp(d).as_unit("ns").value, side="left"))
        starts.append(int(index[min(pos, len(p) - 1)]))
    return Timeline(
        p, index, frequency, per_year, tuple(pd.Timestamp(d) for d in dates), tuple(starts)
    )


def default_lags(n_periods: int) -> int:
    """Newey & West (1994) rule of thumb: floor(4 (T / 100) ^ (2/9)), at most T - 2."""
    lags = int(np.floor(4.0 * (n_periods / 100.0) ** (2.0 / 9.0)))
    return max(0, min(lags, n_periods - 2))


# ------------------------------------------------------------------------ design matrices


def segmented_columns(
    t: IntArr, starts: Sequence[int], *, slope_change: bool = True
) -> tuple[Arr, tuple[str, ...]]:
    """Intercept, time, and a level (and slope) change at every change point."""
    t = np.asarray(t, dtype=float)
    cols = [np.ones_like(t), t]
    names = ["intercept", "time"]
    for k, start in enumerate(starts, start=1):
        after = (t >= start).astype(float)
        cols.append(after)
        names.append(f"level_{k}")
        if slope_change:
            cols.append((t - start) * after)
            names.append(f"slope_{k}")
    return np.column_stack(cols), tuple(names)


def phase_columns(phase: IntArr, n_phases: int) -> tuple[Arr, tuple[str, ...]]:
    """One indicator per phase (cell means): each coefficient is that phase's level."""
    phase = np.asarray(phase)
    x = (phase[:, None] == np.arange(n_phases)[None, :]).astype(float)
    return x, tuple(f"phase_{j}" for j in range(n_phases))


def seasonal_columns(
    periods: pd.DatetimeIndex, seasonality: str, timeline: Timeline
) -> tuple[Arr, tuple[str, ...]]:
    """Calendar-month indicators or Fourier terms for the given periods.

    Month levels come from the whole timeline (reference = the first calendar month seen), so
    every series uses the same coding; a level a series never visits gives a zero column,
    which the caller drops.
    """
    p = pd.DatetimeIndex(periods)
    if seasonality == "month":
        levels = np.unique(timeline.periods.month.to_numpy())
        month = p.month.to_numpy()
        cols = [(month == m).astype(float) for m in levels[1:]]
        names = [f"month_{m:02d}" for m in levels[1:]]
        if not cols:
            return np.zeros((len(p), 0)), ()
        return np.column_stack(cols), tuple(names)
    # Fourier: fraction of the year at the period start, (month - 1) / 12 for month starts.
    frac = (p.month.to_numpy() - 1 + (p.day.to_numpy() - 1) / p.days_in_month.to_numpy()) / 12.0
    per_year = timeline.per_year if np.isfinite(timeline.per_year) else 12.0
    n_pairs = int(min(2, np.floor((per_year - 1.0) / 2.0)))
    cols, names = [], []
    for k in range(1, n_pairs + 1):
        cols += [np.sin(2 * np.pi * k * frac), np.cos(2 * np.pi * k * frac)]
        names += [f"sin_{k}", f"cos_{k}"]
    if not cols:
        return np.zeros((len(p), 0)), ()
    return np.column_stack(cols), tuple(names)
