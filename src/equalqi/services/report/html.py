"""Render the report model as one self-contained, offline HTML file.

No CDN, no scripts, no font files: charts are inline SVG with a text alternative and a data
table; styles are inline and follow the NHS.UK look with the system font stack. The page
prints cleanly to PDF from any browser.
"""

from __future__ import annotations

from typing import Any

import jinja2

from equalqi import __version__
from equalqi.services.analysis.completeness import completeness_totals
from equalqi.services.chart_help import chart_help, verdict_module
from equalqi.services.report.model import DimensionSection, ReportModel
from equalqi.services.report.svg import (
    completeness_bars_svg,
    gap_chart_svg,
    line_chart_svg,
    small_multiples_svg,
    spc_chart_svg,
)

#: More lines than this on one chart stop being readable: small multiples carry the groups.
MAX_LINES = 5

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("equalqi.services.report", "templates"),
    autoescape=jinja2.select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def section_charts(
    model: ReportModel, section: DimensionSection, *, width: int = 640, height: int = 300
) -> dict[str, str]:
    """The charts of one dimension's section as SVG: ``lines`` (few groups only),
    ``multiples``, ``gap`` and ``sii``. The gap and the SII share one sign convention: the
    disadvantaged end minus the advantaged end, and the axis title says which way is worse."""
    out: dict[str, str] = {}
    worse = "up" if model.improvement == "decrease" else "down"
    unit = model.unit
    # One line per group stops being readable beyond a handful of groups (intersections):
    # the small multiples and the table carry those.
    # With a compared pair, the line chart shows the pair alone (with intervals); every group
    # has its own panel in the small multiples. Without one, a few groups share a chart, with
    # interval whiskers only when there are at most three lines.
    lines = section.lines
    title = f"{model.measure} by {section.name}"
    if section.pair and not lines.empty:
        lines = lines[lines["group"].isin(section.pair)]
        title = f"{model.measure}: {section.pair[0]} and {section.pair[1]} (the pair compared)"
    n_lines = lines["group"].nunique() if not lines.empty else 0
    if n_lines and n_lines <= MAX_LINES:
        whiskers = n_lines <= 3
        out["lines"] = line_chart_svg(
            lines,
            x="period",
            y="value",
            series="group",
            title=title,
            unit=unit,
            lower="lower" if whiskers else None,
            upper="upper" if whiskers else None,
            intervention=model.intervention,
            decimals=model.decimals,
            width=width,
            height=height,
        )
    if section.group_frames:
        ordered = {g: section.group_frames[g] for g in section.groups if g in section.group_frames}
        # A panel with most of its points hidden is mostly holes: such groups are named
        # under the charts instead (their shown numbers stay in the table).
        periods = section.lines["period"].nunique() if not section.lines.empty else 0
        sparse = [g for g, f in ordered.items() if periods and len(f) < periods / 2]
        ordered = {g: f for g, f in ordered.items() if g not in sparse}
        sparse += [
            g for g in section.groups if g not in section.group_frames and g in _lined(section)
        ]
        if sparse:
            out["multiples_note"] = (
                "Not charted because more than half of their months are hidden to protect "
                f"privacy (their shown values are in the table): {', '.join(map(str, sparse))}."
            )
    if section.group_frames and ordered:
        out["multiples"] = small_multiples_svg(
            ordered,
            unit=unit,
            intervention=model.intervention,
            decimals=model.decimals,
        )
    if section.pair and not section.gap.empty:
        focus, ref = section.pair
        frame = section.gap
        if not section.gap_spc.empty:
            frame = section.gap_spc.rename(columns={"y": "gap"})
            frame = frame.merge(section.gap[["x", "lower", "upper"]], on="x", how="left")
        out["gap"] = gap_chart_svg(
            frame,
            title=f"Gap: {focus} minus {ref}",
            unit=gap_unit_for(model),
            intervention=model.intervention,
            decimals=model.decimals,
            width=width,
            height=height,
            y_title=f"{focus} minus {ref} ({gap_unit_for(model)}; {worse} is worse for {focus})",
        )
    if not section.sii.empty:
        # The SII is estimated as the least minus the most deprived end; drawn here as the
        # most minus the least deprived end, the same way round as the gap chart.
        sii = section.sii.assign(
            gap=-section.sii["gap"], lower=-section.sii["upper"], upper=-section.sii["lower"]
        )
        out["sii"] = gap_chart_svg(
            sii,
            title=f"Slope index of inequality (SII): {section.name}",
            unit=gap_unit_for(model),
            intervention=model.intervention,
            decimals=model.decimals,
            width=width,
            height=height,
            y_title=f"Most minus least deprived end ({gap_unit_for(model)}; {worse} is worse "
            "for the more deprived)",
        )
    return out


def _lined(section: DimensionSection) -> set[str]:
    return set(section.lines["group"].astype(str)) if not section.lines.empty else set()


def gap_unit_for(model: ReportModel) -> str:
    return "percentage points" if model.unit == "%" else model.unit


def render_html(model: ReportModel, *, extra_sections: tuple[str, ...] = ()) -> str:
    """The whole report as one HTML string; ``extra_sections`` are trusted HTML fragments."""
    overall_chart = (
        spc_chart_svg(
            model.overall,
            title=f"{model.measure}: {model.whole_label.lower()}",
            unit=model.unit,
            intervention=model.intervention,
            decimals=model.decimals,
            width=900,
            height=320,
        )
        if not model.overall.empty
        else ""
    )
    completeness = model.completeness
    bars = ""
    if not completeness.empty:
        bars = completeness_bars_svg(
            completeness_totals(completeness),
            label="label",
            value="share_missing",
            title=f"Share of {model.counted_noun} missing each field",
        )
    context: dict[str, Any] = {
        "m": model,
        "version": __version__,
        "overall_chart": overall_chart,
        "sections": [(s, section_charts(model, s)) for s in model.sections],
        "completeness_chart": bars,
        "extra_sections": [jinja2.utils.markupsafe.Markup(s) for s in extra_sections],
        "gap_unit": gap_unit_for(model),
        "chart_help": chart_help().for_templates(),
        "verdict_module": verdict_module(),
    }
    return _ENV.get_template("report.html.j2").render(**context)
