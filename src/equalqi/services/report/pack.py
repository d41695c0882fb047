"""The board pack: ``board.pdf``, ``report.pdf``, ``tables.xlsx``, ``board.pptx``, ``charts/``.

Every file is built from the *disclosed* result and the report model made from it, so each
shows the numbers of ``measures.csv`` / ``gaps.csv`` and nothing else: hidden cells are blank
in ``tables.xlsx`` exactly where they are blank in the CSVs, charts leave hidden periods out,
and each file states the disclosure policy and what it hid.

* PDFs: WeasyPrint from the same HTML as ``report.html`` and the board page, tagged for
  screen readers (``pdf_variant="pdf/ua-1"``, document language from ``<html lang>``).
* ``tables.xlsx``: openpyxl; one sheet per table with a frozen header and number formats.
* ``board.pptx``: python-pptx; title, verdict, gap chart, MDC table and a slide per section.
* ``charts/``: one SVG and one PNG (cairosvg) per chart, named for what it shows.
"""

from __future__ import annotations

import io
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from equalqi.services.analysis.pipeline import AnalysisResult
from equalqi.services.disclosure import require_disclosed
from equalqi.services.report.board import BoardPage, render_board
from equalqi.services.report.html import section_charts
from equalqi.services.report.model import DimensionSection, ReportModel
from equalqi.services.report.story import Story
from equalqi.services.report.svg import spc_chart_svg
from equalqi.services.report.svg_format import esc

PDF_VARIANT = "pdf/ua-1"


@dataclass(frozen=True)
class PackPaths:
    folder: Path
    board_pdf: Path
    report_pdf: Path
    tables: Path
    slides: Path
    charts: Path
    board_html: Path
    seconds: dict[str, float] = field(default_factory=dict)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower().replace("×", "by")).strip("-")


# --------------------------------------------------------------------------- charts


def chart_svgs(model: ReportModel) -> dict[str, str]:
    """Every chart of the report as SVG, keyed by a file name that says what it shows."""
    out: dict[str, str] = {}
    if not model.overall.empty:
        out[f"{slug(model.measure)}-all-records-spc"] = spc_chart_svg(
            model.overall,
            title=f"{model.measure}: {model.whole_label.lower()}",
            unit=model.unit,
            intervention=model.intervention,
            decimals=model.decimals,
            width=900,
            height=320,
        )
    for section in model.sections:
        for kind, svg in section_charts(model, section).items():
            if kind.endswith("_note"):
                continue
            if kind == "multiples":  # an HTML grid on the page; one SVG grid in the file
                svg = multiples_svg(model, section)
            name = {
                "lines": "by-group",
                "multiples": "spc-each-group",
                "gap": "gap",
                "sii": "slope-index",
            }[kind]
            out[f"{slug(section.name)}-{name}"] = svg
    return out


def multiples_svg(
    model: ReportModel, section: DimensionSection, *, columns: int = 3, width: int = 380
) -> str:
    """Small multiples as one standalone SVG: an SPC panel per group on a grid (hidden
    periods left out of each panel, as on the page)."""
    height = 250
    groups = [g for g in section.groups if g in section.group_frames]
    panels = []
    for i, group in enumerate(groups):
        svg = spc_chart_svg(
            section.group_frames[group],
            title=str(group),
            unit=model.unit,
            intervention=model.intervention,
            decimals=model.decimals,
            width=width,
            height=height,
        )
        x, y = (i % columns) * width, 40 + (i // columns) * height
        svg = _root_without_style(svg)
        panels.append(svg.replace("<svg ", f'<svg x="{x}" y="{y}" ', 1))
    rows = max(1, -(-len(groups) // columns))
    total_w, total_h = columns * width, 40 + rows * height
    title = esc(f"{model.measure} by {section.name}: an SPC chart for each group")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {total_w} {total_h}" '
        f'width="{total_w}" height="{total_h}" font-family="Arial, Helvetica, sans-serif">'
        f"<title>{title}</title>"
        f'<rect width="{total_w}" height="{total_h}" fill="#ffffff"/>'
        f'<text x="10" y="26" font-size="17" font-weight="600" fill="#212b32">{title}</text>'
        + "".join(panels)
        + "</svg>"
    )


def _root_without_style(svg: str) -> str:
    """cairosvg reads ``height:auto`` in the root's style as no size: drop the root style
    (it only makes the chart responsive on a web page)."""
    return re.sub(r'^(<svg[^>]*?) style="[^"]*"', r"\1", svg, count=1)


def _png(svg: str, scale: float = 2.0) -> bytes:
    import cairosvg

    data = cairosvg.svg2png(
        bytestring=_root_without_style(svg).encode("utf-8"),
        scale=scale,
        background_color="white",
    )
    assert isinstance(data, bytes)
    return data


def write_charts(svgs: dict[str, str], folder: Path) -> dict[str, bytes]:
    folder.mkdir(parents=True, exist_ok=True)
    pngs = {}
    for name, svg in svgs.items():
        (folder / f"{name}.svg").write_text(svg, encoding="utf-8")
        png = _png(svg)
        (folder / f"{name}.png").write_bytes(png)
        pngs[name] = png
    return pngs


# --------------------------------------------------------------------------- PDF


def html_to_pdf(html: str, path: Path) -> None:
    from weasyprint import HTML

    HTML(string=html).write_pdf(path, pdf_variant=PDF_VARIANT)


# --------------------------------------------------------------------------- Excel


def _sheet_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """As the CSV writes it: the same columns, NaN left blank."""
    return frame.copy()


def write_tables(result: AnalysisResult, story: Story, path: Path) -> None:
    """``tables.xlsx``: about, measures, gaps, verdicts and completeness sheets."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    statement = require_disclosed(result)
    plan = result.plan
    wb = Workbook()
    about = wb.active
    assert about is not None
    about.title = "about"
    rows = [
        ("Title", plan.output.title or plan.measure.name),
        ("Measure", plan.measure.name),
        ("Source", result.source),
        (
            "Period",
            f"{result.first_date:%-d %B %Y} to {result.last_date:%-d %B %Y}",
        ),
        ("Privacy", statement.text),
        *[("Hidden to protect privacy", a) for a in (*statement.withheld, *statement.advice)],
        (
            "Hidden cells",
            "Rows with suppressed = TRUE have blank counts, values and intervals, exactly as "
            "in measures.csv; gaps and verdicts use only the numbers shown.",
        ),
        ("Primary analysis", story.primary_method),
        (
            "Values",
            "value, lower and upper are proportions (0 to 1) or rates per person-unit, as in "
            "measures.csv; the display format applies the measure's unit.",
        ),
    ]
    about.append(("Item", "Text"))
    for r in rows:
        about.append(r)
    about.column_dimensions["A"].width = 26
    about.column_dimensions["B"].width = 110
    for row in about.iter_rows(min_row=2):
        row[1].alignment = Alignment(wrap_text=True, vertical="top")

    percent = plan.measure.unit.strip() == "%" and plan.measure.multiplier == 100
    value_format = "0.0%" if percent else "#,##0.00"
    formats = {
        "numerator": "#,##0",
        "denominator": "#,##0",
        "n_records": "#,##0",
        "value": value_format,
        "lower": value_format,
        "upper": value_format,
        "sd": "#,##0.00",
        "records": "#,##0",
        "missing": "#,##0",
        "share_missing": "0.0%",
        "estimate": "#,##0.00",
        "change": "#,##0.00",
        "period": "d mmmm yyyy",
    }
    verdicts = []
    for v in story.verdicts:
        estimates = [v.primary, *v.sensitivity] if v.primary else [None]
        for e in estimates:
            verdicts.append(
                {
                    "dimension": v.dimension,
                    "verdict": v.badge,
                    "sentence": v.sentence,
                    "analysis": e.analysis if e else "",
                    "primary": bool(e.primary) if e else None,
                    "change": e.change if e else None,
                    "lower": e.lower if e else None,
                    "upper": e.upper if e else None,
                    "unit": story.change_unit.strip() if e else "",
                    "verdict_it_gives": e.judgement if e else "",
                    "agrees_with_primary": (e.judgement == v.badge) if e else None,
                    "watch": " ".join(w.sentence for w in v.watch),
                    "inverse_equity": v.inverse_equity or "",
                }
            )
    tables = {
        "measures": result.measures,
        "gaps": result.gaps,
        "verdicts": pd.DataFrame(verdicts),
        "completeness": result.completeness,
    }
    header_fill = PatternFill("solid", fgColor="005EB8")
    for name, frame in tables.items():
        ws = wb.create_sheet(name)
        frame = _sheet_frame(frame)
        columns = list(frame.columns)
        ws.append(columns)
        for cell in ws[1]:
            cell.font = Font(bold=True, color="FFFFFF")
            cell.fill = header_fill
        for record in frame.itertuples(index=False):
            ws.append([_cell(x) for x in record])
        ws.freeze_panes = "A2"
        for j, col in enumerate(columns, start=1):
            letter = get_column_letter(j)
            fmt = formats.get(col)
            if name == "verdicts" and col in ("lower", "upper"):
                fmt = "#,##0.00"
            if fmt:
                for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                    cell.number_format = fmt
            width = 60 if col in ("sentence", "watch", "inverse_equity") else 14
            ws.column_dimensions[letter].width = max(width, min(len(col) + 2, 40))
        ws.auto_filter.ref = ws.dimensions
    wb.save(path)


def _cell(x: object) -> object:
    if x is None:
        return None
    if isinstance(x, pd.Timestamp):
        return x.to_pydatetime()
    if isinstance(x, float) and pd.isna(x):
        return None
    if x is pd.NaT or (not isinstance(x, str | bool) and pd.api.types.is_scalar(x) and pd.isna(x)):
        return None
    if hasattr(x, "item"):
        return x.item()
    return x


# --------------------------------------------------------------------------- slides


def write_slides(
    model: ReportModel, board: BoardPage, pngs: dict[str, bytes], path: Path
) -> list[str]:
    """``board.pptx``; returns the slide titles."""
    from pptx import Presentation
    from pptx.dml.color import RGBColor
    from pptx.util import Emu, Inches, Pt

    story = model.story
    assert story is not None
    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(13.333), Inches(7.5)
    blank = prs.slide_layouts[6]
    titles: list[str] = []
    blue = RGBColor(0x00, 0x5E, 0xB8)

    def slide(title: str):  # type: ignore[no-untyped-def]
        s = prs.slides.add_slide(blank)
        box = s.shapes.add_textbox(Inches(0.5), Inches(0.3), Inches(12.3), Inches(0.9))
        p = box.text_frame.paragraphs[0]
        p.text = title
        p.font.size, p.font.bold, p.font.color.rgb = Pt(28), True, blue
        titles.append(title)
        return s

    def text(s, lines, top=1.3, height=5.6, size=16):  # type: ignore[no-untyped-def]
        box = s.shapes.add_textbox(Inches(0.5), Inches(top), Inches(12.3), Inches(height))
        tf = box.text_frame
        tf.word_wrap = True
        for i, line in enumerate(lines):
            p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
            p.text = line
            p.font.size = Pt(size)
            p.space_after = Pt(8)

    def picture(s, png: bytes, top: float = 1.3, max_h: float = 5.4) -> None:  # type: ignore[no-untyped-def]
        pic = s.shapes.add_picture(io.BytesIO(png), Inches(0.5), Inches(top))
        ratio = pic.width / pic.height
        h: int = Inches(max_h)
        w: int = int(h * ratio)
        if w > Inches(12.3):
            w = int(Inches(12.3))
            h = int(w / ratio)
        pic.width, pic.height = Emu(w), Emu(h)
        pic.left = int((prs.slide_width - w) / 2)

    privacy = f"Privacy: {model.suppression}"
    s = slide(model.title)
    text(
        s,
        [
            f"{model.measure} · {model.period_text}",
            f"Source: {model.source}",
            privacy,
        ],
    )
    s = slide("Verdict")
    lines = [story.overall_sentence] if story.overall_sentence else []
    lines += [
        f"{v.badge.upper()} — {v.dimension}: {v.sentence}"
        for v in story.verdicts
        if v.badge != "not judged" and " × " not in v.dimension
    ]
    lines.append(f"Primary analysis: {story.primary_method}.")
    text(s, lines, size=15)
    gap_key = next((k for k in pngs if k.endswith("-gap")), None)
    if gap_key:
        s = slide(board.gap_title or "The gap")
        picture(s, pngs[gap_key], top=1.3, max_h=5.0)
        text(s, [board.gap_caption], top=6.5, height=0.8, size=12)
    s = slide(f"Making Data Count summary: {board.mdc_dimension}")
    rows, cols = len(board.mdc) + 1, 5
    table = s.shapes.add_table(
        rows, cols, Inches(0.5), Inches(1.3), Inches(12.3), Inches(0.4) * rows
    ).table
    for j, head in enumerate(("Group", "Latest value", "Month", "Variation", "Assurance")):
        table.cell(0, j).text = head
    for i, r in enumerate(board.mdc, start=1):
        for j, value in enumerate(
            (
                r.group,
                r.latest,
                r.when,
                r.variation_text,
                r.assurance_text.replace("Assurance: ", ""),
            )
        ):
            table.cell(i, j).text = value
            table.cell(i, j).text_frame.paragraphs[0].font.size = Pt(12)
    for section in model.sections:
        key = f"{slug(section.name)}-spc-each-group"
        if key in pngs:
            s = slide(f"{model.measure} by {section.name}")
            picture(s, pngs[key], top=1.2, max_h=5.9)
    s = slide("For patients and the public; what the team will do")
    text(s, [board.public, *[f"• {a}" for a in board.actions]], size=15)
    for s in prs.slides:
        s.notes_slide.notes_text_frame.text = privacy
    prs.save(str(path))
    return titles


# --------------------------------------------------------------------------- all


def write_pack(
    result: AnalysisResult,
    model: ReportModel,
    board: BoardPage,
    report_html: str,
    folder: Path,
) -> PackPaths:
    """Write the whole board pack into ``folder`` (created)."""
    require_disclosed(result)
    assert model.story is not None
    folder.mkdir(parents=True, exist_ok=True)
    seconds: dict[str, float] = {}
    t = time.perf_counter()
    pngs = write_charts(chart_svgs(model), folder / "charts")
    seconds["charts"] = time.perf_counter() - t
    t = time.perf_counter()
    board_html = render_board(board)
    (folder / "board.html").write_text(board_html, encoding="utf-8")
    html_to_pdf(board_html, folder / "board.pdf")
    seconds["board.pdf"] = time.perf_counter() - t
    t = time.perf_counter()
    html_to_pdf(report_html, folder / "report.pdf")
    seconds["report.pdf"] = time.perf_counter() - t
    t = time.perf_counter()
    write_tables(result, model.story, folder / "tables.xlsx")
    seconds["tables.xlsx"] = time.perf_counter() - t
    t = time.perf_counter()
    write_slides(model, board, pngs, folder / "board.pptx")
    seconds["board.pptx"] = time.perf_counter() - t
    return PackPaths(
        folder=folder,
        board_pdf=folder / "board.pdf",
        report_pdf=folder / "report.pdf",
        tables=folder / "tables.xlsx",
        slides=folder / "board.pptx",
        charts=folder / "charts",
        board_html=folder / "board.html",
        seconds=seconds,
    )
