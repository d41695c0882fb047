"""Before and after: each group's level in each phase, the change, and the gap's change.

For each series the level of a phase is its pooled value, sum(numerator) / sum(denominator)
(the maximum-likelihood estimate of a binomial proportion or Poisson rate that is constant
within the phase, and the records-weighted mean for a mean). The change in the gap,

    DiD = (D_after - D_before) - (A_after - A_before),

is the difference in differences between the disadvantaged (D) and advantaged (A) groups
(Wing C, Simon K, Bello-Gomez RA. Designing difference in difference studies. Annu Rev
Public Health 2018;39:453-469); it is the causal effect on the gap if, without the project,
the gap would have stayed where it was (parallel trends: checked with the interrupted time
series, see :mod:`equalqi.impact.gap_its`).

All levels come from one cell-means GLM per series (identity link on the absolute scale,
logit/log on the relative scale), fitted jointly so that the interval of the gap's change
uses the Driscoll-Kraay covariance of the two groups: period-to-period noise shared by the
groups, over-dispersion and autocorrelation all widen it, as they should.

"before" is the baseline phase (before the first intervention date) and "after" the last
phase; with several phases the ones in between are transition phases and are not used here
(the interrupted time series uses them all).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from equalqi.impact.design import phase_columns
from equalqi.impact.fit import Block, FitError, JointFit, fit_joint
from equalqi.impact.frames import rows_frame
from equalqi.impact.targets import Options, Target, show_contrast, show_level
from equalqi.impact.validate import Prepared

IntArr = NDArray[np.int64]

COLUMNS = (
    "series",
    "role",
    "unit",
    "before",
    "before_lower",
    "before_upper",
    "after",
    "after_lower",
    "after_upper",
    "change",
    "lower",
    "upper",
    "se",
    "p_value",
    "periods_before",
    "periods_after",
    "measure",
    "method",
    "errors",
)
HALVES = ("first half", "second half")


def _blocks(
    prepared: Prepared, keys: Sequence[str], phase_of: IntArr, n_phases: int, options: Options
) -> list[Block]:
    blocks = []
    for key in keys:
        s = prepared.get(key)
        t = prepared.t(key)
        x, names = phase_columns(phase_of[t], n_phases)
        y = s.value
        blocks.append(Block(key, t, y, s.weight, x, names))
    return blocks


def _fit(
    prepared: Prepared, targets: Sequence[Target], phase_of: IntArr, n_phases: int, options: Options
) -> tuple[JointFit | None, list[str]]:
    keys = sorted({k for t in targets for k in t.weights})
    blocks = _blocks(prepared, keys, phase_of, n_phases, options)
    notes: list[str] = []
    usable = []
    for b in blocks:
        if b.x.shape[0] < 2:
            notes.append(f"'{prepared.get(b.key).label}' has too few periods to compare phases.")
            continue
        usable.append(b)
    if not usable:
        return None, notes
    try:
        errors = "ar1" if options.errors == "glsar" else options.errors
        return fit_joint(
            usable, options.spec, errors=errors, lags=options.lags, n_grid=prepared.timeline.n_grid
        ), notes
    except FitError as exc:
        notes.append(f"The before/after comparison could not be fitted: {exc}.")
        return None, notes


def compare_phases(
    prepared: Prepared,
    targets: Sequence[Target],
    options: Options,
    *,
    phase_of: IntArr | None = None,
    n_phases: int | None = None,
    before: int = 0,
    after: int | Sequence[int] | None = None,
) -> tuple[list[pd.DataFrame], list[str]]:
    """One frame per ``after`` phase, one row per target: level before and after, the change,
    its interval and p-value (all series fitted once).

    ``phase_of`` maps each grid position to a phase (default: the timeline's phases);
    ``before`` and ``after`` pick the phases compared (default: first and last).
    """
    tl = prepared.timeline
    if phase_of is None:
        phase_of = tl.phase(np.arange(tl.n_grid))
        n_phases = tl.n_phases
    assert n_phases is not None
    afters = [n_phases - 1] if after is None else [after] if isinstance(after, int) else list(after)
    fit, notes = _fit(prepared, targets, phase_of, n_phases, options)
    counts = np.bincount(phase_of[tl.index], minlength=n_phases)
    frames = [rows_frame(_rows(fit, targets, options, before, a, counts), COLUMNS) for a in afters]
    return frames, notes


def before_after(
    prepared: Prepared, targets: Sequence[Target], options: Options
) -> tuple[pd.DataFrame, list[str]]:
    """Baseline phase against the last phase, for every target."""
    frames, notes = compare_phases(prepared, targets, options)
    return frames[0], notes


def early_late(
    prepared: Prepared, targets: Sequence[Target], options: Options
) -> pd.DataFrame | None:
    """Baseline against the first and the second half of the last phase: both halves' rows
    in one table (one fit), with a ``half`` column ("first half", "second half")."""
    split = early_late_phases(prepared)
    if split is None:
        return None
    phase_of, n_phases = split
    fit, _ = _fit(prepared, targets, phase_of, n_phases, options)
    counts = np.bincount(phase_of[prepared.timeline.index], minlength=n_phases)
    rows = [
        {**row, "half": half}
        for half, after in zip(HALVES, (n_phases - 2, n_phases - 1), strict=True)
        for row in _rows(fit, targets, options, 0, after, counts)
    ]
    return rows_frame(rows, (*COLUMNS, "half"))


def _rows(
    fit: JointFit | None,
    targets: Sequence[Target],
    options: Options,
    before: int,
    after: int,
    counts: IntArr,
) -> list[dict[str, object]]:
    """One row (dict of COLUMNS) per target: phase ``before`` against phase ``after``."""
    spec, mult = options.spec, options.multiplier
    rows = []
    for target in targets:
        row: dict[str, object] = {
            "series": target.label,
            "role": target.role,
            "unit": target.unit,
            "periods_before": int(counts[before]),
            "periods_after": int(counts[after]),
            "measure": spec.contrast_name,
            "method": spec.description(),
            "errors": fit.errors if fit else "",
        }
        ok = fit is not None and all(
            fit.has(k, f"phase_{j}") for k in target.weights for j in (before, after)
        )
        if not ok or fit is None:
            rows.append(row)
            continue
        crit = fit.critical(options.confidence)
        lb = fit.vector({k: {f"phase_{before}": c} for k, c in target.weights.items()})
        la = fit.vector({k: {f"phase_{after}": c} for k, c in target.weights.items()})
        show = show_level if target.is_level else show_contrast
        for name, vec in (("before", lb), ("after", la)):
            est, se = fit.estimate(vec)
            row[name] = float(show(spec, est, mult))
            row[f"{name}_lower"] = float(show(spec, est - crit * se, mult))
            row[f"{name}_upper"] = float(show(spec, est + crit * se, mult))
        est, se = fit.estimate(la - lb)
        row["change"] = float(show_contrast(spec, est, mult))
        row["lower"] = float(show_contrast(spec, est - crit * se, mult))
        row["upper"] = float(show_contrast(spec, est + crit * se, mult))
        row["se"] = se * (mult if spec.scale == "absolute" else 1.0)
        row["p_value"] = fit.p_value(est, se)
        rows.append(row)
    return rows


def early_late_phases(prepared: Prepared) -> tuple[IntArr, int] | None:
    """Phases with the last one split into an early and a late half (for inverse equity).

    Returns the phase of every grid position and the number of phases, or None if the last
    phase has fewer than 2 observed periods. The early half gets the extra period when the
    count is odd.
    """
    tl = prepared.timeline
    phase = tl.phase(np.arange(tl.n_grid))
    last = tl.n_phases - 1
    observed = tl.index[tl.phase(tl.index) == last]
    if observed.size < 2:
        return None
    split = observed[(observed.size + 1) // 2]
    out = phase.copy()
    out[np.arange(tl.n_grid) >= split] = last + 1
    return out, tl.n_phases + 1
