"""Vectorised statistics over chart segments (group × phase), without a loop over groups.

Every chart is computed for all groups and phases at once. Points are sorted so that each
segment is a contiguous block; a segment id per point (``seg``) then lets ``np.bincount``
and a few sorted-array tricks compute sums, means, medians, maxima and runs for every
segment in one pass. These helpers are the only place that knows about that layout.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

Arr = NDArray[np.float64]
IntArr = NDArray[np.int64]
BoolArr = NDArray[np.bool_]


def seg_count(seg: IntArr, mask: BoolArr, n_seg: int) -> Arr:
    """Number of points per segment where ``mask`` is true."""
    kept = seg if mask.all() else seg[mask]  # no copy of every point when all count
    return np.asarray(np.bincount(kept, minlength=n_seg), dtype=np.float64)


def seg_sum(seg: IntArr, values: Arr, mask: BoolArr, n_seg: int) -> Arr:
    """Sum per segment of ``values`` where ``mask`` is true and the value is not NaN."""
    use = mask & ~np.isnan(values)
    return np.asarray(np.bincount(seg[use], weights=values[use], minlength=n_seg), dtype=np.float64)


def seg_mean(seg: IntArr, values: Arr, mask: BoolArr, n_seg: int) -> Arr:
    """Mean per segment of the non-missing ``values`` under ``mask`` (NaN if none)."""
    use = mask & ~np.isnan(values)
    if use.all():  # every point counts (a national run without gaps): no copies
        total = np.bincount(seg, weights=values, minlength=n_seg)
        count = np.bincount(seg, minlength=n_seg)
    else:
        # zero weights instead of dropping the unused points: the same sums, added in the
        # same order, without copying the kept points out first
        total = np.bincount(seg, weights=np.where(use, values, 0.0), minlength=n_seg)
        count = np.bincount(seg[use], minlength=n_seg)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def seg_median(seg: IntArr, values: Arr, mask: BoolArr, n_seg: int) -> Arr:
    """Median per segment of the non-missing ``values`` under ``mask`` (NaN if none).

    Sorts once by (segment, value) and reads the middle one or two values of each block,
    as R's ``median()`` does.
    """
    use = mask & ~np.isnan(values)
    v = values[use]
    s = seg[use]
    order = np.lexsort((v, s))
    v = v[order]
    count = np.bincount(s, minlength=n_seg)
    start = np.concatenate(([0], np.cumsum(count)[:-1]))
    out = np.full(n_seg, np.nan)
    has = count > 0
    lo = start[has] + (count[has] - 1) // 2
    hi = start[has] + count[has] // 2
    out[has] = (v[lo] + v[hi]) / 2.0
    return out


def seg_max(seg: IntArr, values: Arr, n_seg: int, fill: float = np.nan) -> Arr:
    """Maximum per segment of ``values`` (``seg`` need not be sorted); ``fill`` if empty."""
    out = np.full(n_seg, -np.inf)
    np.maximum.at(out, seg, values)
    out[np.isneginf(out)] = fill
    return out


def first_in_segment(seg: IntArr) -> BoolArr:
    """True at the first point of each contiguous segment."""
    first = np.ones(seg.shape[0], dtype=bool)
    first[1:] = seg[1:] != seg[:-1]
    return first


def last_in_segment(seg: IntArr) -> BoolArr:
    """True at the last point of each contiguous segment."""
    last = np.ones(seg.shape[0], dtype=bool)
    last[:-1] = seg[1:] != seg[:-1]
    return last


def position_in_segment(seg: IntArr) -> IntArr:
    """0-based position of each point within its contiguous segment."""
    n = seg.shape[0]
    first = np.flatnonzero(first_in_segment(seg))
    sizes = np.diff(np.append(first, n))
    return np.arange(n, dtype=np.int64) - np.repeat(first.astype(np.int64), sizes)


def run_lengths(
    key: NDArray[np.integer[Any]], valid: BoolArr, seg: IntArr | None = None
) -> tuple[IntArr, IntArr]:
    """Label maximal runs of equal ``key`` among consecutive valid points.

    A run breaks where ``key`` changes, a point is not valid or (given ``seg``) a new
    segment starts, so a one-byte key serves every segment at once. Returns ``(run_id, length)``
    per point: ``run_id`` is -1 for invalid points, ``length`` the length of the run the
    point belongs to (0 for invalid points).
    """
    n = key.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    # cont[i]: point i carries on the run of point i - 1
    cont = np.zeros(n, dtype=bool)
    np.equal(key[1:], key[:-1], out=cont[1:])
    cont[1:] &= valid[1:]
    cont[1:] &= valid[:-1]
    if seg is not None:
        cont[1:] &= seg[1:] == seg[:-1]
    first = np.flatnonzero(valid & ~cont)
    end = valid.copy()
    end[:-1] &= ~cont[1:]
    lengths = (np.flatnonzero(end) - first + 1).astype(np.int64, copy=False)
    # the points of a run are contiguous: its number and length repeat over it
    run_no = np.repeat(np.arange(first.size, dtype=np.int64), lengths)
    per_point = np.repeat(lengths, lengths)
    if run_no.size == n:  # every point valid
        return run_no, per_point
    run_id = np.full(n, -1, dtype=np.int64)
    run_id[valid] = run_no
    length = np.zeros(n, dtype=np.int64)
    length[valid] = per_point
    return run_id, length
