"""Write an analysis to a folder: the HTML report, tidy CSVs, a JSON summary and the board
pack (``board/``: board.pdf, report.pdf, tables.xlsx, board.pptx, charts/).

All files are written to a temporary folder beside the destination first and moved into
place only when every one of them is complete, so a failure leaves the destination as it
was. Every file is built from the disclosed result (:func:`equalqi.services.disclosure.disclose`):
the plan's small-number policy applies to all of them, and each says what it hid.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from equalqi.services.analysis.pipeline import AnalysisResult
from equalqi.services.disclosure import disclose
from equalqi.services.equity_design import equity_section
from equalqi.services.report.board import assessment_actions, build_board
from equalqi.services.report.html import render_html
from equalqi.services.report.model import build_model
from equalqi.services.report.pack import PackPaths, write_pack


@dataclass(frozen=True)
class OutputPaths:
    folder: Path
    report: Path
    measures: Path
    gaps: Path
    completeness: Path
    summary: Path
    plan: Path
    board: PackPaths | None = None


def write_outputs(
    result: AnalysisResult,
    out_dir: str | Path,
    *,
    project_dir: str | Path | None = None,
    board: bool = False,
) -> OutputPaths:
    """Write every output; with ``project_dir``, the report includes equity by design (and
    the board page the assessment's actions); ``board=True`` also writes the board pack
    (``board/``).

    ``result`` is disclosed here with the plan's policy unless it already has been."""
    if result.disclosure is None:
        result = disclose(result)
    out = Path(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".equalqi-", dir=out.parent))
    try:
        extra = (equity_section(result, project_dir),) if project_dir else ()
        model = build_model(result)
        html = render_html(model, extra_sections=tuple(s for s in extra if s))
        (staging / "report.html").write_text(html, encoding="utf-8")
        pack = None
        if board:
            page = build_board(result, model, assessment_actions=assessment_actions(project_dir))
            pack = write_pack(result, model, page, html, staging / "board")
        result.measures.to_csv(staging / "measures.csv", index=False)
        result.gaps.to_csv(staging / "gaps.csv", index=False)
        result.completeness.to_csv(staging / "completeness.csv", index=False)
        (staging / "summary.json").write_text(
            json.dumps(result.to_dict(), indent=2, default=str), encoding="utf-8"
        )
        (staging / "plan.toml").write_text(result.plan.to_toml(), encoding="utf-8")
        out.mkdir(parents=True, exist_ok=True)
        for f in staging.iterdir():
            if f.is_dir() and (out / f.name).is_dir():
                shutil.rmtree(out / f.name)
            os.replace(f, out / f.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return OutputPaths(
        folder=out,
        report=out / "report.html",
        measures=out / "measures.csv",
        gaps=out / "gaps.csv",
        completeness=out / "completeness.csv",
        summary=out / "summary.json",
        plan=out / "plan.toml",
        board=_moved(pack, out / "board") if pack else None,
    )


def _moved(pack: PackPaths, folder: Path) -> PackPaths:
    return PackPaths(
        folder=folder,
        board_pdf=folder / pack.board_pdf.name,
        report_pdf=folder / pack.report_pdf.name,
        tables=folder / pack.tables.name,
        slides=folder / pack.slides.name,
        charts=folder / pack.charts.name,
        board_html=folder / pack.board_html.name,
        seconds=pack.seconds,
    )
