"""The demo: generate a synthetic scenario, analyse it on embedded DuckDB, write the report."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from equalqi.plan import AnalysisPlan, parse_plan
from equalqi.services.analysis.pipeline import AnalysisResult, analyse
from equalqi.services.outputs import OutputPaths, write_outputs
from equalqi.synthetic import SCENARIOS, Truth, write_parquet


def demo_plan(scenario: str) -> AnalysisPlan:
    """The analysis plan shipped for a demo scenario."""
    if scenario not in SCENARIOS:
        raise KeyError(f"unknown scenario {scenario!r}; choose one of {', '.join(SCENARIOS)}")
    text = (
        resources.files("equalqi.services")
        .joinpath(f"demo_plans/{scenario}.toml")
        .read_text(encoding="utf-8")
    )
    return parse_plan(text, source=f"{scenario}.toml")


@dataclass(frozen=True)
class DemoRun:
    scenario: str
    data: Path
    plan_text: str
    result: AnalysisResult
    outputs: OutputPaths
    truth: Truth
    seconds_generate: float
    seconds_analyse: float


def run_demo(
    out_dir: str | Path,
    *,
    scenario: str = "dna_sms",
    rows: int = 1_000_000,
    seed: int = 2024,
    progress: Callable[[str], None] | None = None,
) -> DemoRun:
    say = progress or (lambda _m: None)
    out = Path(out_dir)
    data = out / "data" / f"{scenario}.parquet"
    data.parent.mkdir(parents=True, exist_ok=True)
    plan = demo_plan(scenario)
    say(f"generating {rows:,} synthetic records ({scenario})")
    t0 = time.perf_counter()
    truth = write_parquet(scenario, data, n_rows=rows, seed=seed)
    t1 = time.perf_counter()
    result = analyse(data, plan, progress=say)
    say("writing the report")
    outputs = write_outputs(result, out)
    t2 = time.perf_counter()
    return DemoRun(scenario, data, plan.to_toml(), result, outputs, truth, t1 - t0, t2 - t1)
