"""Application service for analyses: what the web app (and any other interface) calls.

Runs the pipeline on a stored dataset, passes the result through the disclosure boundary,
writes the shared files, precomputes what the pages draw, and asks the registry to record
it. Pages render the views this returns; they never read result files or suppress.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from equalqi.disclosure import Policy
from equalqi.engine.connect import connect
from equalqi.engine.prepare import prepare
from equalqi.engine.readers import open_records
from equalqi.impact.frames import to_records
from equalqi.plan import AnalysisPlan, parse_plan
from equalqi.registry import analyses, datasets
from equalqi.registry.access import project_for, require
from equalqi.registry.models import AnalysisRun, PlanVersion, User
from equalqi.services.analysis.pipeline import AnalysisResult, analyse
from equalqi.services.disclosure import disclose
from equalqi.services.outputs import BOARD, write_outputs
from equalqi.services.page_charts import page_charts
from equalqi.services.report.html import render_html
from equalqi.services.report.model import build_model

#: Placeholder the stored report carries where the assessment section goes; the section is
#: filled in when the report is downloaded, so the report always shows the latest assessment.
ASSESSMENT_MARKER = analyses.ASSESSMENT_MARKER


def page_view(result: AnalysisResult) -> dict[str, Any]:
    """What the analysis page draws, from a disclosed result (JSON-ready): the chart points,
    the Vega-Lite specs with their data tables, verdicts, notes and the disclosure statement."""
    statement = result.disclosure
    assert statement is not None, "page views are built from disclosed results only"
    m = result.measures
    hidden = m[m["suppressed"]] if "suppressed" in m.columns else m.iloc[0:0]
    cells = frozenset(
        zip(
            hidden["dimension"].astype(str),
            hidden["group"].astype(str),
            hidden["period"],
            strict=True,
        )
    )
    groups, gaps = page_charts(
        result.charts, result.gap_charts, result.pairs, result.plan, hidden=cells
    )
    return {
        "charts": to_records(result.charts[["dimension", "group", "x", "y", "n"]])
        if not result.charts.empty
        else [],
        "group_charts": [c.to_dict() for c in groups],
        "gap_charts": [c.to_dict() for c in gaps],
        "pairs": {k: list(v) for k, v in result.pairs.items()},
        "records": result.n_rows,
        "rows_noun": result.plan.data.rows_noun,
        "verdicts": _verdicts(result),
        "notes": list(result.notes),
        "disclosure": statement.to_dict(),
    }


@dataclass(frozen=True)
class CheckResult:
    """What the validation scan found: counts and dates (the summary before confirming)."""

    n_rows: int
    n_in_window: int
    first_date: dt.date
    last_date: dt.date
    notes: tuple[str, ...]


def check_dataset(
    session: Session, user: User, project_id: int, dataset_id: int, plan: AnalysisPlan
) -> CheckResult:
    """Validate a stored dataset against ``plan`` without analysing or saving anything;
    raise :class:`equalqi.errors.InputError` listing every problem (file, row, column, value)."""
    require(user, "viewer")
    dataset = datasets.get_dataset(session, user, project_id, dataset_id)
    records = open_records(dataset.stored_path, con=connect(None), delimiter=plan.data.delimiter)
    prepared = prepare(records, plan)
    return CheckResult(
        prepared.n_rows,
        prepared.n_in_window,
        prepared.first_date,
        prepared.last_date,
        tuple(prepared.notes),
    )


def _verdicts(result: AnalysisResult) -> dict[str, str]:
    """The report's verdicts, word for word (one story: the primary analysis's interval,
    readable group labels, the badge first); the overall change leads the first one."""
    from equalqi.services.report.story import build_story

    story = build_story(result)
    out = {}
    for i, v in enumerate(story.judged):
        lead = f"{story.overall_sentence} " if i == 0 and story.overall_sentence else ""
        out[v.dimension] = f"Verdict: {v.badge}. {lead}{v.sentence}"
    return out


def run_analysis(
    session: Session,
    user: User,
    project_id: int,
    dataset_id: int,
    plan: AnalysisPlan | PlanVersion,
    *,
    data_dir: Path,
    board: bool = True,
) -> AnalysisRun:
    """Analyse a stored dataset with ``plan`` and register the result as a new version.

    Raises :class:`equalqi.errors.InputError` (file, row, column, value) before anything is
    written or recorded."""
    require(user, "editor")
    project_for(session, user, project_id)
    dataset = datasets.get_dataset(session, user, project_id, dataset_id)
    parsed = (
        parse_plan(plan.toml, source=f"plan v{plan.version}")
        if isinstance(plan, PlanVersion)
        else plan
    )
    full = analyse(dataset.stored_path, parsed)
    shared = disclose(full)
    team = disclose(full, Policy(rule="none"))
    out = data_dir / "analyses" / str(project_id) / uuid.uuid4().hex
    try:
        paths = write_outputs(shared, out, board=board)
        if paths.board is not None:  # the charts as one download, beside the pack
            shutil.make_archive(str(paths.board.folder / "charts"), "zip", paths.board.charts)
        report = render_html(build_model(shared), extra_sections=(ASSESSMENT_MARKER,))
        (out / "report.html").write_text(report, encoding="utf-8")
        summary = json.loads(json.dumps(shared.to_dict(), default=str))
        views = json.loads(
            json.dumps({"shared": page_view(shared), "team": page_view(team)}, default=str)
        )
        return analyses.record_analysis(
            session,
            user,
            project_id,
            dataset.id,
            plan,
            summary=summary,
            views=views,
            output_dir=out,
        )
    except BaseException:
        shutil.rmtree(out, ignore_errors=True)
        raise


def analysis_view(run: AnalysisRun, *, team: bool = False) -> dict[str, Any]:
    """The precomputed view of a run: the disclosed one unless ``team`` (which the caller
    allows only for the uploading organisation, where its admin has switched it on)."""
    views = run.views or {}
    return dict(views.get("team" if team else "shared") or {})


#: The files of a run that may be downloaded (all built from the disclosed result).
SHARED_FILES = ("report.html", "measures.csv", "gaps.csv", "summary.json", "plan.toml")


def shared_file(run: AnalysisRun, name: str) -> bytes:
    """One of the run's shared (disclosed) files."""
    if name not in SHARED_FILES:
        raise KeyError(name)
    return (Path(run.output_dir) / name).read_bytes()


def report_text(run: AnalysisRun) -> str:
    """The run's disclosed report, with the assessment placeholder still in it."""
    return shared_file(run, "report.html").decode("utf-8")


#: The board pack's files (issue 16), built from the disclosed result on first download.
BOARD_FILES = {
    "board.pdf": "application/pdf",
    "report.pdf": "application/pdf",
    "tables.xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "board.pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "charts.zip": "application/zip",
}


def board_file(run: AnalysisRun, name: str) -> bytes:
    """One file of the run's board pack, written from the disclosed result by the analysis
    job (``run_analysis(..., board=True)``); :class:`FileNotFoundError` if it has none."""
    if name not in BOARD_FILES:
        raise KeyError(name)
    return (Path(run.output_dir) / BOARD / name).read_bytes()
