"""Benchmark: SII and RII with 100,000 Monte Carlo repetitions for 1,000 area-periods.

Run with ``.venv/bin/python -m benchmarks.bench_sii``. Everything runs on one core (the
thread pools are limited before numpy loads). Figures are printed in seconds and as
ratios against a baseline measured in the same run:

* baseline: a per-group loop that does what PHEindicatormethods ``phe_sii`` does for
  each area (draw every decile's value 100,000 times, refit the regression by matrix
  multiplication, sort the simulated SIIs and RIIs). It is timed on a subset of groups
  and scaled up linearly to 1,000 groups (each group costs the same);
* ``equalqi.stats.sii`` with ``simulation="full"`` (every repetition simulated, but
  vectorised over groups), on the same subset and scaled the same way;
* ``equalqi.stats.sii`` as shipped (``simulation="auto"``) on all 1,000 groups: the SII
  and RII percentiles drawn from their exact joint order-statistic distribution.

The run also checks that the shipped intervals agree with the loop's within Monte
Carlo error on the subset.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import time  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from equalqi.stats import sii  # noqa: E402

GROUPS = 1_000
DECILES = 10
REPETITIONS = 100_000
LOOP_GROUPS = 8  # groups timed for the per-group loop and the full simulation
SEED = 20250101


def make_data(groups: int, seed: int = 1) -> pd.DataFrame:
    """Synthetic life-expectancy-like values by decile for ``groups`` area-periods."""
    rng = np.random.default_rng(seed)
    decile = np.tile(np.arange(1, DECILES + 1), groups)
    area = np.repeat(np.arange(groups), DECILES)
    slope = rng.normal(8, 2, groups)[area]
    population = rng.integers(2_000, 30_000, groups * DECILES).astype(float)
    value = 75 + slope * (decile - 1) / (DECILES - 1) + rng.normal(0, 0.8, groups * DECILES)
    se = 40 / np.sqrt(population)
    return pd.DataFrame(
        {"area": area, "decile": decile, "population": population, "value": value, "se": se}
    )


def per_group_loop(data: pd.DataFrame, repetitions: int, seed: int) -> pd.DataFrame:
    """PHE's algorithm, one group at a time (the baseline)."""
    rng = np.random.default_rng(seed)
    z = 1.959963984540054
    rows = []
    lo_k = round(repetitions * 0.025)
    hi_k = round(repetitions * 0.975)
    for area, group in data.groupby("area", sort=True):
        pop = group["population"].to_numpy()
        a = pop / pop.sum()
        b = np.cumsum(a) - a / 2
        m = np.vstack([np.sqrt(a), b * np.sqrt(a)])
        inv = np.linalg.solve(m @ m.T, m)
        y = rng.normal(
            group["value"].to_numpy()[:, None],
            group["se"].to_numpy()[:, None],
            (DECILES, repetitions),
        )
        params = inv @ (y * np.sqrt(a)[:, None])
        slope = np.sort(params[1])
        ratio = np.sort((params[0] + params[1]) / params[0])
        rows.append(
            {
                "area": area,
                "sii_lower": slope[lo_k - 1],
                "sii_upper": slope[hi_k - 1],
                "rii_lower": ratio[lo_k - 1],
                "rii_upper": ratio[hi_k - 1],
            }
        )
    del z
    return pd.DataFrame(rows)


def timed(function, *args, **kwargs):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


def main() -> None:
    data = make_data(GROUPS)
    subset = data[data["area"] < LOOP_GROUPS]
    options = {
        "quantile": "decile",
        "population": "population",
        "value": "value",
        "se": "se",
        "group_by": ["area"],
        "repetitions": REPETITIONS,
        "rii": True,
        "seed": SEED,
        "type": "standard",
    }
    sii(subset, **options)  # warm-up: imports and first-call costs

    loop_result, loop_seconds = timed(per_group_loop, subset, REPETITIONS, SEED)
    loop_scaled = loop_seconds * GROUPS / LOOP_GROUPS
    _, full_seconds = timed(sii, subset, simulation="full", **options)
    full_scaled = full_seconds * GROUPS / LOOP_GROUPS
    shipped, shipped_seconds = timed(sii, data, **options)
    rates = data.assign(
        value=np.exp(data["value"] / 40),
        lower=np.exp(data["value"] / 40) * 0.95,
        upper=np.exp(data["value"] / 40) * 1.05,
    )
    rate_options = {k: v for k, v in options.items() if k != "se"}
    _, log_seconds = timed(
        sii, rates, value_type=1, lower="lower", upper="upper", transform=True, **rate_options
    )
    _, reliability_seconds = timed(
        sii, data, reliability_stat=True, **{**options, "confidence": [0.95, 0.998]}
    )

    print(
        f"SII/RII, {GROUPS} area-periods x {DECILES} deciles, {REPETITIONS:,} repetitions, 1 core"
    )
    print(f"{'method':<46}{'seconds':>12}{'vs loop':>12}")
    print(
        f"{'per-group loop (PHE algorithm), ' + str(LOOP_GROUPS) + ' groups':<46}"
        f"{loop_seconds:>12.3f}{'':>12}"
    )
    print(
        f"{'  scaled to ' + str(GROUPS) + ' groups (baseline)':<46}{loop_scaled:>12.2f}{1.0:>12.2f}"
    )
    print(
        f"{'sii(simulation=full), ' + str(LOOP_GROUPS) + ' groups':<46}{full_seconds:>12.3f}"
        f"{'':>12}"
    )
    print(
        f"{'  scaled to ' + str(GROUPS) + ' groups':<46}{full_scaled:>12.2f}"
        f"{loop_scaled / full_scaled:>11.1f}x"
    )
    print(
        f"{'sii() as shipped, ' + str(GROUPS) + ' groups':<46}{shipped_seconds:>12.3f}"
        f"{loop_scaled / shipped_seconds:>11.0f}x"
    )
    print(
        f"{'  rates, log transform, ' + str(GROUPS) + ' groups':<46}{log_seconds:>12.3f}"
        f"{loop_scaled / log_seconds:>11.0f}x"
    )
    print(
        f"{'  95% + 99.8%, reliability (10 runs)':<46}{reliability_seconds:>12.3f}"
        f"{loop_scaled * 10 / reliability_seconds:>11.0f}x (vs 10 loop runs)"
    )
    print(f"target: under 2 s -> {'met' if shipped_seconds < 2 else 'NOT met'}")

    # agreement within Monte Carlo error on the subset
    ours = shipped[shipped["area"] < LOOP_GROUPS].reset_index(drop=True)
    diffs = {
        "sii lower": ours["sii_lower95_0cl"] - loop_result["sii_lower"],
        "sii upper": ours["sii_upper95_0cl"] - loop_result["sii_upper"],
        "rii lower": ours["rii_lower95_0cl"] - loop_result["rii_lower"],
        "rii upper": ours["rii_upper95_0cl"] - loop_result["rii_upper"],
    }
    width = (ours["sii_upper95_0cl"] - ours["sii_lower95_0cl"]).abs()
    print("largest difference from the loop, as a share of the 95% interval width:")
    for name, diff in diffs.items():
        scale = (
            width
            if name.startswith("sii")
            else (ours["rii_upper95_0cl"] - ours["rii_lower95_0cl"]).abs()
        )
        print(f"  {name}: {float((diff.abs() / scale).max()):.4f}")


if __name__ == "__main__":
    main()
