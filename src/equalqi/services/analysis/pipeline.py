"""plan -> aggregate -> analyse: the whole equity-stratified analysis of one QI measure.

Row-level work (validation, recodes, the one aggregate scan) runs in the engine; everything
after the cube runs on small frames. The result is a frozen bundle of tidy frames that the
report, the CLI's JSON and the web app all read; nothing is written here.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from ibis.backends import BaseBackend

from equalqi.engine.aggregate import aggregate_cube
from equalqi.engine.connect import connect
from equalqi.engine.prepare import prepare
from equalqi.engine.readers import Records, open_records
from equalqi.impact import ImpactResult, evaluate_gap
from equalqi.plan import AnalysisPlan
from equalqi.services.analysis.completeness import completeness
from equalqi.services.analysis.gaps import compare_pairs, gap_table
from equalqi.services.analysis.measure_table import measure_table
from equalqi.services.analysis.spc_runs import gap_spc, group_charts

Progress = Callable[[str], None]


@dataclass(frozen=True)
class AnalysisResult:
    """Everything one analysis produced, as tidy frames; see :meth:`to_dict` for JSON."""

    plan: AnalysisPlan
    source: str
    n_rows: int
    n_in_window: int
    first_date: dt.date
    last_date: dt.date
    measures: pd.DataFrame  # period x dimension x group (the measure table)
    completeness: pd.DataFrame  # period x field
    gaps: pd.DataFrame  # period x dimension x measure (difference, ratio, sii, rii)
    charts: pd.DataFrame  # SPC frame for every group, with a ``dimension`` column
    chart_summary: pd.DataFrame  # SPC summary per dimension x group x phase
    gap_charts: pd.DataFrame  # SPC frame of each compared pair's gap
    pairs: dict[str, tuple[str, str]]
    impact: dict[str, ImpactResult]
    notes: tuple[str, ...] = ()
    timings: dict[str, float] = field(default_factory=dict)

    def overall_impact(self) -> ImpactResult | None:
        return next(iter(self.impact.values()), None)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (the full frames are written as CSV beside the report)."""
        return {
            "source": self.source,
            "measure": self.plan.measure.name,
            "records": self.n_rows,
            "records_analysed": self.n_in_window,
            "first_date": self.first_date.isoformat(),
            "last_date": self.last_date.isoformat(),
            "intervention": self.plan.intervention.isoformat() if self.plan.intervention else None,
            "pairs": {k: list(v) for k, v in self.pairs.items()},
            "impact": {k: v.to_dict() for k, v in self.impact.items()},
            "notes": list(self.notes),
            "timings_seconds": {k: round(v, 3) for k, v in self.timings.items()},
        }


def analyse(
    records: Records | str | Path,
    plan: AnalysisPlan,
    *,
    con: BaseBackend | str | None = None,
    table: str | None = None,
    reference: pd.DataFrame | None = None,
    progress: Progress | None = None,
) -> AnalysisResult:
    """Run the plan on the records (a path, a database URL with ``table``, or opened records)."""
    say = progress or (lambda _m: None)
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = now - clock
        clock = now

    backend = connect(con)
    if not isinstance(records, Records):
        say("opening the records")
        records = open_records(records, con=backend, table=table, delimiter=plan.data.delimiter)
    if plan.data.lsoa and not plan.data.imd_decile and reference is None:
        from equalqi.services.reference import load_reference

        reference = load_reference(plan.data.deprivation_reference)
    prepared = prepare(records, plan, reference=reference, progress=say)
    lap("validate")
    say("aggregating (one scan of the records)")
    cube = aggregate_cube(prepared)
    lap("aggregate")
    say("measures, gaps and SPC charts")
    table_ = measure_table(cube, plan)
    complete = completeness(cube)
    pairs = compare_pairs(plan, cube)
    gaps = gap_table(table_, cube, plan)
    charts, summary = group_charts(table_, plan)
    gap_frames = [gap_spc(table_, plan, dim, pair) for dim, pair in pairs.items()]
    gap_frames = [g for g in gap_frames if not g.empty]
    lap("analyse")
    impact: dict[str, ImpactResult] = {}
    if plan.intervention:
        say("before and after the intervention")
        for dim, pair in pairs.items():
            impact[dim] = evaluate_gap(
                table_,
                dimension=dim,
                groups=pair,
                intervention=[p.start for p in plan.phases[1:]],
                kind=plan.measure.kind,
                improvement=_direction(plan),
                multiplier=plan.measure.multiplier,
                completeness=_completeness_for_impact(complete),
                name=plan.measure.name,
            )
        lap("impact")
    return AnalysisResult(
        plan=plan,
        source=records.name,
        n_rows=prepared.n_rows,
        n_in_window=prepared.n_in_window,
        first_date=prepared.first_date,
        last_date=prepared.last_date,
        measures=table_,
        completeness=complete,
        gaps=gaps,
        charts=charts,
        chart_summary=summary,
        gap_charts=pd.concat(gap_frames, ignore_index=True) if gap_frames else pd.DataFrame(),
        pairs=pairs,
        impact=impact,
        notes=prepared.notes,
        timings=timings,
    )


def _direction(plan: AnalysisPlan) -> str:
    # A neutral measure has no better side; judge change against "decrease" only for wording.
    return plan.measure.improvement if plan.measure.improvement != "neutral" else "decrease"


def _completeness_for_impact(complete: pd.DataFrame) -> pd.DataFrame:
    return complete.rename(columns={"field": "dimension"})[["period", "dimension", "share_missing"]]
