"""The demo: generate a synthetic scenario, analyse it on embedded DuckDB, write the report."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from equalqi.plan import AnalysisPlan, parse_plan
from equalqi.services.analysis.pipeline import AnalysisResult, analyse
from equalqi.services.disclosure import disclose
from equalqi.services.outputs import OutputPaths, write_outputs
from equalqi.services.portfolio import portfolio, portfolio_html, project_effect
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


#: Demo portfolio: each scenario stands for a type of QI, run at two "sites" (seeds).
PORTFOLIO = (
    ("dna_sms", "digital"),
    ("screening_outreach", "targeted outreach"),
    ("no_change", "pathway redesign"),
)


def demo_portfolio(
    out_dir: Path, *, rows: int = 100_000, seed: int = 2024
) -> tuple[Path, pd.DataFrame]:
    """Analyse six small demo projects and write the cross-project forest plot."""
    effects = []
    for scenario, qi_type in PORTFOLIO:
        for site, offset in (("A", 1), ("B", 2)):
            path = out_dir / "data" / f"portfolio_{scenario}_{site}.parquet"
            write_parquet(scenario, path, n_rows=rows, seed=seed + offset)
            result = disclose(analyse(path, demo_plan(scenario)))
            effects.append(
                project_effect(
                    result, project=f"{scenario.replace('_', ' ')} (site {site})", qi_type=qi_type
                )
            )
    frame = pd.DataFrame(effects)
    frame.to_csv(out_dir / "projects.csv", index=False)
    meta = portfolio(frame)
    page = out_dir / "portfolio.html"
    page.write_text(
        portfolio_html(meta, title="Change in the deprivation gap by type of QI", unit="points"),
        encoding="utf-8",
    )
    return page, frame


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
    portfolio: Path | None = None
    guide: Path | None = None  # the offline guide's index.html
    registry: str | None = None  # the demo's own registry (URL), holding its equity record
    project: str | None = None  # the registry project with the equity record


def seed_demo_registry(out: Path, scenario: str, title: str) -> tuple[str, Any] | None:
    """The demo's own registry (SQLite in ``out``): the local user's project ``title`` with the
    scenario's planning and review assessments and involvement log. None for scenarios
    without equity content. Returns the registry URL and the project's stored record."""
    from equalqi.registry.db import default_url, open_registry
    from equalqi.services.assessments import equity_record
    from equalqi.services.equity_design import seed_demo_project
    from equalqi.services.workspace import acting_user, resolve_project

    url = default_url(out)
    reg = open_registry(url, data_dir=out)
    try:
        with reg.session() as session, session.begin():
            user = acting_user(session, None).user
            project = resolve_project(session, user, title, create=True).project
            if not seed_demo_project(session, user, project.id, scenario):
                session.rollback()
                return None
            return url, equity_record(session, user, project.id)
    finally:
        reg.close()


def run_demo(
    out_dir: str | Path,
    *,
    scenario: str = "dna_sms",
    rows: int = 1_000_000,
    seed: int = 2024,
    progress: Callable[[str], None] | None = None,
    with_portfolio: bool = True,
    with_guide: bool = False,
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
    result = disclose(analyse(data, plan, progress=say))
    say("writing the report")
    seeded = seed_demo_registry(out, scenario, result.plan.output.title or f"Demo ({scenario})")
    outputs = write_outputs(result, out, equity=seeded[1] if seeded else None, board=True)
    t2 = time.perf_counter()
    page = None
    if with_portfolio:
        say("analysing six small projects for the portfolio")
        page, _ = demo_portfolio(out, seed=seed)
    guide = None
    if with_guide:
        from equalqi.services.guide import write_guide

        say("writing the guide, facilitator pack and workshop slides")
        guide = write_guide(out / "guide", cache_dir=out / "data" / "guide-cache").index
    return DemoRun(
        scenario,
        data,
        plan.to_toml(),
        result,
        outputs,
        truth,
        t1 - t0,
        t2 - t1,
        page,
        guide,
        registry=seeded[0] if seeded else None,
        project=seeded[1].project if seeded else None,
    )
