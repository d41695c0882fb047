"""Concentration indices: absolute (ACI) and relative (RCI), for ordered dimensions.

Subgroups are ranked from the most disadvantaged (rank near 0) to the most advantaged
(rank near 1) by the mid-point rᵢ of their cumulative population share. With population
shares pᵢ, weighted mean μ and σ²ᵣ = Σ pᵢ (rᵢ − ½)²,

    ACI = 2 Σ pᵢ yᵢ (rᵢ − ½) (twice the covariance of indicator and rank)
    RCI = ACI / μ

computed, as healthequal, through the convenient regression 2σ²ᵣ (yᵢ/μ) √nᵢ =
α √nᵢ + β rᵢ √nᵢ (RCI = β; ACI the same with μ yᵢ/μ on the left), whose ordinary
least-squares standard error gives the interval β ± z SE. Positive values mean the
indicator is concentrated among the advantaged. ``lmin``/``lmax`` rescale a bounded
indicator to 0..1 first; the RCI may be normalised by Wagstaff (÷ (1 − μ)) or Erreygers
(× 4μ).

References: Kakwani N, Wagstaff A, van Doorslaer E. Socioeconomic inequalities in
health: measurement, computation, and statistical inference. J Econom 1997;77:87-103.
O'Donnell O, van Doorslaer E, Wagstaff A, Lindelow M. Analyzing health equity using
household survey data. World Bank 2008, chapter 8. Erreygers G. Correcting the
concentration index. J Health Econ 2009;28:504-515. Schlotheuber A, Hosseinpoor AR.
Int J Environ Res Public Health 2022;19(6):3697. healthequal ``aci()``, ``rci()``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from equalqi.errors import Problem
from equalqi.stats.heat._groups import (
    Array,
    BoolArray,
    Notes,
    Settings,
    consecutive_order,
    missing_rule,
    need_more_than_two,
    normal_frame,
    population_notes,
    quiet,
    read_inputs,
    ridit_rank,
)
from equalqi.stats.heat._level import parse_level

NORMALISATIONS = ("wagstaff", "erreygers")


def _ols_first(
    settings: Settings, y: Array, x1: Array, x2: Array, mask: BoolArray
) -> tuple[Array, Array]:
    """Per setting: coefficient of x1 and its OLS standard error in y ~ 0 + x1 + x2."""
    s11 = settings.sum(x1 * x1, mask)
    s12 = settings.sum(x1 * x2, mask)
    s22 = settings.sum(x2 * x2, mask)
    t1 = settings.sum(x1 * y, mask)
    t2 = settings.sum(x2 * y, mask)
    with np.errstate(divide="ignore", invalid="ignore"):
        det = s11 * s22 - s12**2
        b1 = (s22 * t1 - s12 * t2) / det
        b2 = (s11 * t2 - s12 * t1) / det
        fitted = settings.spread(b1) * x1 + settings.spread(b2) * x2
        rss = settings.sum((y - fitted) ** 2, mask)
        dof = settings.count(mask) - 2
        sigma2 = np.where(dof > 0, rss / dof, np.nan)
        se = np.sqrt(sigma2 * s22 / det)
    return b1, se


def _concentration(
    data: pd.DataFrame,
    *,
    relative: bool,
    est: str,
    subgroup_order: str,
    pop: str | None,
    lmin: float | None,
    lmax: float | None,
    method: str | None,
    conf_level: float,
    force: bool,
    group_by: Sequence[str] | str | None,
) -> pd.DataFrame:
    level = parse_level(conf_level)
    problems: list[Problem] = []
    if (lmin is None) != (lmax is None):
        problems.append(
            Problem(
                what="the minimum (lmin) and maximum (lmax) limits go together",
                fix="Give both limits for a bounded indicator, or neither.",
            )
        )
    elif lmin is not None and lmax is not None and not lmin < lmax:
        problems.append(
            Problem(
                what="lmin must be less than lmax",
                fix="Give the indicator's lowest and highest possible values.",
                value=f"{lmin}, {lmax}",
            )
        )
    if method is not None and method not in NORMALISATIONS:
        problems.append(
            Problem(
                what="method must be 'wagstaff' or 'erreygers'",
                fix="Leave method out for the plain RCI.",
                value=repr(method),
            )
        )
    if method is not None and lmin is None:
        problems.append(
            Problem(
                what="Wagstaff and Erreygers normalisations are for bounded indicators",
                fix="Give lmin and lmax (e.g. 0 and 1 for a proportion).",
            )
        )
    inputs = read_inputs(
        data, group_by, est=est, pop=pop, subgroup_order=subgroup_order, extra_problems=problems
    )
    settings = inputs.settings
    assert inputs.order is not None
    notes = Notes(settings.size)
    mask = missing_rule(settings, inputs.est, notes, rule="any", force=force)
    need_more_than_two(settings, mask, notes)
    population_notes(settings, inputs.pop, mask, notes)
    if inputs.pop is not None:
        consecutive_order(settings, inputs.order, mask, notes)
    weights = inputs.pop if inputs.pop is not None else np.ones(len(inputs.est))
    weights = np.nan_to_num(weights)
    values = inputs.est
    if lmin is not None and lmax is not None:
        notes.add(
            settings.min(values, mask) < lmin,
            "an estimate is below the lower limit lmin",
        )
        values = (values - lmin) / (lmax - lmin)
    rank = ridit_rank(settings, weights, inputs.order, mask)
    total = settings.spread(settings.sum(weights, mask))
    with np.errstate(divide="ignore", invalid="ignore"):
        sigma1 = settings.spread(settings.sum(weights / total * (rank - 0.5) ** 2, mask))
        mean = settings.spread(settings.sum(weights * values, mask)) / total
        root = np.sqrt(weights)
        lhs = sigma1 * 2 * (values / mean) * root
        if relative:
            if method == "wagstaff":
                lhs = lhs / (1 - mean)
            elif method == "erreygers":
                lhs = lhs * (4 * mean)
        else:
            lhs = lhs * mean
        rhs = rank * root
    clean = mask & np.isfinite(lhs) & np.isfinite(rhs)
    notes.add(settings.count(mask & ~clean) > 0, "the weighted mean is zero: no index")
    coef, se = _ols_first(settings, lhs, rhs, root, clean)
    measure = "rci" if relative else "aci"
    label = "relative" if relative else "absolute"
    method = f"{label} concentration index; regression standard error"
    return normal_frame(settings, measure, coef, se, level, method, notes.values)


@quiet
def aci(
    data: pd.DataFrame,
    *,
    est: str,
    subgroup_order: str,
    pop: str | None = None,
    lmin: float | None = None,
    lmax: float | None = None,
    conf_level: float = 0.95,
    force: bool = False,
    group_by: Sequence[str] | str | None = None,
) -> pd.DataFrame:
    """Absolute concentration index per setting (ordered dimensions, > 2 subgroups).

    ``subgroup_order`` ranks subgroups from most disadvantaged (1) upwards; ``pop`` weights
    them (equal weights without it). A missing estimate blocks the setting unless
    ``force=True`` (then it is left out).
    """
    return _concentration(
        data,
        relative=False,
        est=est,
        subgroup_order=subgroup_order,
        pop=pop,
        lmin=lmin,
        lmax=lmax,
        method=None,
        conf_level=conf_level,
        force=force,
        group_by=group_by,
    )


@quiet
def rci(
    data: pd.DataFrame,
    *,
    est: str,
    subgroup_order: str,
    pop: str | None = None,
    method: str | None = None,
    lmin: float | None = None,
    lmax: float | None = None,
    conf_level: float = 0.95,
    force: bool = False,
    group_by: Sequence[str] | str | None = None,
) -> pd.DataFrame:
    """Relative concentration index per setting; ``method`` ``"wagstaff"``/``"erreygers"``.

    Arguments as :func:`aci`.
    """
    return _concentration(
        data,
        relative=True,
        est=est,
        subgroup_order=subgroup_order,
        pop=pop,
        lmin=lmin,
        lmax=lmax,
        method=method,
        conf_level=conf_level,
        force=force,
        group_by=group_by,
    )
