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

from equalqi.stats.heat._groups import any_missing, normal_frame, quiet
from equalqi.stats.heat._level import parse_level
from equalqi.stats.heat._nonordered import prepare_nonordered

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
    prep = prepare_nonordered(data, est=est, se=se, pop=pop, force=force, group_by=group_by)
    inputs, settings, mask, share = prep.inputs, prep.settings, prep.mask, prep.share
    assert inputs.pop is not None
    values = np.where(inputs.est == 0, ZERO_REPLACEMENT, inputs.est)
    with np.errstate(divide="ignore", invalid="ignore"):
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
        se_value = np.where(any_missing(settings, mask, inputs.se), np.nan, se_value)
    else:
        se_value = np.full(settings.size, np.nan)
    prep.notes.add(~np.isfinite(value), "estimates must be positive for the Theil index and MLD")
    name = "Theil index" if measure == "ti" else "mean log deviation"
    method = f"{name} (x1000); delta-method standard error (unscaled, as healthequal)"
    return normal_frame(settings, measure, value, se_value, level, method, prep.notes.values)


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
