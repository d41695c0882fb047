"""plan -> aggregate -> analyse: the whole equity-stratified analysis of one QI measure.

Row-level work (validation, recodes, the one aggregate scan) runs in the engine; everything
after the cube runs on small frames. The result is a frozen bundle of tidy frames that the
report, the CLI's JSON and the web app all read; nothing is written here.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from ibis.backends import BaseBackend

from equalqi.disclosure.statement import Disclosure
from equalqi.engine.aggregate import aggregate_cube
from equalqi.engine.connect import connect
from equalqi.engine.prepare import prepare
from equalqi.engine.readers import Records, open_records
from equalqi.errors import InputError
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
    n_rows: int | None  # None where a shared output withholds it (a small period total)
    n_in_window: int | None
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
    #: Set by :func:`equalqi.services.disclosure.disclose`: what the policy hid. Every
    #: output meant for a person is built from a disclosed result, never from this one.
    disclosure: Disclosure | None = None

    def overall_impact(self) -> ImpactResult | None:
        return next(iter(self.impact.values()), None)

    def __repr__(self) -> str:
        rows = self.plan.data.rows_noun
        count = f"{self.n_rows:,}" if self.n_rows is not None else "?"
        state = "disclosed" if self.disclosure is not None else "NOT disclosed: yours only"
        return (
            f"<AnalysisResult {self.plan.measure.name!r}: {count} {rows} from {self.source}, "
            f"{self.first_date} to {self.last_date}, {len(self.plan.dimensions)} dimension(s), "
            f"{len(self.impact)} verdict(s); {state}>"
        )

    def summary(self) -> str:
        """A few lines for a person: what was analysed, the verdicts and the notes.

        An undisclosed result is the analyst's own view (every count); share only what
        :func:`equalqi.disclose` (or ``write_outputs``) gives."""
        rows = self.plan.data.rows_noun
        count = f"{self.n_rows:,}" if self.n_rows is not None else "some"
        lines = [
            f"{self.plan.measure.name}: {count} {rows} from {self.source} "
            f"({self.first_date} to {self.last_date}).",
        ]
        lines += [f"- {name}: {r.verdict}" for name, r in self.impact.items()]
        if not self.impact:
            lines.append("- No verdict: the plan has no intervention date or no pair to compare.")
        lines += [f"Note: {n}" for n in self.notes]
        if self.disclosure is None:
            lines.append(
                "Not disclosed: every count is shown. Use equalqi.disclose(result) or "
                "write_outputs(...) for anything you share."
            )
        elif self.disclosure.policy.hides_anything:
            lines.append(self.disclosure.text)
        return "\n".join(lines)

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
            "disclosure": self.disclosure.to_dict() if self.disclosure else None,
            "timings_seconds": {k: round(v, 3) for k, v in self.timings.items()},
        }


@dataclass(frozen=True)
class Derived:
    """Everything computed from the measure table (so it can be recomputed from a disclosed
    one: a statistic shown to a person then rests only on numbers that are shown)."""

    completeness: pd.DataFrame
    gaps: pd.DataFrame
    charts: pd.DataFrame
    chart_summary: pd.DataFrame
    gap_charts: pd.DataFrame
    impact: dict[str, ImpactResult]
    notes: tuple[str, ...] = ()

    def frames(self) -> dict[str, Any]:
        """The fields an :class:`AnalysisResult` takes from a derivation, by name."""
        return {
            "completeness": self.completeness,
            "gaps": self.gaps,
            "charts": self.charts,
            "chart_summary": self.chart_summary,
            "gap_charts": self.gap_charts,
            "impact": self.impact,
        }


def derive(
    table: pd.DataFrame,
    plan: AnalysisPlan,
    pairs: dict[str, tuple[str, str]],
    *,
    hidden_rows: bool = False,
) -> Derived:
    """Gaps, SPC charts, completeness and impact from a measure table.

    Rows whose counts are missing (hidden by a disclosure policy) are left out of every
    statistic: a series skips them, SII/RII skip their period, pooled figures sum only the
    rows that are shown. With ``hidden_rows``, an impact evaluation that the shown rows
    cannot support is withheld with a note instead of raising."""
    shown = table[table["denominator"].notna() & table["n_records"].notna()]
    with ThreadPoolExecutor(max_workers=1) as pool:
        # The gaps run beside the rest: most of their time is SII/RII's Monte Carlo in
        # NumPy, which releases the GIL, and after the scan the second core is idle. The
        # thread has its own copies of the frames; its results do not depend on timing
        # (the simulation has its own seeded generator).
        gaps_job = pool.submit(gap_table, table.copy(), shown.copy(), plan, pairs)
        complete = completeness(table, plan)
        charts, summary = group_charts(shown, plan)
        gap_frames = [gap_spc(shown, plan, dim, pair) for dim, pair in pairs.items()]
        gap_frames = [g for g in gap_frames if not g.empty]
        impact, notes = _impacts(shown, plan, pairs, complete, hidden_rows=hidden_rows)
        gaps = gaps_job.result()
    return Derived(
        completeness=complete,
        gaps=gaps,
        charts=charts,
        chart_summary=summary,
        gap_charts=pd.concat(gap_frames, ignore_index=True) if gap_frames else pd.DataFrame(),
        impact=impact,
        notes=tuple(notes),
    )


def _impacts(
    shown: pd.DataFrame,
    plan: AnalysisPlan,
    pairs: dict[str, tuple[str, str]],
    complete: pd.DataFrame,
    *,
    hidden_rows: bool,
) -> tuple[dict[str, ImpactResult], list[str]]:
    """The before/after verdict of every compared pair, and notes on any withheld."""
    impact: dict[str, ImpactResult] = {}
    notes: list[str] = []
    if not plan.intervention:
        return impact, notes
    for dim, pair in pairs.items():
        try:
            impact[dim] = _evaluate(shown, plan, dim, pair, complete)
        except InputError:
            if not hidden_rows:
                raise
            notes.append(
                f"The before/after comparison for {dim} is withheld: too many of its "
                "numbers are hidden to protect privacy. A longer period (quarters) or a "
                "larger extract would let it be shown."
            )
    return impact, notes


def _evaluate(
    shown: pd.DataFrame,
    plan: AnalysisPlan,
    dim: str,
    pair: tuple[str, str],
    complete: pd.DataFrame,
) -> ImpactResult:
    return evaluate_gap(
        shown,
        dimension=dim,
        groups=pair,
        intervention=[p.start for p in plan.phases[1:]],
        kind=plan.measure.kind,
        improvement=_direction(plan),
        multiplier=plan.measure.multiplier,
        completeness=_completeness_for_impact(complete),
        name=plan.measure.name,
    )


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
        records = open_records(
            records,
            con=backend,
            table=table or plan.data.sheet,
            delimiter=plan.data.delimiter,
            header_row=plan.data.header_row,
        )
    if (
        plan.data.lsoa
        and not (plan.data.imd_decile or plan.data.imd_quintile)
        and reference is None
    ):
        from equalqi.services.reference import load_reference

        reference = load_reference(plan.data.deprivation_reference)
    prepared = prepare(records, plan, reference=reference, progress=say)
    lap("validate")
    say("aggregating (one scan of the records)")
    cube = aggregate_cube(prepared)
    lap("aggregate")
    say("measures, gaps and SPC charts")
    table_ = measure_table(cube, plan)
    pairs = compare_pairs(plan, cube)
    derived = derive(table_, plan, pairs)
    lap("analyse")
    return AnalysisResult(
        plan=plan,
        source=records.name,
        n_rows=prepared.n_rows,
        n_in_window=prepared.n_in_window,
        first_date=prepared.first_date,
        last_date=prepared.last_date,
        measures=table_,
        pairs=pairs,
        **derived.frames(),
        notes=(*records.notes, *prepared.notes),
        timings=timings,
    )


def _direction(plan: AnalysisPlan) -> str:
    # A neutral (or unset) direction is passed on as it is: the verdict then reports the
    # changes without calling them improvements (issue 19: no silent "lower is better").
    return plan.measure.improvement


def _completeness_for_impact(complete: pd.DataFrame) -> pd.DataFrame:
    known = complete[complete["share_missing"].notna()]  # hidden shares are not evidence
    return known.rename(columns={"field": "dimension"})[["period", "dimension", "share_missing"]]
