"""Static, accessible SVG charts for the offline HTML report.

Pure functions: a small tidy frame in, an SVG (or HTML fragment) string out; no I/O, no
JavaScript, no fonts or styles fetched from anywhere. Every chart is ``role="img"`` with a
``<title>`` and a plain-language ``<desc>`` (what is shown, the latest value, the limits, the
special-cause points), referenced by ``aria-labelledby``, so a screen-reader user gets the same
message a sighted reader takes from the picture (WCAG 2.2 SC 1.1.1). Text uses the system font
stack; text meets 4.5:1 and point outlines 3:1 against white (the exact MDC greys of the value
line and limits are lighter; see :mod:`.svg_colours` and ``MDC_COLOURS_HIGH_CONTRAST``); several
series are told apart by marker shape, dash pattern and direct labels, not by colour alone
(SC 1.4.1, 1.4.11). Charts scale through their ``viewBox``; draw them at the width they will be
shown (340 px for a phone or a small multiple, 640 px for a page) or pair both with
:func:`responsive_chart_html`.

SPC charts follow NHSRplotthedots' ``ptd_create_ggplot()`` (NHS "Making Data Count"): points
coloured by variation type (grey common cause, blue improvement, orange concern, purple
neutral), a grey value line, a solid black mean, grey dashed process limits and a red dashed
target, drawn in that package's order. Limits that vary with the denominator (P and U charts,
qicharts2) are drawn as steps centred on each point; lines break between phases (rebasing),
as NHSRplotthedots' default ``break_lines = "both"`` does.
"""

from __future__ import annotations

from equalqi.services.report.svg_bars import completeness_bars_svg
from equalqi.services.report.svg_colours import (
    MDC_COLOURS,
    MDC_COLOURS_HIGH_CONTRAST,
    SpcColours,
)
from equalqi.services.report.svg_lines import line_chart_svg
from equalqi.services.report.svg_spc import gap_chart_svg, small_multiples_svg, spc_chart_svg

__all__ = [
    "MDC_COLOURS",
    "MDC_COLOURS_HIGH_CONTRAST",
    "SpcColours",
    "completeness_bars_svg",
    "gap_chart_svg",
    "line_chart_svg",
    "responsive_chart_html",
    "small_multiples_svg",
    "spc_chart_svg",
]


def responsive_chart_html(wide: str, narrow: str, *, breakpoint_px: int = 560) -> str:
    """Show ``wide`` on screens (and paper) wider than ``breakpoint_px``, ``narrow`` below it.

    A chart drawn 640 px wide and shrunk onto a 360 px phone has 6 px text; drawing it again at
    phone width (e.g. ``spc_chart_svg(..., width=340, height=260)``) keeps it readable. The swap
    is a CSS media query (no JavaScript); ``display:none`` also hides the unused copy from
    screen readers. The ``<style>`` is repeated with each pair so the fragment stands alone;
    a report template may instead carry it once.
    """
    css = (
        ".eqi-chart-narrow{display:none}"
        f"@media screen and (max-width:{int(breakpoint_px)}px){{"
        ".eqi-chart-wide{display:none}.eqi-chart-narrow{display:block}}"
    )
    return (
        f'<div class="eqi-responsive"><style>{css}</style>'
        f'<div class="eqi-chart-wide">{wide}</div>'
        f'<div class="eqi-chart-narrow">{narrow}</div></div>'
    )
