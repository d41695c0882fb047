"""Evaluate one project's effect on a measure and on the gap between two groups.

The verdict rests on the before/after comparison (each group's pooled level in the baseline
and in the last phase, and the difference in differences for the gap), with intervals that
allow for over-dispersion, autocorrelation and correlation between the groups (an AR(1)
working covariance by default, :mod:`equalqi.impact.ar1`). The interrupted time series of
every series and of the gap (level and slope changes) is reported beside it and checks the
one assumption the difference in differences makes: that the gap was not already moving
(see :mod:`equalqi.impact.warnings`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from equalqi.errors import InputError, Problem
from equalqi.impact import warnings as honest
from equalqi.impact.before_after import HALVES, before_after, early_late
from equalqi.impact.design import default_lags
from equalqi.impact.gap_its import gap_its
from equalqi.impact.its import COLUMNS as ITS_COLUMNS
from equalqi.impact.model_spec import ModelSpec, resolve_errors
from equalqi.impact.result import ImpactResult
from equalqi.impact.targets import Options, build_targets, null_value, primary_unit
from equalqi.impact.validate import check_completeness, check_options, check_relative, prepare
from equalqi.impact.verdict import (
    NO_DIRECTION,
    InverseEquity,
    OverallEffect,
    Units,
    inverse_equity,
    judge_change,
    judge_gap,
    neutral_sentence,
    outcome_of,
    sentence,
)
from equalqi.stats._confidence import as_fraction

_NAMES = {"proportion": "proportion", "rate": "rate", "mean": "mean"}


class _Rows:
    """Rows of a result frame looked up by role and unit (and term or half).

    The key columns are read into numpy once per frame (a DataFrame mask per lookup costs
    ten times more); a row itself is read with ``iloc``, so its values keep their types.
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        self._frame = frame
        self._keys = {
            c: frame[c].to_numpy(dtype=object)
            for c in ("role", "unit", "term", "half")
            if c in frame
        }

    def pick(self, role: str, unit: str, **more: str) -> dict[str, Any] | None:
        """The last row with this role and unit (and ``more``: term or half), or None."""
        hit = (self._keys["role"] == role) & (self._keys["unit"] == unit)
        for column, value in more.items():
            hit &= self._keys[column] == value
        where = np.flatnonzero(hit)
        return dict(self._frame.iloc[int(where[-1])]) if where.size else None


def evaluate_gap(
    table: pd.DataFrame,
    *,
    dimension: str,
    groups: tuple[str, str],
    intervention: dt.date | Sequence[dt.date],
    kind: str = "proportion",
    improvement: str = "decrease",
    scale: str = "absolute",
    seasonality: str | None = None,
    hac_lags: int | None = None,
    control: pd.DataFrame | None = None,
    completeness: pd.DataFrame | None = None,
    confidence: float = 0.95,
    multiplier: float = 100,
    errors: str | None = None,
    slope_change: bool = True,
    name: str | None = None,
    unit: str | None = None,
) -> ImpactResult:
    """Before/after and interrupted-time-series evaluation of a project's effect on equity.

    ``table`` is the measure table (period, dimension, group, numerator, denominator, ...);
    ``groups`` = (disadvantaged group, advantaged group) of ``dimension``, and the gap is
    disadvantaged minus advantaged. ``intervention`` is the date the change started, or
    several dates (one phase each). ``kind`` picks the model (binomial, Poisson with
    exposure, linear); ``improvement`` which direction is better; ``scale`` whether the gap
    is a difference (``absolute``) or a ratio (``relative``: odds ratio, rate ratio, ratio of
    means). ``seasonality``: None, "month" or "fourier" (interrupted time series only).
    ``errors``: "ar1" (default), "newey-west" (the default if ``hac_lags`` is given; None
    lags: floor(4 (T/100)^(2/9))), "glsar" (time series only) or "model". ``control``: a
    measure table of a comparable population without the intervention; the verdict is then
    relative to it. ``completeness``: period, dimension, share_missing (0-1). ``slope_change``:
    False fits level changes only. ``name`` and ``unit`` are used in the verdict sentence.
    """
    errors = resolve_errors(errors, hac_lags)
    confidence = as_fraction(confidence)  # type: ignore[assignment]  # 0.95 or 95
    problems = check_options(
        groups=groups,
        kind=kind,
        improvement=improvement,
        scale=scale,
        seasonality=seasonality,
        hac_lags=hac_lags,
        errors=errors,
        confidence=confidence,
        multiplier=multiplier,
    )
    if problems:
        raise InputError(problems)
    # Without a better direction ("neutral") nothing is judged: the models run on
    # "decrease" only so that the intervals are computed; the verdict's labels are replaced.
    given = improvement
    neutral = improvement == "neutral"
    improvement = "decrease" if neutral else improvement
    groups = (str(groups[0]), str(groups[1]))
    prepared = prepare(
        table,
        dimension=dimension,
        groups=groups,
        intervention=intervention,
        kind=kind,
        control=control,
    )
    check_relative(prepared, kind, scale)
    complete = check_completeness(completeness) if completeness is not None else None
    n_grid = prepared.timeline.n_grid
    lags = default_lags(n_grid) if hac_lags is None else int(hac_lags)
    if lags >= prepared.timeline.periods.size - 1:
        raise InputError(
            Problem(
                what=f"hac_lags = {lags} is too many for {prepared.timeline.periods.size} periods",
                fix="Use fewer lags than periods, or None for the rule of thumb.",
                column="hac_lags",
                value=str(hac_lags),
            )
        )
    spec = ModelSpec.of(kind, scale)
    options = Options(
        spec,
        improvement,
        seasonality,
        slope_change,
        errors,
        lags,
        float(confidence),
        float(multiplier),
    )
    targets = build_targets(prepared)
    main = primary_unit(targets)
    null = null_value(spec)
    labels = groups

    # ---- estimates
    ba, ba_notes = before_after(prepared, targets, options)
    halves = early_late(prepared, targets, options)
    if honest.enough_points(prepared):
        its_result = gap_its(prepared, targets, options)
        its, its_notes = its_result.frame, list(its_result.notes)
        model, errors_text = its_result.model, its_result.errors
    else:
        its = pd.DataFrame(columns=list(ITS_COLUMNS))
        its_notes, model = [], spec.description()
        errors_text = str(ba["errors"].iloc[0]) if len(ba) else ""

    # ---- verdict
    ba_rows = _Rows(ba)
    overall_row = ba_rows.pick("overall", main)
    d_row, a_row = ba_rows.pick("disadvantaged", main), ba_rows.pick("advantaged", main)
    gap_row = ba_rows.pick("gap", main)

    def judged(row: Mapping[str, Any] | None) -> OverallEffect:
        if row is None:
            return "no evidence"
        return judge_change(row["lower"], row["upper"], improvement, null)

    overall = judged(overall_row)
    both = judged(d_row) == "improved" and judged(a_row) == "improved"
    gap = (
        judge_gap(gap_row["lower"], gap_row["upper"], improvement, null, both_improved=both)
        if gap_row is not None
        else "no evidence"
    )
    if halves is not None:
        first, second = HALVES
        half_rows = _Rows(halves)
        a_early = half_rows.pick("advantaged", main, half=first)
        g_early = half_rows.pick("gap", main, half=first)
        g_late = half_rows.pick("gap", main, half=second)
        early_late_frame = halves
    else:
        a_early = g_early = g_late = None
        early_late_frame = pd.DataFrame()
    inverse = inverse_equity(
        improvement=improvement,
        null=null,
        advantaged_early=a_early,
        gap_early=g_early,
        gap_late=g_late,
        advantaged=a_row,
        disadvantaged=d_row,
        gap=gap,
        labels=labels,
    )
    units = Units.for_measure(kind, float(multiplier), unit)
    if neutral:
        overall = gap = NO_DIRECTION
        inverse = InverseEquity(False, "Not judged: the plan sets no better direction.")
    verdict = (
        neutral_sentence(
            name=name or _NAMES[kind],
            units=units,
            confidence=float(confidence),
            overall_row=overall_row,
            gap_row=gap_row,
            labels=labels,
        )
        if neutral
        else sentence(
            name=name or _NAMES[kind],
            scale=scale,
            ratio_name=spec.ratio_name,
            units=units,
            confidence=float(confidence),
            overall_row=overall_row,
            gap_row=gap_row,
            overall=overall,
            gap=gap,
            labels=labels,
            controlled=main != "project",
        )
    )

    # ---- warnings
    warned: list[str] = list(prepared.notes)
    warned += honest.points(prepared)
    warned += honest.events(prepared, kind)
    warned += honest.completeness_change(prepared, complete, dimension)
    warned += honest.intervention_dates(prepared)
    if not its.empty:
        its_rows = _Rows(its)
        warned += honest.parallel_trends(
            its_rows.pick("gap", main, term="pre-intervention slope"),
            null=null,
            units=units,
            relative=scale == "relative",
            confidence=float(confidence),
        )
        warned += honest.disagreement(
            gap_row, its_rows.pick("gap", main, term="average change after"), null=null
        )
    if not neutral:
        warned += honest.baseline_and_reversal(
            gap_row, improvement=improvement, null=null, labels=labels
        )
        warned += honest.levelling_down(
            gap, a_row, improvement=improvement, null=null, labels=labels
        )
    warned += ba_notes + its_notes

    return ImpactResult(
        dimension=dimension,
        groups=groups,
        intervention=tuple(d.date() for d in prepared.timeline.dates),
        kind=kind,
        scale=scale,
        improvement=given,
        confidence=float(confidence),
        multiplier=float(multiplier),
        before_after=ba,
        its=its,
        early_late=early_late_frame,
        overall=overall,
        gap_change=gap,
        outcome=outcome_of(gap),
        inverse_equity=inverse,
        warnings=tuple(dict.fromkeys(warned)),
        verdict=verdict,
        model=model,
        errors=errors_text,
        lags=lags if errors == "newey-west" else None,
    )
