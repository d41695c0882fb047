"""Disproportionality measures: Theil index (TI) and mean log deviation (MLD).

With population shares pᵢ, estimates yᵢ (0 replaced by 10⁻⁶), weighted mean μ and
rᵢ = yᵢ / μ,

    TI  = Σ pᵢ rᵢ ln rᵢ × 1000
    MLD = Σ pᵢ (−ln rᵢ) × 1000

(0 = no inequality). Standard errors by the delta method (Ahn et al. 2018):

    SE(TI)  = √Σ (1 + ln rᵢ − Σ pⱼ rⱼ (1 + ln rⱼ))² pᵢ² seᵢ² / μ²
    SE(MLD) = √Σ (1 − 1/rᵢ)² pᵢ² seᵢ² / μ²

Note, as healthequal (v1.0.1) does: the estimate is multiplied by 1000 but the standard
error is not, and the interval is estimate ± z SE with those two scales. This
implementation reproduces healthequal's numbers; on the ×1000 scale the interval is
therefore 1000 times too narrow (see docs/methods.md).

References: Theil H. Economics and information theory. North-Holland 1967. Ahn J et al.
JCO Clin Cancer Inform 2018;2:1-19. Schlotheuber A, Hosseinpoor AR. Int J Environ Res
Public Health 2022;19(6):3697. healthequal ``ti()``, ``mld()`` (v1.0.1).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from equalqi.stats._confidence import z_two_sided
from equalqi.stats.heat._groups import (
    Notes,
    missing_rule,
    need_more_than_two,
    population_notes,
    quiet,
    read_inputs,
    result_frame,
)
from equalqi.stats.heat._level import parse_level

ZERO_REPLACEMENT = 0.000001


def _theil(
    data: pd.DataFrame,
    *,
    measure: str,
    est: str,
    pop: str,
    se: str | None,
    conf_level: float,
    force: bool,
    group_by: Sequence[str] | str | None,
) -> pd.DataFrame:
    level = parse_level(conf_level)
    inputs = read_inputs(data, group_by, est=est, se=se, pop=pop)
    settings = inputs.settings
    notes = Notes(settings.size)
    mask = missing_rule(settings, inputs.est, notes, rule="share", force=force)
    need_more_than_two(settings, mask, notes)
    population_notes(settings, inputs.pop, mask, notes)
    assert inputs.pop is not None
    values = np.where(inputs.est == 0, ZERO_REPLACEMENT, inputs.est)
    pop_values = np.nan_to_num(inputs.pop)
    total = settings.spread(settings.sum(pop_values, mask))
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(mask, pop_values / total, 0.0)
        mean = settings.sum(share * values, mask)
        ratio = values / settings.spread(mean)
        log_ratio = np.log(ratio)
    if measure == "ti":
        value = settings.sum(share * ratio * log_ratio, mask) * 1000
    else:
        value = settings.sum(share * -log_ratio, mask) * 1000
    if inputs.se is not None:
        weight = share**2 * inputs.se**2 / settings.spread(mean) ** 2
        if measure == "ti":
            centre = settings.sum(ratio * (1 + log_ratio) * share, mask)
            terms = (1 + log_ratio - settings.spread(centre)) ** 2 * weight
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                terms = weight * (1 - 1 / ratio) ** 2
        se_value = np.sqrt(settings.sum(terms, mask))
        se_value = np.where(settings.count(mask & np.isnan(inputs.se)) > 0, np.nan, se_value)
    else:
        se_value = np.full(settings.size, np.nan)
    notes.add(~np.isfinite(value), "estimates must be positive for the Theil index and MLD")
    z = z_two_sided(level)
    name = "Theil index" if measure == "ti" else "mean log deviation"
    return result_frame(
        settings,
        measure,
        value,
        se_value,
        value - z * se_value,
        value + z * se_value,
        f"{name} (x1000); delta-method standard error (unscaled, as healthequal)",
        notes.values,
    )


@quiet
def ti(
    data: pd.DataFrame,
    *,
    est: str,
    pop: str,
    se: str | None = None,
    conf_level: float = 0.95,
    force: bool = False,
    group_by: Sequence[str] | str | None = None,
) -> pd.DataFrame:
    """Theil index (× 1000) per setting."""
    return _theil(
        data,
        measure="ti",
        est=est,
        pop=pop,
        se=se,
        conf_level=conf_level,
        force=force,
        group_by=group_by,
    )


@quiet
def mld(
    data: pd.DataFrame,
    *,
    est: str,
    pop: str,
    se: str | None = None,
    conf_level: float = 0.95,
    force: bool = False,
    group_by: Sequence[str] | str | None = None,
) -> pd.DataFrame:
    """Mean log deviation (× 1000) per setting."""
    return _theil(
        data,
        measure="mld",
        est=est,
        pop=pop,
        se=se,
        conf_level=conf_level,
        force=force,
        group_by=group_by,
    )
