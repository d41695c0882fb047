"""Simple measures: difference (D) and ratio (R) between two subgroups (WHO HEAT, healthequal).

Which two subgroups (y₁ and y₂):

* ordered dimension (e.g. deprivation, 1 = most disadvantaged): the two ends. For a
  favourable indicator y₁ is the most advantaged and y₂ the most disadvantaged; for an
  adverse indicator the other way round, so a positive D (R > 1) always means the
  disadvantaged end is worse off;
* non-ordered dimension with a reference subgroup the user chose: for a favourable
  indicator y₁ is the reference and y₂ the lowest other subgroup; for an adverse one
  y₂ is the reference and y₁ the highest other subgroup;
* non-ordered without a reference: y₁ is the highest and y₂ the lowest estimate.

No subgroup is ever chosen silently as the reference because it is the largest.

    D = y₁ − y₂,   SE(D) = √(se₁² + se₂²),   D ± z SE
    R = y₁ / y₂,   SE(ln R) = √(se₁² + R² se₂²) / (y₂ R),   exp(ln R ± z SE)

References: Schlotheuber A, Hosseinpoor AR. Summary measures of health inequality: a
review of existing measures and their application. Int J Environ Res Public Health
2022;19(6):3697. World Health Organization. Handbook on health inequality monitoring.
Geneva: WHO; 2013. healthequal ``d()``, ``r()`` (v1.0.1).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from equalqi.stats._confidence import z_two_sided
from equalqi.stats._validation import check_columns, raise_problems
from equalqi.stats.heat._groups import (
    Array,
    BoolArray,
    IntArray,
    Notes,
    Settings,
    consecutive_order,
    flag_per_setting,
    need_order,
    normal_frame,
    quiet,
    read_inputs,
    reference_rows,
    result_frame,
)
from equalqi.stats.heat._level import parse_level


def _pair(
    data: pd.DataFrame,
    est: str,
    se: str | None,
    favourable_indicator: bool | int | str,
    ordered_dimension: bool | int | str,
    subgroup_order: str | None,
    reference_subgroup: str | None,
    group_by: Sequence[str] | str | None,
) -> tuple[Settings, Array, Array, Array, Array, Notes]:
    """y₁, y₂ and their standard errors in every setting."""
    problems = check_columns(data, [("reference_subgroup", reference_subgroup)])
    inputs = read_inputs(
        data, group_by, est=est, se=se, subgroup_order=subgroup_order, extra_problems=problems
    )
    settings = inputs.settings
    fav, p1 = flag_per_setting(settings, favourable_indicator, "favourable_indicator")
    ordered, p2 = flag_per_setting(settings, ordered_dimension, "ordered_dimension")
    problems = p1 + p2 + need_order(ordered, inputs.order)
    ref = np.zeros(len(inputs.est), dtype=bool)
    if reference_subgroup is not None:
        ref, several = reference_rows(settings, reference_subgroup)
        problems += several
    raise_problems(problems)

    est_values = inputs.est
    se_values = inputs.se if inputs.se is not None else np.full(len(est_values), np.nan)
    notes = Notes(settings.size)
    present = ~np.isnan(est_values)
    notes.add(settings.count(present) == 0, "estimates are missing for all subgroups")

    # ordered: the two ends of the order
    order = inputs.order if inputs.order is not None else np.zeros(len(est_values))
    all_rows = np.ones(len(est_values), dtype=bool)
    consecutive_order(settings, order, all_rows, notes, applies=ordered == 1)
    low_pos = settings.first(order == settings.spread(settings.min(order, all_rows)))
    high_pos = settings.first(order == settings.spread(settings.max(order, all_rows)))
    # non-ordered: highest and lowest estimates, overall or among non-reference subgroups
    has_ref = settings.count(ref) > 0
    others = present & ~ref

    def first_at(extreme: Array, rows: BoolArray) -> IntArray:
        return settings.first(rows & (est_values == settings.spread(extreme)))

    top_all = first_at(settings.max(est_values, present), present)
    bottom_all = first_at(settings.min(est_values, present), present)
    top_other = first_at(settings.max(est_values, others), others)
    bottom_other = first_at(settings.min(est_values, others), others)
    ref_pos = settings.first(ref)

    fav_s = fav == 1
    ordered_s = ordered == 1
    y1 = np.where(
        ordered_s,
        np.where(fav_s, high_pos, low_pos),
        np.where(has_ref, np.where(fav_s, ref_pos, top_other), top_all),
    ).astype(np.intp)
    y2 = np.where(
        ordered_s,
        np.where(fav_s, low_pos, high_pos),
        np.where(has_ref, np.where(fav_s, bottom_other, ref_pos), bottom_all),
    ).astype(np.intp)
    e1, e2 = settings.take(est_values, y1), settings.take(est_values, y2)
    s1, s2 = settings.take(se_values, y1), settings.take(se_values, y2)
    return settings, e1, e2, s1, s2, notes


@quiet
def d(
    data: pd.DataFrame,
    *,
    est: str,
    se: str | None = None,
    favourable_indicator: bool | int | str,
    ordered_dimension: bool | int | str,
    subgroup_order: str | None = None,
    reference_subgroup: str | None = None,
    conf_level: float = 0.95,
    group_by: Sequence[str] | str | None = None,
) -> pd.DataFrame:
    """Difference D = y₁ − y₂ with a normal-approximation interval, per setting.

    ``favourable_indicator`` and ``ordered_dimension`` are 1/0 (or True/False), or the name
    of a column constant within each setting. ``reference_subgroup`` names a 0/1 column
    marking the user's reference subgroup (non-ordered dimensions). One row per
    ``group_by`` setting: ``measure``, ``estimate``, ``se``, ``lowerci``, ``upperci``,
    ``method``, ``note`` (the reason when a setting has no result).
    """
    level = parse_level(conf_level)
    settings, e1, e2, s1, s2, notes = _pair(
        data,
        est,
        se,
        favourable_indicator,
        ordered_dimension,
        subgroup_order,
        reference_subgroup,
        group_by,
    )
    diff = e1 - e2
    se_d = np.sqrt(s1**2 + s2**2)
    return normal_frame(
        settings, "d", diff, se_d, level, "difference; normal approximation", notes.values
    )


@quiet
def r(
    data: pd.DataFrame,
    *,
    est: str,
    se: str | None = None,
    favourable_indicator: bool | int | str,
    ordered_dimension: bool | int | str,
    subgroup_order: str | None = None,
    reference_subgroup: str | None = None,
    conf_level: float = 0.95,
    group_by: Sequence[str] | str | None = None,
) -> pd.DataFrame:
    """Ratio R = y₁ / y₂ with a log-scale interval, per setting (``se`` is of ln R).

    Arguments as :func:`d`.
    """
    level = parse_level(conf_level)
    settings, e1, e2, s1, s2, notes = _pair(
        data,
        est,
        se,
        favourable_indicator,
        ordered_dimension,
        subgroup_order,
        reference_subgroup,
        group_by,
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = e1 / e2
        se_ratio = np.sqrt((1 / e2**2) * (s1**2 + ratio**2 * s2**2))
        se_log = se_ratio / ratio
        z = z_two_sided(level)
        log_ratio = np.log(ratio)
        lower = np.exp(log_ratio - z * se_log)
        upper = np.exp(log_ratio + z * se_log)
    notes.add(e2 == 0, "the ratio is undefined (the second subgroup's estimate is 0)")
    return result_frame(
        settings,
        "r",
        ratio,
        se_log,
        lower,
        upper,
        "ratio; log-normal approximation",
        notes.values,
    )
