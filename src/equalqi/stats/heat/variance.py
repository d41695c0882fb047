"""Variance measures for non-ordered dimensions: BGV, BGSD and COV (WHO HEAT, healthequal).

With population shares pᵢ and the weighted mean μ = Σ pᵢ yᵢ:

    BGV  = Σ pᵢ (yᵢ − μ)²                    (between-group variance, squared units)
    BGSD = √BGV                               (between-group standard deviation)
    COV  = BGSD / μ × 100                     (coefficient of variation, %)

BGV's interval uses its analytic variance (Ahn et al. 2018),
var = 4 Σ pᵢ² seᵢ² (yᵢ − μ)² + 2 [(Σ pᵢ² seᵢ²)² − Σ pᵢ⁴ seᵢ⁴ + Σ pᵢ² (1 − pᵢ)² seᵢ⁴];
BGSD's and COV's are simulated (see :mod:`equalqi.stats.heat._simulation`).

References: Ahn J, Harper S, Yu M, Feuer EJ, Liu B, Luta G. Variance estimation and
confidence intervals for 11 commonly used health disparity measures. JCO Clin Cancer
Inform 2018;2:1-19. Schlotheuber A, Hosseinpoor AR. Int J Environ Res Public Health
2022;19(6):3697. healthequal ``bgv()``, ``bgsd()``, ``covar()`` (v1.0.1).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from equalqi.stats.heat._groups import Array, any_missing, normal_frame, quiet, reduce_2d
from equalqi.stats.heat._level import parse_level
from equalqi.stats.heat._nonordered import Prepared, prepare_nonordered, simulated_frame
from equalqi.stats.heat._simulation import DEFAULT_SEED, DEFAULT_SIMULATIONS


def _weighted_variance(prep: Prepared) -> tuple[Array, Array]:
    """The population-weighted mean and variance per setting."""
    assert prep.inputs.pop is not None
    settings, share, values = prep.settings, prep.share, prep.inputs.est
    mean = settings.sum(share * values, prep.mask)
    variance = settings.sum(share * (values - settings.spread(mean)) ** 2, prep.mask)
    return mean, variance


@quiet
def bgv(
    data: pd.DataFrame,
    *,
    est: str,
    pop: str,
    se: str | None = None,
    conf_level: float = 0.95,
    group_by: Sequence[str] | str | None = None,
) -> pd.DataFrame:
    """Between-group variance per setting, with its analytic interval (needs ``se``).

    As healthequal, more than 15% missing estimates always blocks the setting; fewer are
    left out.
    """
    level = parse_level(conf_level)
    prep = prepare_nonordered(data, est=est, se=se, pop=pop, force=False, group_by=group_by)
    settings, mask, share, se_values = prep.settings, prep.mask, prep.share, prep.inputs.se
    mean, value = _weighted_variance(prep)
    if se_values is not None:
        s2 = se_values**2
        dev2 = (prep.inputs.est - settings.spread(mean)) ** 2
        se2 = settings.sum(share**2 * s2 * dev2, mask)
        sum2 = settings.sum(share**2 * s2, mask)
        sum4 = settings.sum(share**4 * s2**2, mask)
        sume4 = settings.sum(share**2 * (1 - share) ** 2 * s2**2, mask)
        with np.errstate(invalid="ignore"):
            se_bgv = np.sqrt(4 * se2 + 2 * (sum2**2 - sum4 + sume4))
        se_bgv = np.where(any_missing(settings, mask, se_values), np.nan, se_bgv)
    else:
        se_bgv = np.full(settings.size, np.nan)
    method = "between-group variance; analytic standard error (Ahn 2018)"
    return normal_frame(settings, "bgv", value, se_bgv, level, method, prep.notes.values)


def _simulated_spread(
    data: pd.DataFrame,
    *,
    measure: str,
    est: str,
    pop: str,
    se: str | None,
    scaleval: float | str | None,
    sim: int,
    seed: int | None,
    force: bool,
    group_by: Sequence[str] | str | None,
) -> pd.DataFrame:
    prep = prepare_nonordered(
        data, est=est, se=se, pop=pop, force=force, group_by=group_by, scaleval=scaleval
    )
    settings, share, mask = prep.settings, prep.share, prep.mask

    def spread(mean: Array, variance: Array) -> Array:
        sd = np.sqrt(variance)
        with np.errstate(divide="ignore", invalid="ignore"):
            return sd if measure == "bgsd" else sd / mean * 100

    def simulate(draws: Array) -> Array:
        sim_mean = reduce_2d(settings, share * draws, mask, "sum")
        sim_var = reduce_2d(
            settings, share * (draws - sim_mean[:, settings.codes]) ** 2, mask, "sum"
        )
        return spread(sim_mean, sim_var)

    value = spread(*_weighted_variance(prep))
    label = "between-group standard deviation" if measure == "bgsd" else "coefficient of variation"
    return simulated_frame(prep, measure, value, simulate, sim, seed, label)


@quiet
def bgsd(
    data: pd.DataFrame,
    *,
    est: str,
    pop: str,
    se: str | None = None,
    scaleval: float | str | None = None,
    sim: int = DEFAULT_SIMULATIONS,
    seed: int | None = DEFAULT_SEED,
    force: bool = False,
    group_by: Sequence[str] | str | None = None,
) -> pd.DataFrame:
    """Between-group standard deviation per setting, with a simulated 95% interval.

    The interval needs ``se`` and ``scaleval`` (the indicator's scale, e.g. 100 for a
    percentage: simulated values are kept within 0..100 then). More than 15% missing
    estimates blocks a setting unless ``force``.
    """
    return _simulated_spread(
        data,
        measure="bgsd",
        est=est,
        pop=pop,
        se=se,
        scaleval=scaleval,
        sim=sim,
        seed=seed,
        force=force,
        group_by=group_by,
    )


@quiet
def cov(
    data: pd.DataFrame,
    *,
    est: str,
    pop: str,
    se: str | None = None,
    scaleval: float | str | None = None,
    sim: int = DEFAULT_SIMULATIONS,
    seed: int | None = DEFAULT_SEED,
    force: bool = False,
    group_by: Sequence[str] | str | None = None,
) -> pd.DataFrame:
    """Coefficient of variation (BGSD / weighted mean × 100) per setting; as :func:`bgsd`."""
    return _simulated_spread(
        data,
        measure="cov",
        est=est,
        pop=pop,
        se=se,
        scaleval=scaleval,
        sim=sim,
        seed=seed,
        force=force,
        group_by=group_by,
    )
