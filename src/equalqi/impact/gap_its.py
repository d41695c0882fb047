"""Interrupted time series of the gap: two groups stacked, group x time x post interactions.

The classic comparative model stacks the disadvantaged (D = 1) and advantaged (D = 0)
series and interacts every term with D (Linden A. Conducting interrupted time-series analysis
for single- and multiple-group comparisons. Stata J 2015;15:480-500):

    g(mu_gt) = b0 + b1 t + b2 P_t + b3 (t - t_1) P_t
               + D (c0 + c1 t + c2 P_t + c3 (t - t_1) P_t)

``c2`` is the **level change of the gap** at the intervention and ``c3`` the **slope change of
the gap**; ``c1`` is the difference in pre-intervention slopes, the check on the "parallel
trends" that the before/after difference in differences relies on. Because every term is
interacted, this is the same fit as one segmented regression per group, and each ``c`` is the
difference of the two groups' coefficients - which is how :mod:`equalqi.impact.fit`
computes it, with the Driscoll-Kraay covariance between the groups. Seasonal terms are
interacted too (each group has its own seasonal pattern).

With a control series the gap's changes are also compared with the control's gap changes
(a comparative ITS of the gap; Lopez Bernal et al. Int J Epidemiol 2018;47:2082-2093).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd

from equalqi.errors import InputError
from equalqi.impact.design import default_lags
from equalqi.impact.its import ItsResult, its_frame
from equalqi.impact.model_spec import ModelSpec, resolve_errors
from equalqi.impact.targets import Options, Target, build_targets
from equalqi.impact.validate import Prepared, check_options, check_relative, prepare


def gap_its(prepared: Prepared, targets: Sequence[Target], options: Options) -> ItsResult:
    """Segmented regression of every target (groups, gap, controlled versions)."""
    frame, method, errors, notes = its_frame(prepared, targets, options)
    lags = options.lags if options.errors == "newey-west" else None
    return ItsResult(frame, method, errors, lags, options.confidence, tuple(notes))


def fit_gap_its(
    table: pd.DataFrame,
    *,
    dimension: str,
    groups: tuple[str, str],
    intervention: dt.date | Sequence[dt.date],
    kind: str = "proportion",
    scale: str = "absolute",
    seasonality: str | None = None,
    slope_change: bool = True,
    errors: str | None = None,
    hac_lags: int | None = None,
    control: pd.DataFrame | None = None,
    confidence: float = 0.95,
    multiplier: float = 100,
) -> ItsResult:
    """Level and slope change of each group and of the gap (disadvantaged minus advantaged),
    from the measure table (see :func:`equalqi.impact.evaluate_gap` for the arguments)."""
    errors = resolve_errors(errors, hac_lags)
    problems = check_options(
        groups=groups,
        kind=kind,
        improvement="decrease",
        scale=scale,
        seasonality=seasonality,
        hac_lags=hac_lags,
        errors=errors,
        confidence=confidence,
        multiplier=multiplier,
    )
    if problems:
        raise InputError(problems)
    prepared = prepare(
        table,
        dimension=dimension,
        groups=groups,
        intervention=intervention,
        kind=kind,
        control=control,
    )
    check_relative(prepared, kind, scale)
    lags = default_lags(prepared.timeline.n_grid) if hac_lags is None else int(hac_lags)
    options = Options(
        ModelSpec.of(kind, scale),
        "decrease",
        seasonality,
        slope_change,
        errors,
        lags,
        float(confidence),
        float(multiplier),
    )
    return gap_its(prepared, build_targets(prepared), options)
