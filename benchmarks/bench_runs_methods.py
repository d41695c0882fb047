"""Benchmark: runs analysis by best box / cut box against the Anhøj limits, same data, same run.

Run with ``.venv/bin/python -m benchmarks.bench_runs_methods [--groups N] [--points T]``.

Two figures, each a ratio against a baseline measured in the same run:

* ``spc(chart="run", rules="anhoej", method=...)`` for ``--groups`` groups of ``--points``
  points with ``method="cutbox"`` and ``"bestbox"`` against ``method="anhoej"``, once the box
  tables for the n's involved are cached (the steady state of a long session);
* the one-off cost of the box table for one n (the exact joint distribution, O(n³)), as a
  multiple of the Anhøj run on all groups, for n = 100, 200, 300 and 400.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from equalqi.spc import spc  # noqa: E402
from equalqi.spc.rules.bestbox import best_box  # noqa: E402
from equalqi.spc.rules.cutbox import cut_box  # noqa: E402
from equalqi.spc.rules.joint import _joint  # noqa: E402


def make_data(groups: int, points: int, seed: int = 2020) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    y = rng.normal(50.0, 5.0, size=(groups, points))
    y[: groups // 10, points // 2 :] += 4.0  # a 0.8 SD shift in a tenth of the groups
    return pd.DataFrame(
        {
            "g": np.repeat(np.arange(groups), points),
            "x": np.tile(np.arange(points), groups),
            "y": y.ravel(),
        }
    )


def timed(data: pd.DataFrame, method: str, repeats: int) -> tuple[float, pd.DataFrame]:
    best = np.inf
    summary = pd.DataFrame()
    for _ in range(repeats):
        start = time.perf_counter()
        summary = spc(
            data, x="x", y="y", group="g", chart="run", rules="anhoej", method=method
        ).summary()
        best = min(best, time.perf_counter() - start)
    return best, summary


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=10_000)
    parser.add_argument("--points", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)

    data = make_data(args.groups, args.points)
    for method in ("anhoej", "bestbox", "cutbox"):  # warm-up, fills the box caches
        timed(data.head(args.points * 10), method, 1)
        timed(data, method, 1)
    base, anh = timed(data, "anhoej", args.repeats)
    print(f"{args.groups:,} groups x {args.points} points, run chart, Anhøj rules")
    print(f"  method='anhoej'   {base:7.3f} s  (baseline)")
    for method in ("bestbox", "cutbox"):
        seconds, summary = timed(data, method, args.repeats)
        signals = int(summary["runs_signal"].sum())
        print(
            f"  method={method!r:10} {seconds:7.3f} s  ratio {seconds / base:5.2f}  "
            f"phases with a runs signal: {signals} (anhoej {int(anh['runs_signal'].sum())})"
        )
    print("one-off box table for one n, as a multiple of the baseline above:")
    for n in (100, 200, 300, 400):
        _joint.cache_clear()
        best_box.cache_clear()
        cut_box.cache_clear()
        start = time.perf_counter()
        cut_box(n)
        seconds = time.perf_counter() - start
        print(f"  n = {n:3d}: {seconds:7.3f} s  ratio {seconds / base:5.2f}")


if __name__ == "__main__":
    main()
