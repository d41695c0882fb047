"""NHS England *Making Data Count* (MDC) special-cause rules, for every segment at once.

The four rules, in the order of precedence used by the MDC tool and *NHSRplotthedots*
(``ptd_special_cause_type``):

1. **outside limits** — a point above the upper or below the lower process limit;
2. **trend** — ``trend_length`` or more consecutive points each higher (or each lower) than
   the one before; a tie breaks the trend. Every point of the trend is flagged;
3. **two of three** — two (or three) out of three consecutive points beyond the same 2-sigma
   line, all three on the same side of the centre line; only the points beyond the 2-sigma
   line (and inside the limits) are flagged;
4. **shift** — ``shift_length`` or more consecutive points on the same side of the centre
   line; a point on the line breaks the run.

MDC has used both 6 and 7 points for trend and shift; *NHSRplotthedots* uses 7 for both.
Rules never reach across a phase boundary. Missing values break trends and shifts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from equalqi.spc.segments import run_lengths

Arr = NDArray[np.float64]
IntArr = NDArray[np.int64]
BoolArr = NDArray[np.bool_]
SignArr = NDArray[np.signedinteger[Any]]  # -1, 0, +1 in any integer width


@dataclass(frozen=True)
class MDCFlags:
    """Per-point result of each MDC rule, before precedence is applied."""

    outside: BoolArr
    outside_side: SignArr
    trend: BoolArr
    trend_direction: SignArr
    two_of_three: BoolArr
    shift: BoolArr
    side: SignArr  # +1 above the centre line, -1 below, 0 on it or missing


def _same_next(seg: IntArr, k: int) -> BoolArr:
    """True where point i + k exists and is in the same segment as point i."""
    n = seg.shape[0]
    out = np.zeros(n, dtype=bool)
    if n > k:
        out[: n - k] = seg[k:] == seg[: n - k]
    return out


def trend_flags(y: Arr, seg: IntArr, length: int) -> tuple[BoolArr, SignArr]:
    """Points in a run of ``length`` or more strictly rising (or falling) points.

    The direction reported for each point follows *NHSRplotthedots*: the step to the next
    point when that point is also part of a trend, otherwise the step from the previous one.
    """
    n = y.shape[0]
    same = np.zeros(n, dtype=bool)  # point i is in the segment of point i - 1
    np.equal(seg[1:], seg[:-1], out=same[1:])
    # sign of y[i] - y[i-1] (0 when either is missing, and at a phase start), as one byte
    step = np.zeros(n, dtype=np.int8)
    if n > 1:
        with np.errstate(invalid="ignore"):
            up = y[1:] > y[:-1]
            down = y[1:] < y[:-1]
        step[1:] = up.view(np.int8) - down.view(np.int8)
        step[~same] = 0
    _, run = run_lengths(step, step != 0)
    qualifies = run >= length - 1  # a run of k steps joins k + 1 points
    in_trend = qualifies.copy()
    in_trend[:-1] |= qualifies[1:] & same[1:]

    right = np.zeros(n, dtype=np.int8)  # the step to the next point of the segment
    right[:-1] = np.where(same[1:], step[1:], 0)
    next_in = np.zeros(n, dtype=bool)
    next_in[:-1] = in_trend[1:] & same[1:]
    direction = np.where(in_trend & next_in, right, step)
    direction = np.where(in_trend, np.where(direction == 1, np.int8(1), np.int8(-1)), np.int8(0))
    return in_trend, direction


def shift_flags(side: SignArr, seg: IntArr, length: int) -> BoolArr:
    """Points in a run of ``length`` or more on the same side of the centre line."""
    _, run = run_lengths(side, side != 0, seg)
    return run >= length


def two_of_three_flags(close: BoolArr, side: SignArr, seg: IntArr) -> BoolArr:
    """Points beyond a 2-sigma line in a window of three with two or more such points."""
    n = close.shape[0]
    c = close.view(np.int8)
    s8 = side.astype(np.int8, copy=False)  # -1, 0, +1: sums of three fit in a byte
    window = np.zeros(n, dtype=bool)  # window starting at i covers i, i + 1, i + 2
    if n >= 3:
        csum = c[:-2] + c[1:-1] + c[2:]
        ssum = s8[:-2] + s8[1:-1] + s8[2:]
        window[:-2] = (csum >= 2) & (np.abs(ssum) == 3) & (seg[2:] == seg[:-2])
    covered = window.copy()
    covered[1:] |= window[:-1]
    covered[2:] |= window[:-2]
    return close & covered


def mdc_rules(
    y: Arr,
    cl: Arr,
    lcl: Arr,
    ucl: Arr,
    lcl_2s: Arr,
    ucl_2s: Arr,
    seg: IntArr,
    *,
    trend_length: int,
    shift_length: int,
    runs: bool = True,
) -> MDCFlags:
    """Evaluate all four rules; ``runs=False`` keeps only the outside-limits rule."""
    with np.errstate(invalid="ignore"):
        above = y > ucl
        below = y < lcl
        # sign(y - cl), 0 where either is missing: y - cl is 0 exactly when y == cl
        side = (y > cl).view(np.int8) - (y < cl).view(np.int8)
        beyond_2s = (y < lcl_2s) | (y > ucl_2s)
    outside = above | below
    outside_side = above.view(np.int8) - below.view(np.int8)
    close = ~outside & beyond_2s
    n = y.shape[0]
    if runs:
        trend, trend_dir = trend_flags(y, seg, trend_length)
        shift = shift_flags(side, seg, shift_length)
        two = two_of_three_flags(close, side, seg)
    else:
        trend = np.zeros(n, dtype=bool)
        trend_dir = np.zeros(n, dtype=np.int64)
        shift = np.zeros(n, dtype=bool)
        two = np.zeros(n, dtype=bool)
    return MDCFlags(
        outside=outside,
        outside_side=outside_side,
        trend=trend,
        trend_direction=trend_dir,
        two_of_three=two,
        shift=shift,
        side=side,
    )
