"""Index of disparity, unweighted (IDISU) and weighted (IDISW) (WHO HEAT, healthequal).

The mean difference from the mean, relative to the mean, in per cent:

    IDISU = (100 / n) Σ |yᵢ − μ| / μ        (μ: population-weighted mean or setting average)
    IDISW = 100 Σ pᵢ |yᵢ − μ| / μ           (μ: population-weighted mean)

Simulated 95% intervals as healthequal: for IDISU the mean is recomputed in each
simulation (when populations are given); for IDISW healthequal keeps the observed mean,
and so does this implementation.

References: Pearcy JN, Keppel KG. A summary measure of health disparity. Public Health Rep
2002;117:273-280. Schlotheuber A, Hosseinpoor AR. Int J Environ Res Public Health
2022;19(6):3697. healthequal ``idisu()``, ``idisw()`` (v1.0.1).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from equalqi.errors import Problem
from equalqi.stats._validation import raise_problems
from equalqi.stats.heat._groups import Array, quiet, reduce_2d
from equalqi.stats.heat._simulation import DEFAULT_SEED, DEFAULT_SIMULATIONS
from equalqi.stats.heat.mean_difference import finish, prepare_md


@quiet
def idisu(
    data: pd.DataFrame,
    *,
    est: str,
    pop: str | None = None,
    se: str | None = None,
    scaleval: float | str | None = None,
    setting_average: float | str | None = None,
    sim: int = DEFAULT_SIMULATIONS,
    seed: int | None = DEFAULT_SEED,
    force: bool = False,
    group_by: Sequence[str] | str | None = None,
) -> pd.DataFrame:
    """Unweighted index of disparity per setting; the mean is ``setting_average`` if given."""
    if pop is None and setting_average is None:
        raise_problems(
            [
                Problem(
                    what="IDISU needs either the population or the setting average",
                    fix="Name the population column as pop, or give setting_average.",
                )
            ]
        )
    prep = prepare_md(
        data,
        est=est,
        se=se,
        pop=pop,
        scaleval=scaleval,
        setting_average=setting_average,
        force=force,
        group_by=group_by,
    )
    settings = prep.inputs.settings
    values = prep.inputs.est
    if setting_average is not None:
        mean = prep.setting_average
    else:
        mean = settings.sum(prep.share * values, prep.mask)
    count = settings.count(prep.mask)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = (
            (100 / count) * settings.sum(np.abs(values - settings.spread(mean)), prep.mask) / mean
        )

    def simulate(draws: Array) -> Array:
        if pop is not None:
            sim_mean = reduce_2d(settings, prep.share * draws, prep.mask, "sum")
        else:
            sim_mean = np.broadcast_to(prep.setting_average, (draws.shape[0], settings.size))
        deviation = reduce_2d(
            settings, np.abs(draws - sim_mean[:, settings.codes]), prep.mask, "sum"
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            return (100 / count)[None, :] * deviation / sim_mean

    prep.notes.add(mean == 0, "the mean is zero: no index of disparity")
    return finish(prep, "idisu", value, simulate, sim, seed, "index of disparity (unweighted)")


@quiet
def idisw(
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
    """Weighted index of disparity per setting (population shares as weights)."""
    prep = prepare_md(
        data,
        est=est,
        se=se,
        pop=pop,
        scaleval=scaleval,
        setting_average=None,
        force=force,
        group_by=group_by,
    )
    settings = prep.inputs.settings
    values = prep.inputs.est
    mean = settings.sum(prep.share * values, prep.mask)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = 100 * settings.sum(prep.share * np.abs(values - settings.spread(mean)), prep.mask)
        value = value / mean

    def simulate(draws: Array) -> Array:
        deviation = reduce_2d(
            settings, prep.share * np.abs(draws - mean[settings.codes]), prep.mask, "sum"
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            return 100 * deviation / mean[None, :]

    prep.notes.add(mean == 0, "the mean is zero: no index of disparity")
    return finish(prep, "idisw", value, simulate, sim, seed, "index of disparity (weighted)")
