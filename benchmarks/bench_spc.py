"""Benchmark: XmR charts with Making Data Count rules for 10,000 groups x 60 points.

Run with ``.venv/bin/python -m benchmarks.bench_spc [--groups N] [--points T] [--sample S]``.

The vectorised call (``spc(..., group="g")``, one pass over all groups) is compared with the
naive alternative measured in the same run: a Python loop calling ``spc()`` once per group.
The loop is timed on ``--sample`` groups (default 1,000; pass ``--sample 0`` for all of them)
and scaled to the full number of groups — per-group calls are independent, so their cost is
linear in the number of groups. Both timings are single-process, single-threaded.
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

TARGET_SECONDS = 2.0


def make_data(groups: int, points: int, seed: int = 2024) -> pd.DataFrame:
    """Monthly values per group, with a step change in a tenth of the groups."""
    rng = np.random.default_rng(seed)
    y = rng.normal(50.0, 5.0, size=(groups, points))
    y[: groups // 10, points // 2 :] += 12.0
    return pd.DataFrame(
        {
            "g": np.repeat(np.array([f"unit{i:05d}" for i in range(groups)]), points),
            "x": np.tile(pd.date_range("2019-01-01", periods=points, freq="MS").to_numpy(), groups),
            "y": y.ravel(),
        }
    )


def run_vectorised(data: pd.DataFrame) -> pd.DataFrame:
    res = spc(data, x="x", y="y", group="g", chart="xmr", rules="mdc", improvement="increase")
    return res.to_frame()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=10_000)
    parser.add_argument("--points", type=int, default=60)
    parser.add_argument("--sample", type=int, default=1_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)

    data = make_data(args.groups, args.points)
    run_vectorised(data.head(args.points * 10))  # warm-up (imports, caches)

    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        frame = run_vectorised(data)
        times.append(time.perf_counter() - start)
    vectorised = min(times)

    names = sorted(data["g"].unique().tolist())
    sample = names if args.sample <= 0 else names[: min(args.sample, len(names))]
    by_group = dict(tuple(data.groupby("g", sort=False)))
    start = time.perf_counter()
    loop_frames = [
        spc(by_group[n], x="x", y="y", chart="xmr", rules="mdc", improvement="increase").to_frame()
        for n in sample
    ]
    loop_sample = time.perf_counter() - start
    loop_full = loop_sample * len(names) / len(sample)

    # the two ways must agree on the sampled groups
    check = frame[frame["group"].isin(sample)].reset_index(drop=True)
    looped = pd.concat(loop_frames, ignore_index=True)
    same = (
        np.allclose(check["ucl"], looped["ucl"])
        and (check["signal"].to_numpy() == looped["signal"].to_numpy()).all()
    )

    rows = len(data)
    print(f"SPC benchmark: {args.groups:,} groups x {args.points} points = {rows:,} rows")
    print("chart: XmR (Making Data Count), rules: mdc, improvement: increase, one core")
    print(f"vectorised spc(group=...)       : {vectorised:8.3f} s  (best of {args.repeats})")
    print(
        f"naive loop, {len(sample):,} groups measured : {loop_sample:8.3f} s"
        f"  -> {loop_full:8.1f} s for all {len(names):,} groups"
    )
    print(f"ratio loop / vectorised         : {loop_full / vectorised:8.1f} x")
    print(
        f"vectorised / target ({TARGET_SECONDS:.0f} s)       : {vectorised / TARGET_SECONDS:8.2f}"
    )
    print(f"signals: {int(frame['signal'].sum()):,} points; results agree with the loop: {same}")


if __name__ == "__main__":
    main()
