"""Simulated measure tables with a planted truth, for the impact tests.

The series are simulated directly with numpy (no dependency on the synthetic-data module):
each group's monthly proportion is

    p_gt = base_g + step_g * post_t + ramp_g * (t - t0) * post_t + trend * t + e_gt,
    e_gt = rho * e_g,t-1 + N(0, noise^2)   (extra-binomial, autocorrelated noise)

and the monthly count is Binomial(n_gt, p_gt) with n_gt ~ Poisson(n). The truth for the
before/after difference in differences of the gap is step_D - step_A (plus the ramps'
average), and for the interrupted time series level change of the gap also step_D - step_A.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

DIM = "IMD quintile"
D, A, MID = "1 - most deprived", "5 - least deprived", "3"


@dataclass(frozen=True)
class Planted:
    table: pd.DataFrame
    intervention: pd.Timestamp
    gap_change: float  # true before/after change in the gap (proportion scale)


def simulate(
    rng: np.random.Generator,
    *,
    n_pre: int = 24,
    n_post: int = 24,
    base: tuple[float, float, float] = (0.30, 0.20, 0.25),  # D, A, middle group
    step: tuple[float, float, float] = (-0.02, -0.05, -0.03),
    ramp: tuple[float, float, float] = (0.0, 0.0, 0.0),
    trend: float = 0.0,
    n: float = 800.0,
    noise: float = 0.01,
    rho: float = 0.3,
    start: str = "2021-01-01",
) -> Planted:
    """A measure table (Overall + three IMD groups) with planted step/ramp effects."""
    periods = pd.date_range(start, periods=n_pre + n_post, freq="MS")
    t = np.arange(n_pre + n_post, dtype=float)
    post = (t >= n_pre).astype(float)
    u = rng.normal(0.0, noise, size=(3, t.size))
    e = np.zeros_like(u)
    e[:, 0] = u[:, 0] / np.sqrt(1 - rho**2)
    for i in range(1, t.size):  # AR(1) recursion over time (3 groups at once)
        e[:, i] = rho * e[:, i - 1] + u[:, i]
    b, s, r = (np.asarray(x)[:, None] for x in (base, step, ramp))
    p = b + s * post + r * (t - n_pre) * post + trend * t + e
    den = rng.poisson(n, size=p.shape).astype(float)
    num = rng.binomial(den.astype(np.int64), np.clip(p, 1e-4, 1 - 1e-4)).astype(float)
    frames = [
        pd.DataFrame(
            {
                "period": periods,
                "dimension": DIM,
                "group": g,
                "numerator": num[i],
                "denominator": den[i],
            }
        )
        for i, g in enumerate((D, A, MID))
    ]
    frames.append(
        pd.DataFrame(
            {
                "period": periods,
                "dimension": "Overall",
                "group": "All",
                "numerator": num.sum(0),
                "denominator": den.sum(0),
            }
        )
    )
    table = pd.concat(frames, ignore_index=True)
    table["value"] = table["numerator"] / table["denominator"]
    table["n_records"] = table["denominator"].astype(int)
    post_mean = float(np.mean(np.arange(n_post)))
    truth = (step[0] - step[1]) + (ramp[0] - ramp[1]) * post_mean
    return Planted(table, periods[n_pre], truth)


@pytest.fixture
def simulate_table() -> Callable[..., Planted]:
    return simulate
