"""Impact measures: population attributable risk (PAR) and fraction (PAF) (WHO HEAT, healthequal).

The improvement in the overall mean μ if every subgroup reached the reference point:

    PAR = y_ref − μ            PAF = 100 (y_ref − μ) / μ

The reference is the most advantaged subgroup (highest order) for an ordered dimension and
the best-performing subgroup (highest estimate if favourable, lowest if adverse) for a
non-ordered one. A PAR/PAF of the "wrong" sign (the reference is not better than the
mean) is set to 0. μ is the population-weighted mean, or the setting average when no
populations are given.

Standard error (Walter 1978), from the 2×2 table with c = y_ref/scale × n_ref,
d = n_ref − c, a = μ/scale × N − c, b = N − a − n_ref:

    SE(PAF) = √( c N (a d (N − c) + b c²) / ((a + c)³ (c + d)³) ),   SE(PAR) = μ SE(PAF).

Note, as healthequal (v1.0.1) does: the PAF is in per cent but its standard error is on
the proportion scale, and the interval is PAF ± z SE with those two scales; this
implementation reproduces healthequal's numbers (see docs/methods.md). The PAR interval
is consistent.

References: Walter SD. Calculation of attributable risks from epidemiological data. Int J
Epidemiol 1978;7:175-182. Schlotheuber A, Hosseinpoor AR. Int J Environ Res Public
Health 2022;19(6):3697. healthequal ``parisk()``, ``paf()`` (v1.0.1).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from equalqi.errors import Problem
from equalqi.stats._validation import raise_problems
from equalqi.stats.heat._groups import (
    MISSING_SHARE_LIMIT,
    Array,
    Notes,
    consecutive_order,
    flag_per_setting,
    need_more_than_two,
    need_order,
    normal_frame,
    number_per_setting,
    population_notes,
    quiet,
    read_inputs,
)
from equalqi.stats.heat._level import parse_level


def _attributable(
    data: pd.DataFrame,
    *,
    fraction: bool,
    est: str,
    pop: str | None,
    favourable_indicator: bool | int | str,
    ordered_dimension: bool | int | str,
    subgroup_order: str | None,
    setting_average: float | str | None,
    scaleval: float | str | None,
    conf_level: float,
    force: bool,
    group_by: Sequence[str] | str | None,
) -> pd.DataFrame:
    level = parse_level(conf_level)
    problems: list[Problem] = []
    if pop is None and setting_average is None:
        problems.append(
            Problem(
                what="PAR and PAF need either the population or the setting average",
                fix="Name the population column as pop, or give setting_average.",
            )
        )
    inputs = read_inputs(
        data, group_by, est=est, pop=pop, subgroup_order=subgroup_order, extra_problems=problems
    )
    settings = inputs.settings
    fav, p1 = flag_per_setting(settings, favourable_indicator, "favourable_indicator")
    ordered, p2 = flag_per_setting(settings, ordered_dimension, "ordered_dimension")
    scale, p3 = number_per_setting(settings, scaleval, "scaleval")
    average, p4 = number_per_setting(settings, setting_average, "setting_average")
    raise_problems(p1 + p2 + p3 + p4 + need_order(ordered, inputs.order))

    notes = Notes(settings.size)
    values = inputs.est
    present = ~np.isnan(values)
    n_all = settings.count(np.ones(len(values), dtype=bool))
    missing = n_all - settings.count(present)
    if not force:
        notes.add(
            (ordered == 1) & (missing > 0),
            "estimates are missing in some subgroups (force=True allows it)",
        )
        with np.errstate(invalid="ignore", divide="ignore"):
            share_missing = missing / n_all
        notes.add(
            (ordered != 1) & (missing > 0) & (share_missing > MISSING_SHARE_LIMIT),
            "estimates are missing in more than 15% of subgroups",
        )
    mask = present
    need_more_than_two(settings, mask, notes)
    population_notes(settings, inputs.pop, mask, notes)
    order = inputs.order if inputs.order is not None else np.zeros(len(values))
    consecutive_order(settings, order, mask, notes, applies=ordered == 1)

    # the reference subgroup(s)
    top_order = settings.spread(settings.max(order, mask))
    best = np.where(
        settings.spread(fav) == 1,
        settings.spread(settings.max(values, mask)),
        settings.spread(settings.min(values, mask)),
    )
    is_ref = mask & np.where(settings.spread(ordered) == 1, order == top_order, values == best)
    ref_value = settings.max(np.nan_to_num(values), is_ref)

    if inputs.pop is not None:
        pop_values = np.nan_to_num(inputs.pop)
        total = settings.sum(pop_values, mask)
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = settings.sum(pop_values * np.nan_to_num(values), mask) / total
        ref_pop = settings.max(pop_values, is_ref)
    else:
        mean = average
        total = ref_pop = np.full(settings.size, np.nan)
    gap = ref_value - mean
    wrong_sign = ((gap < 0) & (fav == 1)) | ((gap > 0) & (fav != 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        paf = np.where(wrong_sign, 0.0, 100 * gap / mean)
    par = np.where(wrong_sign, 0.0, gap)

    se_paf = _walter_se(ref_value, ref_pop, mean, total, scale)
    if fraction:
        notes.add(mean == 0, "the mean is zero: no PAF")
        method = (
            "population attributable fraction (%); Walter standard error (proportion scale, "
            "as healthequal)"
        )
        return normal_frame(settings, "paf", paf, se_paf, level, method, notes.values)
    method = "population attributable risk; Walter standard error"
    return normal_frame(settings, "par", par, np.abs(mean) * se_paf, level, method, notes.values)


def _walter_se(ref_value: Array, ref_pop: Array, mean: Array, total: Array, scale: Array) -> Array:
    with np.errstate(divide="ignore", invalid="ignore"):
        c = ref_value / scale * ref_pop
        d = ref_pop - c
        a = mean / scale * total - c
        b = total - a - ref_pop
        big_n = a + b + c + d
        return np.sqrt(
            (c * big_n * (a * d * (big_n - c) + b * c**2)) / ((a + c) ** 3 * (c + d) ** 3)
        )


@quiet
def par(
    data: pd.DataFrame,
    *,
    est: str,
    favourable_indicator: bool | int | str,
    ordered_dimension: bool | int | str,
    scaleval: float | str | None,
    pop: str | None = None,
    subgroup_order: str | None = None,
    setting_average: float | str | None = None,
    conf_level: float = 0.95,
    force: bool = False,
    group_by: Sequence[str] | str | None = None,
) -> pd.DataFrame:
    """Population attributable risk per setting (healthequal ``parisk``).

    ``scaleval`` is the indicator's scale (e.g. 100 for a percentage); the interval needs
    ``pop`` and ``scaleval``.
    """
    return _attributable(
        data,
        fraction=False,
        est=est,
        pop=pop,
        favourable_indicator=favourable_indicator,
        ordered_dimension=ordered_dimension,
        subgroup_order=subgroup_order,
        setting_average=setting_average,
        scaleval=scaleval,
        conf_level=conf_level,
        force=force,
        group_by=group_by,
    )


@quiet
def paf(
    data: pd.DataFrame,
    *,
    est: str,
    favourable_indicator: bool | int | str,
    ordered_dimension: bool | int | str,
    scaleval: float | str | None,
    pop: str | None = None,
    subgroup_order: str | None = None,
    setting_average: float | str | None = None,
    conf_level: float = 0.95,
    force: bool = False,
    group_by: Sequence[str] | str | None = None,
) -> pd.DataFrame:
    """Population attributable fraction (%) per setting; arguments as :func:`par`."""
    return _attributable(
        data,
        fraction=True,
        est=est,
        pop=pop,
        favourable_indicator=favourable_indicator,
        ordered_dimension=ordered_dimension,
        subgroup_order=subgroup_order,
        setting_average=setting_average,
        scaleval=scaleval,
        conf_level=conf_level,
        force=force,
        group_by=group_by,
    )
