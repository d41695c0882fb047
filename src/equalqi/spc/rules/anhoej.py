"""Anhøj runs rules for non-random variation, for every segment at once.

Points on the centre line are ignored and the remaining ("useful") points are split into
runs on either side of it. With ``n`` useful points (Anhøj J, Olesen AV. Run charts
revisited: a simulation study of run chart rules for detection of non-random variation in
health care processes. *PLoS ONE* 2014;9:e113825):

* **longest run**: signal if the longest run is longer than ``round(log2(n)) + 3``
  (Schilling MF. The surprising predictability of long runs. *Math Mag* 2012;85:141-149);
* **crossings**: signal if the number of crossings (runs - 1) is below the 5th percentile
  of Binomial(n - 1, 0.5) (Chen Z. A note on the runs test. *Model Assisted Stat Appl*
  2010;5:73-77).

Either gives a signal for the whole phase, as in *qicharts2* ``runs.analysis``. Excluded
points are left out; missing values are skipped (they do not break a run). R's ``round``
(half to even) is matched by ``numpy.round``; R's ``qbinom`` by the smallest k whose
cumulative probability reaches ``0.05 · (1 - 64 eps)``.

``method="bestbox"`` or ``"cutbox"`` replaces the two separate limits by critical values
chosen from the exact joint distribution of crossings and longest run (Anhøj J,
Wentzel-Larsen T. *PLoS ONE* 2020;15:e0233920; :mod:`~equalqi.spc.rules.bestbox`,
:mod:`~equalqi.spc.rules.cutbox`). Those tables cost O(n³) to compute, so above
:data:`MAX_BOX_N` useful points a phase falls back to the Anhøj limits and says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.stats import binom

from equalqi.spc.rules.bestbox import best_box
from equalqi.spc.rules.cutbox import cut_box
from equalqi.spc.segments import run_lengths

Arr = NDArray[np.float64]
IntArr = NDArray[np.int64]
BoolArr = NDArray[np.bool_]

_P_CROSSINGS = 0.05 * (1.0 - 64.0 * np.finfo(np.float64).eps)

#: largest number of useful points for which the box tables are computed
MAX_BOX_N = 400


def longest_run_limit(n_useful: Arr) -> Arr:
    """Upper limit for the longest run: ``round(log2(n)) + 3`` (NaN where n = 0)."""
    n = np.asarray(n_useful, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.round(np.log2(n)) + 3.0
    return np.where(n > 0, out, np.nan)


#: R's qbinom limit per number of useful points, computed once each (scipy's quantile
#: costs a fixed ~0.1 ms a call, more than the rest of a short chart's runs analysis)
_CROSSINGS_LIMITS: dict[float, float] = {}


def _crossings_limit(n: Arr) -> Arr:
    out = np.full(n.shape, np.nan)
    ok = n > 0
    if not ok.any():
        return out
    trials = n[ok] - 1.0
    k = binom.ppf(_P_CROSSINGS, trials, 0.5)
    # step back where the fuzzed probability is already reached one count lower
    lower = np.maximum(k - 1.0, 0.0)
    step = (k > 0) & (binom.cdf(lower, trials, 0.5) >= _P_CROSSINGS)
    out[ok] = np.where(step, lower, k)
    return out


def crossings_limit(n_useful: Arr) -> Arr:
    """Lower limit for crossings: R's ``qbinom(0.05, n - 1, 0.5)`` (NaN where n = 0).

    Many segments share a few lengths: the quantile is computed once per length (and
    remembered), element by element as the same vectorised call would give it.
    """
    n = np.asarray(n_useful, dtype=np.float64)
    distinct, back = np.unique(n, return_inverse=True)
    values = distinct.tolist()
    new = [v for v in values if v == v and v not in _CROSSINGS_LIMITS]  # NaN: no limit
    if new:
        if len(_CROSSINGS_LIMITS) > 100_000:  # bounded: lengths are counts of points
            _CROSSINGS_LIMITS.clear()
        computed = _crossings_limit(np.asarray(new, dtype=np.float64)).tolist()
        _CROSSINGS_LIMITS.update(zip(new, computed, strict=True))
    limits = np.array([_CROSSINGS_LIMITS.get(v, np.nan) for v in values], dtype=np.float64)
    return limits[back.reshape(n.shape)]


@dataclass(frozen=True)
class BoxLimits:
    """Per-segment critical values of one runs-analysis method."""

    n_crossings_min: Arr
    longest_run_max: Arr
    crossings_border: Arr  # cut box: smallest C without a signal when L = longest_run_max
    longest_run_border: Arr  # cut box: longest L without a signal when C = n_crossings_min
    fallback: BoolArr  # box method asked for but n > MAX_BOX_N: Anhøj limits used


def method_limits(method: str, n_useful: Arr) -> BoxLimits:
    """Critical values per segment for ``method`` (NaN where there are no useful points)."""
    n = np.asarray(n_useful, dtype=np.float64)
    cmin = crossings_limit(n)
    lmax = longest_run_limit(n)
    c_border = np.full(n.shape, np.nan)
    l_border = np.full(n.shape, np.nan)
    fallback = np.zeros(n.shape, dtype=bool)
    if method != "anhoej":
        fallback = n > MAX_BOX_N
        for value in np.unique(n[(n > 0) & ~fallback]):
            at = n == value
            cmin[at], lmax[at] = best_box(int(value))
            if method == "cutbox":
                cut = cut_box(int(value))
                if cut is not None:
                    c_border[at], l_border[at] = cut
    return BoxLimits(cmin, lmax, c_border, l_border, fallback)


@dataclass(frozen=True)
class RunsAnalysis:
    """Per-segment statistics and per-point flags of the Anhøj rules."""

    n_obs: Arr
    n_useful: Arr
    longest_run: Arr
    longest_run_max: Arr
    n_crossings: Arr
    n_crossings_min: Arr
    runs_signal: BoolArr  # per segment
    crossings_border: Arr  # per segment (cut box only, else NaN)
    longest_run_border: Arr
    box_fallback: BoolArr  # per segment: Anhøj limits used because n > MAX_BOX_N
    in_long_run: BoolArr  # per point: part of a run longer than the limit
    few_crossings: BoolArr  # per point: useful point of a phase with too few crossings
    side: NDArray[np.int8]  # per point: +1 above, -1 below, 0 on the line or not useful


def anhoej(
    y: Arr,
    cl: Arr,
    seg: IntArr,
    include: BoolArr,
    n_seg: int,
    method: str = "anhoej",
) -> RunsAnalysis:
    """Runs analysis of ``y`` around ``cl`` for each segment (points sorted by segment).

    With the cut box, a phase whose ``(C, L)`` falls in the cut-away cells (enough
    crossings and no run beyond the box, but the two together unusual) has its longest
    run(s) flagged as the reason, so the signal keeps a side.
    """
    size = y.shape[0]
    with np.errstate(invalid="ignore"):
        sign = (y > cl).view(np.int8) - (y < cl).view(np.int8)  # sign(y - cl), 0 if missing
    useful = include & (sign != 0)
    every = bool(useful.all())  # no point on the line, missing or excluded: no copies
    idx = np.arange(0) if every else np.flatnonzero(useful)
    s = sign if every else sign[idx]
    sg = seg if every else seg[idx]
    run_id, length = run_lengths(s, np.ones(s.size, dtype=bool), sg)

    kept = seg if every or include.all() else seg[include]
    n_obs = np.bincount(kept, minlength=n_seg).astype(np.float64)
    n_useful = np.bincount(sg, minlength=n_seg).astype(np.float64)
    starts = np.ones(s.size, dtype=bool)
    starts[1:] = run_id[1:] != run_id[:-1]
    n_runs = np.bincount(sg[starts], minlength=n_seg).astype(np.float64)
    # runs never cross a segment and points are sorted by segment: the longest run of each
    # segment with useful points is the maximum over its contiguous block
    longest = np.full(n_seg, np.nan)
    if s.size:
        seg_start = np.ones(s.size, dtype=bool)
        seg_start[1:] = sg[1:] != sg[:-1]
        first = np.flatnonzero(seg_start)
        longest[sg[first]] = np.maximum.reduceat(length, first).astype(np.float64)
    has = n_useful > 0
    crossings = np.where(has, np.maximum(n_runs - 1.0, 0.0), np.nan)
    longest = np.where(has, longest, np.nan)
    box = method_limits(method, n_useful)
    lmax, cmin = box.longest_run_max, box.n_crossings_min
    cb, lb = box.crossings_border, box.longest_run_border
    with np.errstate(invalid="ignore"):
        outside_box = (longest > lmax) | (crossings < cmin)
        in_cut = (
            ~np.isnan(cb)
            & ~outside_box
            & ~(
                ((crossings >= cmin + 1) & (longest <= lmax - 1))
                | ((crossings == cmin) & (longest <= lb))
                | (crossings >= cb)
            )
        )
        signal = has & (outside_box | in_cut)
        run_limit = np.where(in_cut, longest - 1.0, lmax)

    with np.errstate(invalid="ignore"):
        long_here = length > run_limit[sg]
        few_here = (crossings < cmin)[sg]
    if every:
        in_long, few, side = long_here, few_here, s
    else:
        in_long = np.zeros(size, dtype=bool)
        few = np.zeros(size, dtype=bool)
        side = np.zeros(size, dtype=np.int8)
        in_long[idx] = long_here
        few[idx] = few_here
        side[idx] = s
    return RunsAnalysis(
        n_obs=n_obs,
        n_useful=n_useful,
        longest_run=longest,
        longest_run_max=lmax,
        n_crossings=crossings,
        n_crossings_min=cmin,
        runs_signal=signal,
        crossings_border=cb,
        longest_run_border=lb,
        box_fallback=box.fallback & has,
        in_long_run=in_long,
        few_crossings=few,
        side=side,
    )
