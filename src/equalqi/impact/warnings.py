"""Honest warnings: when the numbers behind a verdict deserve less trust than they look.

Each check returns plain-language sentences (possibly none). Thresholds, and why:

* **points**: an interrupted time series needs at least 3 periods on each side of every
  change (Cochrane EPOC), and 8 or more are recommended (Penfold RB, Zhang F. Use of
  interrupted time series analysis in evaluating health care quality improvements. Acad
  Pediatr 2013;13:S38-S44); below 3 it is not fitted;
* **events**: fewer than 10 events in a group and phase, or a median under 5 a period: the
  normal approximations behind the intervals fail (the same cut PHEindicatormethods uses to
  switch to exact Poisson intervals) and small-number suppression will hide the figures;
* **completeness**: the share of records with the dimension missing changes by 5 percentage
  points or more between before and after: if recording improved at the same time as the
  project (e.g. ethnicity recording drives), who is counted in each group changed too;
* **parallel trends**: the gap already had a trend before the intervention (its
  pre-intervention slope excludes zero), which the difference in differences assumes away;
* **disagreement**: the before/after and the trend-adjusted (ITS) changes in the gap point in
  opposite directions;
* the disadvantaged group was not worse off at baseline, the gap reversed, or it narrowed
  because the advantaged group got worse (levelling down).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from equalqi.impact.validate import Prepared
from equalqi.impact.verdict import Units, fmt, judge_change

MIN_POINTS = 3
RECOMMENDED_POINTS = 8
MIN_EVENTS = 10
MIN_EVENTS_PER_PERIOD = 5
COMPLETENESS_CHANGE = 0.05


def _phase_name(j: int, n_phases: int) -> str:
    if j == 0:
        return "before the intervention"
    if n_phases == 2:
        return "after the intervention"
    return f"in phase {j + 1} of {n_phases}"


def points(prepared: Prepared) -> list[str]:
    """Too few periods on either side of a change."""
    tl = prepared.timeline
    counts = tl.phase_counts()
    out = []
    for j, n in enumerate(counts):
        if n < RECOMMENDED_POINTS:
            need = (
                "so the interrupted time series was not fitted"
                if n < MIN_POINTS
                else "treat the trend estimates with caution"
            )
            out.append(
                f"Only {n} period(s) {_phase_name(j, tl.n_phases)}: an interrupted time "
                f"series needs at least {MIN_POINTS} and {RECOMMENDED_POINTS} or more are "
                f"recommended, {need}."
            )
    return out


def enough_points(prepared: Prepared) -> bool:
    return bool(np.all(prepared.timeline.phase_counts() >= MIN_POINTS))


def events(prepared: Prepared, kind: str) -> list[str]:
    """Too few events (or records, for a mean) in a group and phase."""
    tl = prepared.timeline
    out = []
    for s in prepared.series:
        phase = tl.phase(prepared.t(s.key))
        if kind == "proportion":
            count = np.minimum(s.numerator, s.weight - s.numerator)
            what = "events (or non-events)"
        elif kind == "rate":
            count = s.numerator
            what = "events"
        else:
            count = s.n_records
            what = "records"
        for j in range(tl.n_phases):
            c = count[phase == j]
            if c.size == 0:
                continue
            total, median = float(c.sum()), float(np.median(c))
            if total < MIN_EVENTS or median < MIN_EVENTS_PER_PERIOD:
                where = f"{'the control: ' if s.unit == 'control' else ''}{s.label}"
                out.append(
                    f"Few {what} in {where} {_phase_name(j, tl.n_phases)}: "
                    f"{total:,.0f} over {c.size} period(s), a median of {median:,.0f} a "
                    "period. Its estimates are imprecise and their intervals may be "
                    "too narrow; consider longer periods (e.g. quarters) or broader "
                    "groups."
                )
    return out


_KEYWORDS = (
    (("ethnic",), ("ethnic",)),
    (("imd", "depriv", "core20", "quintile", "decile"), ("imd", "depriv", "decile")),
    (("age",), ("age",)),
    (("sex", "gender"), ("sex", "gender")),
)


def completeness_rows(completeness: pd.DataFrame, dimension: str) -> pd.DataFrame:
    """The completeness rows for a dimension: by name, else by the field it is built from
    (e.g. 'IMD quintile' -> 'imd_decile', 'Ethnic group' -> 'ethnic_code')."""
    names = completeness["dimension"].astype(str).to_numpy(dtype=object)
    # Each distinct name is matched once: the table repeats every name in every period.
    distinct = [n for n in pd.unique(names) if isinstance(n, str)]
    lowered = dimension.casefold()
    hit = {n for n in distinct if n.casefold() == lowered}
    if not hit:
        for keys, fields in _KEYWORDS:
            if any(k in lowered for k in keys):
                hit = {n for n in distinct if any(x in n.casefold() for x in fields)}
                break
        else:
            return completeness.iloc[0:0]
    return completeness[np.fromiter((n in hit for n in names), dtype=bool, count=names.size)]


def completeness_change(
    prepared: Prepared, completeness: pd.DataFrame | None, dimension: str
) -> list[str]:
    """Recording of the dimension changed between before and after."""
    if completeness is None:
        return []
    rows = completeness_rows(completeness, dimension)
    if rows.empty:
        return [
            f"The completeness table has no rows for '{dimension}', so a change in "
            "recording at the intervention could not be checked."
        ]
    tl = prepared.timeline
    first, last = tl.dates[0], tl.dates[-1]
    period, share = rows["period"], rows["share_missing"]
    before, after = share[period < first], share[period >= last]
    if before.empty or after.empty:
        return []
    b, a = float(before.mean()), float(after.mean())
    if abs(a - b) < COMPLETENESS_CHANGE:
        return []
    trend = "improved" if a < b else "got worse"
    return [
        f"Recording of '{dimension}' {trend} at the intervention: it was missing for "
        f"{b:.0%} of records before and {a:.0%} after. When who gets recorded changes at "
        "the same time as the project, part of the change in each group and in the gap "
        "may come from recording rather than from care."
    ]


def intervention_dates(prepared: Prepared) -> list[str]:
    """An intervention date that falls inside a period rather than at its start."""
    tl = prepared.timeline
    out = []
    spacing = np.median(np.diff(tl.periods.asi8)) if len(tl.periods) > 1 else 0
    for d in tl.dates:
        if d in tl.periods:
            continue
        prev = tl.periods[tl.periods < d]
        if len(prev) and (d.value - prev[-1].value) < spacing:
            out.append(
                f"The intervention date {d.date()} falls inside the period starting "
                f"{prev[-1].date()}; that period is counted as before the intervention."
            )
    return out


def _row_ok(row: Mapping[str, Any] | None, *keys: str) -> bool:
    return row is not None and all(
        isinstance(row.get(k), float | int) and np.isfinite(float(row[k])) for k in keys
    )


def parallel_trends(
    its_row: Mapping[str, Any] | None,
    *,
    null: float,
    units: Units,
    relative: bool,
    confidence: float,
) -> list[str]:
    """The gap already had a trend before the intervention."""
    if not _row_ok(its_row, "estimate", "lower", "upper") or its_row is None:
        return []
    est, lo, hi = float(its_row["estimate"]), float(its_row["lower"]), float(its_row["upper"])
    if lo <= null <= hi:
        return []
    unit = " (ratio per period)" if relative else f"{units.change_suffix} per period"
    return [
        f"The gap was already changing before the intervention ({fmt(est, 3, sign=True)}"
        f"{unit}, {confidence * 100:g}% CI {fmt(lo, 3)} to {fmt(hi, 3)}). The before/after "
        "difference in differences assumes the gap would otherwise have stayed level, so "
        "part of its change may be this trend; the interrupted time series estimates "
        "allow for it."
    ]


def disagreement(
    did_row: Mapping[str, Any] | None, its_row: Mapping[str, Any] | None, *, null: float
) -> list[str]:
    """Before/after and trend-adjusted changes in the gap point in opposite directions."""
    if not (_row_ok(did_row, "lower", "upper") and _row_ok(its_row, "lower", "upper")):
        return []
    assert did_row is not None and its_row is not None
    did_up, did_down = did_row["lower"] > null, did_row["upper"] < null
    its_up, its_down = its_row["lower"] > null, its_row["upper"] < null
    if (did_up and its_down) or (did_down and its_up):
        return [
            "The before/after comparison and the interrupted time series disagree about "
            "the direction of the change in the gap: pre-existing trends are probably "
            "driving the before/after result. Look at the charts before drawing a "
            "conclusion."
        ]
    return []


def baseline_and_reversal(
    gap_row: Mapping[str, Any] | None, *, improvement: str, null: float, labels: tuple[str, str]
) -> list[str]:
    """The 'disadvantaged' group was not behind at baseline, or the gap changed sign."""
    if not _row_ok(gap_row, "before", "after") or gap_row is None:
        return []
    d_label, a_label = labels
    good = 1.0 if improvement == "increase" else -1.0
    before = good * (float(gap_row["before"]) - null)  # > 0: D better off
    after = good * (float(gap_row["after"]) - null)
    out = []
    if before > 0:
        out.append(
            f"Before the intervention {d_label} was not worse off than {a_label}; "
            f"'widened' and 'narrowed' here mean moving against or towards {d_label}, "
            "not away from or towards zero."
        )
    elif after > 0:
        out.append(
            f"The gap reversed: after the intervention {d_label} was better off than {a_label}."
        )
    return out


def levelling_down(
    gap_effect: str,
    advantaged_row: Mapping[str, Any] | None,
    *,
    improvement: str,
    null: float,
    labels: tuple[str, str],
) -> list[str]:
    """The gap narrowed because the advantaged group got worse."""
    if gap_effect != "narrowed" or not _row_ok(advantaged_row, "lower", "upper"):
        return []
    assert advantaged_row is not None
    if (
        judge_change(
            float(advantaged_row["lower"]), float(advantaged_row["upper"]), improvement, null
        )
        == "worsened"
    ):
        return [
            f"The gap narrowed at least partly because {labels[1]} got worse (levelling "
            f"down), not only because {labels[0]} improved."
        ]
    return []
