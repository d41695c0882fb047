"""Benchmark: the whole analysis of 1M, 10M and 100M records, against two baselines.

Run with ``.venv/bin/python -m benchmarks.run`` (``make bench``), or this module directly.
For each size, on the same cached synthetic Parquet file (``dna_sms``, generated once into
``benchmarks/.data/``; generation is not timed), three cases run, each in a fresh Python
process so that its peak memory (``VmHWM``) is its own:

* ``equalqi`` - ``analyse()`` end to end with the dna_sms demo plan: validation, the cube
  by month x IMD decile x ethnic group x sex x age band x site x language, the measure
  table, SPC for every group, SII/RII per month with Monte Carlo intervals, and the impact
  model (segmented regression of the gap);
* ``duckdb_sql`` - the raw DuckDB SQL of the same aggregation, one ``SELECT ... GROUP BY``
  over ``read_parquet`` (both threads), fetched as pandas: the floor for the engine work;
* ``pandas`` - a plain pandas implementation of the same aggregation (pyarrow reads the
  Parquet into pandas, then ``groupby``). Measured at 1M and 10M only: at 100M the records
  alone need more than the 4 GB target.

Figures are absolute seconds and ratios against the baselines measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / ".data"
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
SCENARIO = "dna_sms"
SEED = 2024
SIZES = {"1M": 1_000_000, "10M": 10_000_000, "100M": 100_000_000}
PANDAS_MAX_ROWS = 10_000_000
#: Lower bounds of the nhs_broad age bands the demo plan uses (equalqi.demographics.age).
AGE_BOUNDS = (0, 18, 35, 50, 65, 80)
KEYS = ["month", "imd_decile", "ethnic_category", "sex", "age_band", "site", "lang"]


def data_path(label: str) -> Path:
    """The cached Parquet file for a size, written once (bounded memory) if missing."""
    path = DATA / f"{SCENARIO}_{label}.parquet"
    if not path.exists():
        from equalqi.synthetic import write_parquet

        print(f"generating {label} rows into {path} (once; not timed)", flush=True)
        write_parquet(SCENARIO, path, SIZES[label], seed=SEED)
    return path


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- the three cases (each runs in its own process) -----------------------------------


def case_equalqi(path: Path) -> dict[str, Any]:
    from equalqi.services.analysis.pipeline import analyse
    from equalqi.services.demo import demo_plan

    plan = demo_plan(SCENARIO)
    start = time.perf_counter()
    result = analyse(path, plan)
    seconds = time.perf_counter() - start
    engine = result.timings.get("validate", 0.0) + result.timings.get("aggregate", 0.0)
    return {
        "seconds": seconds,
        "engine_seconds": engine,
        "timings": result.timings,
        "rows": result.n_rows,
        "measure_rows": len(result.measures),
        "charts": int(result.chart_summary.shape[0]),
        "impact": sorted(result.impact),
    }


def duckdb_sql(path: Path) -> str:
    age = " ".join(
        f"WHEN age >= {lower} THEN {i}" for i, lower in reversed(list(enumerate(AGE_BOUNDS)))
    )
    return f"""
        SELECT date_trunc('month', event_date) AS month, imd_decile, ethnic_category, sex,
               CASE {age} ELSE -1 END AS age_band, site,
               main_language_english AS lang,
               sum(dna::DOUBLE) AS numerator, count(*) AS denominator,
               sum((dna * dna)::DOUBLE) AS numerator_sq, count(*) AS n_records
        FROM read_parquet('{path}')
        GROUP BY ALL
    """


def case_duckdb_sql(path: Path) -> dict[str, Any]:
    import duckdb

    start = time.perf_counter()
    con = duckdb.connect(config={"threads": os.cpu_count() or 1})
    cube = con.sql(duckdb_sql(path)).df()
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "cells": len(cube), "rows": int(cube["n_records"].sum())}


def case_pandas(path: Path) -> dict[str, Any]:
    import numpy as np
    import pyarrow.parquet as pq

    start = time.perf_counter()
    columns = ["event_date", "imd_decile", "ethnic_category", "sex", "age", "site"]
    frame = pq.read_table(path, columns=[*columns, "main_language_english", "dna"]).to_pandas()
    frame["month"] = pd_month(frame["event_date"])
    age = frame["age"].to_numpy(dtype="float64")
    band = np.searchsorted(np.asarray(AGE_BOUNDS, dtype="float64"), age, side="right") - 1
    frame["age_band"] = np.where(np.isnan(age), -1, band)
    frame["lang"] = frame["main_language_english"]
    frame["numerator"] = frame["dna"].astype("float64")
    frame["numerator_sq"] = frame["numerator"] ** 2
    cube = (
        frame.groupby(KEYS, dropna=False, observed=True, sort=False)
        .agg(
            numerator=("numerator", "sum"),
            numerator_sq=("numerator_sq", "sum"),
            n_records=("numerator", "size"),
        )
        .reset_index()
    )
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "cells": len(cube), "rows": int(cube["n_records"].sum())}


def pd_month(dates: Any) -> Any:
    import pandas as pd

    return pd.to_datetime(dates).dt.to_period("M").dt.to_timestamp()


CASES = {"equalqi": case_equalqi, "duckdb_sql": case_duckdb_sql, "pandas": case_pandas}


def run_case(case: str, path: Path) -> dict[str, Any]:
    """Run one case in a fresh Python process; its figures plus its own peak memory."""
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_pipeline", "--case", case, "--path", str(path)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


# --- the run and the report ---------------------------------------------------------------


@dataclass(frozen=True)
class SizeResult:
    label: str
    rows: int
    equalqi: dict[str, Any]
    duckdb_sql: dict[str, Any]
    pandas: dict[str, Any] | None


def run(labels: list[str], repeat: int = 2) -> list[SizeResult]:
    """Each case ``repeat`` times, interleaved; the fastest run of each is kept.

    On a shared machine other work can slow any single run; interleaving the cases and
    keeping each one's best time compares them under the same conditions.
    """
    results = []
    for label in labels:
        path = data_path(label)
        figures: dict[str, dict[str, Any] | None] = {}
        cases = [c for c in CASES if not (c == "pandas" and SIZES[label] > PANDAS_MAX_ROWS)]
        for case in CASES:
            figures[case] = None
        for attempt in range(1, repeat + 1):
            for case in cases:
                print(f"{label}: {case} (run {attempt}) ...", end=" ", flush=True)
                got = run_case(case, path)
                print(f"{got['seconds']:.2f} s, peak {got['peak_mb']:,.0f} MB", flush=True)
                best = figures[case]
                if best is None or got["seconds"] < best["seconds"]:
                    got["peak_mb"] = max(got["peak_mb"], best["peak_mb"] if best else 0.0)
                    figures[case] = got
                elif best is not None:
                    best["peak_mb"] = max(best["peak_mb"], got["peak_mb"])
        eq, sql = figures["equalqi"], figures["duckdb_sql"]
        assert eq is not None and sql is not None
        assert eq["rows"] == sql["rows"] == SIZES[label], "every case must count every record"
        results.append(SizeResult(label, SIZES[label], eq, sql, figures["pandas"]))
    return results


def machine() -> str:
    import duckdb
    import pandas as pd

    cpu = platform.processor() or platform.machine()
    info = Path("/proc/cpuinfo")
    if info.exists():
        names = [
            ln.split(":", 1)[1].strip()
            for ln in info.read_text().splitlines()
            if "model name" in ln
        ]
        cpu = names[0] if names else cpu
    mem = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kb = int(meminfo.read_text().split("MemTotal:")[1].split()[0])
        mem = f", {kb / 1024**2:.0f} GB RAM"
    return (
        f"{cpu}, {os.cpu_count()} cores{mem}; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}, DuckDB {duckdb.__version__}, pandas {pd.__version__}"
    )


def report(results: list[SizeResult], repeat: int, load: tuple[float, float]) -> str:
    lines = [
        "# Benchmark: the whole pipeline from 1M to 100M records",
        "",
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} with "
        "`.venv/bin/python -m benchmarks.run` (`make bench`) on: " + machine() + ".",
        "",
        "Data: synthetic `dna_sms` records (8 columns, zstd Parquet, row groups of 1M), "
        "generated once into `benchmarks/.data/` (not timed). Every case runs in a fresh "
        f"process; each case ran {repeat} times, interleaved with the others, and the "
        "fastest run is shown (peak memory is the highest VmHWM of its runs). Load average "
        f"at start / end: {load[0]:.2f} / {load[1]:.2f} (other work shared the machine).",
        "",
        "* **equalqi**: `analyse()` end to end with the dna_sms demo plan: validation, the "
        "cube by month x IMD decile x ethnic group x sex x age band x site x language, the "
        "measure table, SPC for every group, SII/RII per month with Monte Carlo intervals, "
        "and the impact model. *engine* is its validation + cube scan part.",
        "* **DuckDB SQL**: the same aggregation as one `SELECT ... GROUP BY` over "
        "`read_parquet`, fetched into pandas.",
        "* **pandas**: the same aggregation in plain pandas (pyarrow reads the Parquet, then "
        "`groupby`); not run at 100M (the records alone would not fit the 4 GB target).",
        "",
        "| rows | equalqi end to end (s) | of which engine (s) | equalqi peak (MB) "
        "| DuckDB SQL (s) | DuckDB SQL peak (MB) | pandas (s) | pandas peak (MB) "
        "| equalqi / DuckDB SQL | engine / DuckDB SQL | pandas / equalqi | pandas / engine |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        eq, sql, pdx = r.equalqi, r.duckdb_sql, r.pandas
        cells = [
            r.label,
            f"{eq['seconds']:.2f}",
            f"{eq['engine_seconds']:.2f}",
            f"{eq['peak_mb']:,.0f}",
            f"{sql['seconds']:.2f}",
            f"{sql['peak_mb']:,.0f}",
            f"{pdx['seconds']:.2f}" if pdx else "not run",
            f"{pdx['peak_mb']:,.0f}" if pdx else "not run",
            f"{eq['seconds'] / sql['seconds']:.2f}x",
            f"{eq['engine_seconds'] / sql['seconds']:.2f}x",
            f"{pdx['seconds'] / eq['seconds']:.1f}x" if pdx else "not run",
            f"{pdx['seconds'] / eq['engine_seconds']:.1f}x" if pdx else "not run",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "Stage times of `analyse()` (seconds):", ""]
    stages = sorted({k for r in results for k in r.equalqi["timings"]}, key=_stage_order)
    lines.append("| rows | " + " | ".join(stages) + " | cube cells (SQL) | measure rows |")
    lines.append("| ---: " * (len(stages) + 3) + "|")
    for r in results:
        t = r.equalqi["timings"]
        stage = " | ".join(f"{t.get(s, 0.0):.2f}" for s in stages)
        lines.append(
            f"| {r.label} | {stage} | {r.duckdb_sql['cells']:,} | {r.equalqi['measure_rows']:,} |"
        )
    lines += ["", *targets(results), "", *LIMITS, ""]
    return "\n".join(lines)


LIMITS = [
    "What limits the figures:",
    "",
    "* The engine part is one scan: the records are grouped by period and every key with the "
    "checks and the date range folded in, so it costs little more than the raw SQL (the extra "
    "aggregates, and recoding the raw codes on the cube afterwards).",
    "* The rest of `analyse()` (measure table, SPC for every group, SII/RII with Monte Carlo "
    "intervals, the impact model) works on the cube and costs about the same at every size "
    "(1-2 s here); it dominates the ratios at 1M and 10M and matters little at 100M.",
    "* Against pandas: the cube has 7 keys and hundreds of thousands of cells, so the work is a "
    "high-cardinality group-by on 2 cores. Even the raw DuckDB SQL is only a few times faster "
    "than pandas here (see the columns above), so 10x faster than pandas is out of reach of "
    "any DuckDB-based engine on this machine; pandas' own limit is memory (2 GB at 10M, so "
    "about 20 GB at 100M).",
    "* The machine is shared with other work; each case's best of several interleaved runs is "
    "shown, but single runs vary by up to 2x.",
]


def _stage_order(name: str) -> int:
    order = ["validate", "aggregate", "analyse", "impact"]
    return order.index(name) if name in order else len(order)


def targets(results: list[SizeResult]) -> list[str]:
    by = {r.label: r for r in results}
    out = ["Targets (this machine):", ""]

    def line(text: str, ok: bool | None) -> None:
        mark = "not measured" if ok is None else ("met" if ok else "NOT met")
        out.append(f"* {text}: **{mark}**")

    big = by.get("100M")
    line(
        "100M rows end to end under 60 s" + (f" ({big.equalqi['seconds']:.1f} s)" if big else ""),
        big.equalqi["seconds"] < 60 if big else None,
    )
    line(
        "100M rows peak memory under 4 GB"
        + (f" ({big.equalqi['peak_mb'] / 1024:.2f} GB)" if big else ""),
        big.equalqi["peak_mb"] < 4096 if big else None,
    )
    ten = by.get("10M")
    if ten and ten.pandas:
        e2e = ten.pandas["seconds"] / ten.equalqi["seconds"]
        eng = ten.pandas["seconds"] / ten.equalqi["engine_seconds"]
        line(f"10x faster than pandas at 10M, end to end ({e2e:.1f}x)", e2e >= 10)
        line(f"10x faster than pandas at 10M, the aggregation itself ({eng:.1f}x)", eng >= 10)
    else:
        line("10x faster than pandas at 10M", None)
    for r in results:
        ratio = r.equalqi["seconds"] / r.duckdb_sql["seconds"]
        eng = r.equalqi["engine_seconds"] / r.duckdb_sql["seconds"]
        line(
            f"at most 1.5x raw DuckDB SQL at {r.label} (end to end {ratio:.2f}x; "
            f"engine part {eng:.2f}x)",
            ratio <= 1.5,
        )
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--sizes", default="1M,10M,100M", help="comma separated: 1M,10M,100M")
    parser.add_argument("--case", choices=sorted(CASES), help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    parser.add_argument("--repeat", type=int, default=2, help="runs per case (best is kept)")
    parser.add_argument("--no-write", action="store_true", help="do not write RESULTS.md")
    args = parser.parse_args(argv)
    if args.case:  # a child process: one case, figures as JSON on the last line
        got = CASES[args.case](Path(args.path))
        got["peak_mb"] = peak_rss_mb()
        print(json.dumps(got))
        return
    labels = [s.strip() for s in args.sizes.split(",") if s.strip()]
    unknown = [s for s in labels if s not in SIZES]
    if unknown:
        parser.error(f"unknown size(s) {', '.join(unknown)}; choose from {', '.join(SIZES)}")
    load = os.getloadavg()[0]
    results = run(labels, max(1, args.repeat))
    text = report(results, args.repeat, (load, os.getloadavg()[0]))
    print(text)
    if not args.no_write:
        RESULTS.write_text(text, encoding="utf-8")
        print(f"\nwritten to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
