"""healthequal's simulated 95% intervals for the measures that have no variance formula.

Each subgroup estimate is redrawn from N(estimate, se²), truncated to be non-negative (and
at most 100 when the indicator's scale is 100), the measure is recomputed, and the 2.5th
and 97.5th percentiles (R's type-7 quantiles) of the simulated measures are the limits.
healthequal uses 100 simulations and seed 123456 by default and always gives a 95%
interval for these measures. Reference: Ahn J, Harper S, Yu M, Feuer EJ, Liu B, Luta G.
Variance estimation and confidence intervals for 11 commonly used health disparity
measures. JCO Clin Cancer Inform 2018;2:1-19.
"""

from __future__ import annotations

import warnings

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]

DEFAULT_SIMULATIONS = 100
DEFAULT_SEED = 123456
MAX_REDRAWS = 1000  # give up (NaN) on a draw that stays outside its bounds this long


def truncated_draws(
    est: Array, se: Array, scale: Array, simulations: int, rng: np.random.Generator
) -> Array:
    """(simulations, rows) draws of N(est, se²) kept within 0..∞ (0..100 where scale is 100)."""
    draws = est + se * rng.standard_normal((simulations, est.size))
    capped = scale == 100
    invalid = (draws < 0) | (capped & (draws > 100))
    for _ in range(MAX_REDRAWS):
        if not invalid.any():
            break
        sims, rows = np.nonzero(invalid)
        draws[sims, rows] = est[rows] + se[rows] * rng.standard_normal(rows.size)
        invalid = (draws < 0) | (capped & (draws > 100))
    draws[invalid] = np.nan
    return draws


def percentile_interval(samples: Array) -> tuple[Array, Array]:
    """2.5th and 97.5th percentiles over simulations (axis 0), ignoring missing draws."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        lower, upper = np.nanquantile(samples, [0.025, 0.975], axis=0)
    return lower, upper
