"""Benchmark: the whole analysis of 1M, 10M and 100M records, against two baselines.

Run with ``.venv/bin/python -m benchmarks.run`` (``make bench``), or this module directly.
For each size, on the same cached synthetic Parquet file (``dna_sms``, generated once into
``benchmarks/.data/``; generation is not timed), three cases run, each in a fresh Python
process so that its peak memory (``VmHWM``) is its own:

* ``equalqi`` - ``analyse()`` end to end with the plan in ``benchmarks/plans/national.toml``
  (the pipeline issue 8 asks for): validation, the cube by month x IMD decile x ethnic group
  x sex, the measure table, SPC for every group and for the gap, SII/RII per month with
  Monte Carlo intervals, and the impact model (segmented regression of the gap);
* ``duckdb_sql`` - the raw DuckDB SQL of the same aggregation, one ``SELECT ... GROUP BY``
  over ``read_parquet`` (both threads), fetched as pandas: the floor for the engine work;
* ``pandas`` - a plain pandas implementation of the same aggregation: ``pd.read_parquet``
  of the five columns, ``to_period("M")`` for the month, ``groupby`` of the four keys.
  Measured at 1M and 10M only: at 100M the records alone need more than the 4 GB target.

Each case imports its libraries before its clock starts (equalqi's engine backend too), so
every figure is the work, not Python's imports; the baselines group the raw ethnicity values
(equalqi also recodes them to NHS categories, on the cube). Every case must count every
record and the same number of events, or the run stops. Figures are absolute seconds and
ratios against the baselines measured in the same run.
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
PLAN = ROOT / "benchmarks" / "plans" / "national.toml"
SCENARIO = "dna_sms"
SEED = 2024
SIZES = {"1M": 1_000_000, "10M": 10_000_000, "100M": 100_000_000}
PANDAS_MAX_ROWS = 10_000_000
#: The aggregation's keys and the columns they come from (as the plan maps them).
KEYS = ["month", "imd_decile", "ethnic_category", "sex"]
COLUMNS = ["event_date", "imd_decile", "ethnic_category", "sex", "dna"]


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
    import ibis.backends.duckdb  # noqa: F401  (imported lazily on first use; not the work)

    from equalqi.plan import parse_plan
    from equalqi.services.analysis.pipeline import analyse

    plan = parse_plan(PLAN.read_text(encoding="utf-8"), source=str(PLAN))
    start = time.perf_counter()
    result = analyse(path, plan)
    seconds = time.perf_counter() - start
    engine = result.timings.get("validate", 0.0) + result.timings.get("aggregate", 0.0)
    overall = result.measures[result.measures["dimension"] == "Overall"]
    return {
        "seconds": seconds,
        "engine_seconds": engine,
        "timings": result.timings,
        "rows": result.n_rows,
        "events": int(overall["numerator"].sum()),
        "measure_rows": len(result.measures),
        "charts": int(result.chart_summary.shape[0]),
        "impact": sorted(result.impact),
    }


def duckdb_sql(path: Path) -> str:
    return f"""
        SELECT date_trunc('month', event_date) AS month, imd_decile, ethnic_category, sex,
               sum(dna) AS numerator, count(*) AS n_records
        FROM read_parquet('{path}')
        GROUP BY ALL
    """


def case_duckdb_sql(path: Path) -> dict[str, Any]:
    import duckdb
    import pandas  # noqa: F401  (for .df(); imported on first use, not the work)

    start = time.perf_counter()
    con = duckdb.connect(config={"threads": os.cpu_count() or 1})
    cube = con.sql(duckdb_sql(path)).df()
    seconds = time.perf_counter() - start
    return _cube_figures(cube, seconds)


def case_pandas(path: Path) -> dict[str, Any]:
    import pandas as pd
    import pyarrow.parquet  # noqa: F401  (pandas' Parquet reader, imported on first use)

    start = time.perf_counter()
    frame = pd.read_parquet(path, columns=COLUMNS)
    frame["month"] = pd.to_datetime(frame["event_date"]).dt.to_period("M")
    cube = (
        frame.groupby(KEYS, observed=True, sort=False)
        .agg(numerator=("dna", "sum"), n_records=("dna", "size"))
        .reset_index()
    )
    seconds = time.perf_counter() - start
    return _cube_figures(cube, seconds)


def _cube_figures(cube: Any, seconds: float) -> dict[str, Any]:
    return {
        "seconds": seconds,
        "cells": len(cube),
        "rows": int(cube["n_records"].sum()),
        "events": int(cube["numerator"].sum()),
    }


CASES = {"equalqi": case_equalqi, "duckdb_sql": case_duckdb_sql, "pandas": case_pandas}


def run_case(case: str, path: Path, src: str | None = None) -> dict[str, Any]:
    """Run one case in a fresh Python process; its figures plus its own peak memory.

    ``src``: another source tree's ``src/`` first on the path (a before/after comparison)."""
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = os.pathsep.join([src, str(ROOT)])
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_pipeline", "--case", case, "--path", str(path)],
        cwd=ROOT,
        env=env,
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
    before: dict[str, Any] | None = None


def run(labels: list[str], repeat: int = 2, before: str | None = None) -> list[SizeResult]:
    """Each case ``repeat`` times, interleaved; the fastest run of each is kept.

    On a shared machine other work can slow any single run; interleaving the cases and
    keeping each one's best time compares them under the same conditions.
    """
    results = []
    for label in labels:
        path = data_path(label)
        figures: dict[str, dict[str, Any] | None] = {}
        cases = [c for c in CASES if not (c == "pandas" and SIZES[label] > PANDAS_MAX_ROWS)]
        if before:
            cases.insert(1, "before")
        for case in [*CASES, "before"]:
            figures[case] = None
        for attempt in range(1, repeat + 1):
            for case in cases:
                print(f"{label}: {case} (run {attempt}) ...", end=" ", flush=True)
                if case == "before":
                    got = run_case("equalqi", path, before)
                else:
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
        for case, got in figures.items():
            if got is not None and (got["rows"], got["events"]) != (SIZES[label], eq["events"]):
                raise SystemExit(
                    f"{label}: {case} counted {got['rows']:,} records and {got['events']:,} "
                    f"events; expected {SIZES[label]:,} and {eq['events']:,} (as equalqi)"
                )
        results.append(
            SizeResult(label, SIZES[label], eq, sql, figures["pandas"], figures["before"])
        )
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


def report(
    results: list[SizeResult],
    repeat: int,
    load: tuple[float, float],
    before_label: str = "the code before the change",
) -> str:
    lines = [
        "# Benchmark: the whole pipeline from 1M to 100M records",
        "",
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} with "
        "`.venv/bin/python -m benchmarks.run` (`make bench`) on: " + machine() + ".",
        "",
        "Data: synthetic `dna_sms` records (8 columns, zstd Parquet, row groups of 1M), "
        "generated once into `benchmarks/.data/` (not timed). Every case runs in a fresh "
        "process with its libraries imported before its clock starts; each case ran "
        f"{repeat} times, interleaved with the others, and the fastest run is shown (peak "
        "memory is the highest VmHWM of its runs). Every case counted every record and the "
        "same number of events. Load average at start / end: "
        f"{load[0]:.2f} / {load[1]:.2f}.",
        "",
        "* **equalqi**: `analyse()` end to end with `benchmarks/plans/national.toml`: "
        "validation, the cube by month x IMD decile x ethnic group x sex, the measure table, "
        "SPC for every group and for the most-vs-least deprived gap, SII/RII per month with "
        "Monte Carlo intervals, and the impact model. *engine* is its validation + "
        "aggregation part (the one scan of the records, and recoding the cube).",
        "* **DuckDB SQL**: the same aggregation as one `SELECT ... GROUP BY` over "
        "`read_parquet`, fetched into pandas.",
        "* **pandas**: the same aggregation in plain pandas (`read_parquet`, "
        "`to_period('M')`, `groupby`); not run at 100M (the records alone would not fit "
        "the 4 GB target).",
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
    if any(r.before for r in results):
        lines += [
            "",
            "Before and after issue 19 (item 8), measured in the same run: *before* is "
            f"`analyse()` of {before_label}, interleaved with the cases above.",
            "",
            "| rows | equalqi before (s) | equalqi after (s) | DuckDB SQL (s) "
            "| before / DuckDB SQL | after / DuckDB SQL | after: post-scan analysis (s) |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for r in results:
            b, eq, sql = r.before, r.equalqi, r.duckdb_sql
            if b is None:
                continue
            lines.append(
                f"| {r.label} | {b['seconds']:.2f} | {eq['seconds']:.2f} | {sql['seconds']:.2f} "
                f"| {b['seconds'] / sql['seconds']:.2f}x | {eq['seconds'] / sql['seconds']:.2f}x "
                f"| {eq['timings'].get('analyse', 0.0):.2f} |"
            )
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
    "row checks (date and outcome present, outcome 0 or 1) and the date range folded in. "
    "Checks that depend only on a key (the IMD decile's range, the ethnic and sex codes) are "
    "made on the cube's few distinct values, not row by row. What the scan adds to the raw "
    "SQL is those row checks and the first and last date per cell (a few per cent at 100M), "
    "plus a fixed cost of a few hundredths of a second (compiling the expression, recoding "
    "the cube).",
    "* The rest of `analyse()` (measure table, completeness, SPC for every group and for the "
    "gap, SII/RII per month with Monte Carlo intervals, the impact model) works on the cube "
    "of a few thousand cells and costs about a tenth of a second at every size (the "
    "*analyse* stage). The measure table and completeness are NumPy over the cube's codes; "
    "the SPC charts of every group of every dimension are one call; SII/RII run in a thread "
    "beside the rest. Their Monte Carlo (10,000 draws for each of 10 deciles in each of 36 "
    "months, back-transformed from the logit scale and fitted) is the critical path, about "
    "0.05 s of NumPy on its own.",
    "* Issue 19's end-to-end targets (2x raw SQL at 1M, 1.2x at 10M and 100M) leave, on a "
    "quiet machine, about 0.09 s at 1M and 0.08 s at 10M for everything that is not the raw "
    "SQL: less than the post-scan analysis alone. Meeting them would mean dropping the row "
    "checks or the Monte Carlo intervals (PHE's method for SII/RII), which equalqi keeps. "
    "At 100M the fixed cost is small and the scan's own extra work decides the ratio.",
    "* Against pandas: DuckDB reads the Parquet and groups on both cores, pandas on one; even "
    "the raw DuckDB SQL is only a few times faster than pandas here (the columns above), so "
    "10x faster than pandas is out of reach of any engine built on DuckDB on this 2-core "
    "machine. pandas' own limit is memory: it holds every record (at 100M, about ten times "
    "its 10M peak).",
    "* Single runs on a shared machine vary by up to 2x (the raw SQL at 100M took 7.3 s in "
    "an earlier run and 3.7 s in a quiet one); each case's best of several interleaved runs "
    "is shown, and the ratios compare cases of the same run.",
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
    for r in results:  # issue 19: the whole analysis, not only the aggregation
        ratio = r.equalqi["seconds"] / r.duckdb_sql["seconds"]
        goal = 2.0 if r.label == "1M" else 1.2
        line(
            f"the whole analysis end to end at most {goal:g}x raw DuckDB SQL at {r.label} "
            f"({ratio:.2f}x)",
            ratio <= goal,
        )
    for r in results:
        ratio = r.equalqi["seconds"] / r.duckdb_sql["seconds"]
        eng = r.equalqi["engine_seconds"] / r.duckdb_sql["seconds"]
        line(
            f"at most 1.5x raw DuckDB SQL at {r.label}, the aggregation ({eng:.2f}x; the whole "
            f"analysis end to end {ratio:.2f}x)",
            eng <= 1.5,
        )
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--sizes", default="1M,10M,100M", help="comma separated: 1M,10M,100M")
    parser.add_argument("--case", choices=sorted(CASES), help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    parser.add_argument("--repeat", type=int, default=2, help="runs per case (best is kept)")
    parser.add_argument("--no-write", action="store_true", help="do not write RESULTS.md")
    parser.add_argument("--before-src", help="another source tree's src/ to compare with")
    parser.add_argument(
        "--before-label", default="the code before the change", help="what --before-src is"
    )
    parser.add_argument("--skip-spc", action="store_true", help="only the pipeline")
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
    results = run(labels, max(1, args.repeat), args.before_src)
    text = report(results, args.repeat, (load, os.getloadavg()[0]), args.before_label)
    print(text)
    if not args.no_write:
        # Keep the SPC, web load-test and runs-methods sections (written between markers
        # by benchmarks.bench_spc and benchmarks.bench_web; the last by hand).
        old = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
        for start, end in (
            ("<!-- spc:start -->", "<!-- spc:end -->"),
            ("<!-- web-load:start -->", "<!-- web-load:end -->"),
            ("<!-- runs-methods:start -->", "<!-- runs-methods:end -->"),
        ):
            if start in old and end in old:
                kept = old[old.index(start) : old.index(end) + len(end)]
                text = text.rstrip("\n") + "\n\n" + kept + "\n"
        RESULTS.write_text(text, encoding="utf-8")
        print(f"\nwritten to {RESULTS.relative_to(ROOT)}")
    if not args.skip_spc:  # the stratified SPC benchmark (issue 19), its own section
        from benchmarks import bench_spc

        spc_args = ["--write"] if not args.no_write else []
        if args.before_src:
            spc_args += ["--before-src", args.before_src, "--before-label", args.before_label]
        bench_spc.main(spc_args)


if __name__ == "__main__":
    main()
