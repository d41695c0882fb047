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
from equalqi.stats.heat._groups import Array, quiet
from equalqi.stats.heat._nonordered import (
    Prepared,
    Simulated,
    deviation,
    deviation_2d,
    mean_point,
    prepare_nonordered,
    simulated_frame,
)
from equalqi.stats.heat._simulation import DEFAULT_SEED, DEFAULT_SIMULATIONS


def _idis(
    prep: Prepared,
    measure: str,
    weight: Array,
    factor: Array | float,
    mean: tuple[Array, Simulated],
    sim: int,
    seed: int | None,
    label: str,
) -> pd.DataFrame:
    """factor × Σ wᵢ |yᵢ − μ| / μ, observed and simulated."""
    observed, simulated = mean
    with np.errstate(divide="ignore", invalid="ignore"):
        value = factor * deviation(prep, weight, observed) / observed

    def simulate(draws: Array) -> Array:
        sim_mean = simulated(draws)
        with np.errstate(divide="ignore", invalid="ignore"):
            return factor * deviation_2d(prep, weight, draws, sim_mean) / sim_mean

    prep.notes.add(observed == 0, "the mean is zero: no index of disparity")
    return simulated_frame(prep, measure, value, simulate, sim, seed, label)


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
    prep = prepare_nonordered(
        data,
        est=est,
        se=se,
        pop=pop,
        force=force,
        group_by=group_by,
        scaleval=scaleval,
        setting_average=setting_average,
    )
    use_average = setting_average is not None
    mean = mean_point(prep, use_average=use_average, recompute=pop is not None)
    count = prep.settings.count(prep.mask)
    ones = np.ones(len(prep.inputs.est))
    label = "index of disparity (unweighted)"
    return _idis(prep, "idisu", ones, 100 / count, mean, sim, seed, label)


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
    prep = prepare_nonordered(
        data, est=est, se=se, pop=pop, force=force, group_by=group_by, scaleval=scaleval
    )
    mean = mean_point(prep, use_average=False, recompute=False)
    label = "index of disparity (weighted)"
    return _idis(prep, "idisw", prep.share, 100, mean, sim, seed, label)
