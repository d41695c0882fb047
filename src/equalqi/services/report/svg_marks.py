"""SVG drawing primitives: paths that break at gaps, step lines, markers, text and legends.

Every function returns an SVG fragment as a string; all text passes through :func:`esc`.
Coordinates are printed with one decimal, which is finer than a screen pixel at any size the
report is shown and keeps the files small.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from equalqi.services.report.svg_colours import SECONDARY_TEXT, TEXT, WHITE
from equalqi.services.report.svg_format import esc, text_width

FloatArray = npt.NDArray[np.float64]


def f1(v: float) -> str:
    """A coordinate with one decimal and no trailing ".0"."""
    text = f"{v:.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    return "0" if text == "-0" else text


def runs(
    valid: npt.NDArray[np.bool_], groups: npt.ArrayLike | None = None
) -> list[tuple[int, int]]:
    """(start, end) index pairs of consecutive ``valid`` rows, broken where ``groups`` changes."""
    idx = np.flatnonzero(np.asarray(valid, dtype=bool))
    if idx.size == 0:
        return []
    brk = np.diff(idx) > 1
    if groups is not None:
        g = np.asarray(groups)[idx]
        brk |= g[1:] != g[:-1]
    starts = np.concatenate([idx[:1], idx[1:][brk]])
    ends = np.concatenate([idx[:-1][brk], idx[-1:]])
    return [(int(s), int(e)) for s, e in zip(starts, ends, strict=True)]


def line_path(px: FloatArray, py: FloatArray, groups: npt.ArrayLike | None = None) -> str:
    """Path ``d`` joining the points, lifting the pen at NaNs and where ``groups`` changes."""
    parts = []
    for s, e in runs(np.isfinite(py) & np.isfinite(px), groups):
        pts = " ".join(
            f"{f1(x)},{f1(y)}" for x, y in zip(px[s : e + 1], py[s : e + 1], strict=True)
        )
        parts.append(f"M{pts}" if s == e else f"M{pts.replace(' ', ' L', 1)}")
    return " ".join(parts)


def step_path(
    px: FloatArray, py: FloatArray, groups: npt.ArrayLike | None = None, *, half: float = 4.0
) -> str:
    """Path ``d`` for limits drawn as steps centred on each point (ggplot2 ``direction="mid"``).

    Within a run the line changes level half-way between two points; it starts and ends at the
    run's first and last points, so constant limits are a plain line from first to last point.
    A run of one point gets a short bar ``half`` px either side.
    """
    parts = []
    for s, e in runs(np.isfinite(py) & np.isfinite(px), groups):
        x = px[s : e + 1]
        y = py[s : e + 1]
        if s == e:
            parts.append(f"M{f1(x[0] - half)},{f1(y[0])} H{f1(x[0] + half)}")
            continue
        mids = (x[:-1] + x[1:]) / 2.0
        segs = [f"M{f1(x[0])},{f1(y[0])}"]
        level = y[0]
        for k in range(1, x.size):
            if y[k] != level:
                segs.append(f"H{f1(mids[k - 1])} V{f1(y[k])}")
                level = y[k]
        segs.append(f"H{f1(x[-1])}")
        parts.append(" ".join(segs))
    return " ".join(parts)


def band_path(px: FloatArray, lo: FloatArray, hi: FloatArray) -> str:
    """Closed path(s) ``d`` shading between ``lo`` and ``hi``; broken where either is missing."""
    parts = []
    for s, e in runs(np.isfinite(lo) & np.isfinite(hi) & np.isfinite(px)):
        x = px[s : e + 1]
        if s == e:
            x = np.array([x[0] - 3.0, x[0] + 3.0])
            top = np.repeat(hi[s], 2)
            bottom = np.repeat(lo[s], 2)
        else:
            top, bottom = hi[s : e + 1], lo[s : e + 1]
        fwd = " L".join(f"{f1(a)},{f1(b)}" for a, b in zip(x, top, strict=True))
        back = " L".join(f"{f1(a)},{f1(b)}" for a, b in zip(x[::-1], bottom[::-1], strict=True))
        parts.append(f"M{fwd} L{back} Z")
    return " ".join(parts)


def marker(
    shape: str,
    x: float,
    y: float,
    r: float,
    *,
    fill: str,
    stroke: str,
    cls: str = "eqi-point",
    extra: str = "",
    tooltip: str | None = None,
) -> str:
    """A point marker centred on (x, y); ``tooltip`` becomes a child ``<title>``."""
    style = f'fill="{fill}" stroke="{stroke}" stroke-width="1.2"'
    attrs = f'class="{cls}" {style}{(" " + extra) if extra else ""}'
    if shape == "square":
        s = r * 0.9
        geom = f'<rect x="{f1(x - s)}" y="{f1(y - s)}" width="{f1(2 * s)}" height="{f1(2 * s)}"'
    elif shape in {"triangle", "triangle-down", "diamond"}:
        if shape == "triangle":
            pts = [(x, y - 1.25 * r), (x + 1.15 * r, y + 0.85 * r), (x - 1.15 * r, y + 0.85 * r)]
        elif shape == "triangle-down":
            pts = [(x, y + 1.25 * r), (x + 1.15 * r, y - 0.85 * r), (x - 1.15 * r, y - 0.85 * r)]
        else:
            pts = [(x, y - 1.3 * r), (x + 1.3 * r, y), (x, y + 1.3 * r), (x - 1.3 * r, y)]
        geom = '<polygon points="' + " ".join(f"{f1(a)},{f1(b)}" for a, b in pts) + '"'
    else:
        geom = f'<circle cx="{f1(x)}" cy="{f1(y)}" r="{f1(r)}"'
    if tooltip is None:
        return f"{geom} {attrs}/>"
    close = {"<rect": "rect", "<polygon": "polygon", "<circle": "circle"}[geom.split(" ", 1)[0]]
    return f"{geom} {attrs}><title>{esc(tooltip)}</title></{close}>"


def text(
    x: float,
    y: float,
    content: str,
    *,
    size: float = 12.0,
    anchor: str = "start",
    fill: str = TEXT,
    bold: bool = False,
    halo: bool = False,
    cls: str | None = None,
    middle: bool = False,
) -> str:
    """A ``<text>`` element; ``middle`` centres it vertically on y; ``halo`` adds a white edge."""
    baseline_y = y + 0.35 * size if middle else y
    attrs = [f'x="{f1(x)}"', f'y="{f1(baseline_y)}"', f'font-size="{f1(size)}"', f'fill="{fill}"']
    if anchor != "start":
        attrs.append(f'text-anchor="{anchor}"')
    if bold:
        attrs.append('font-weight="600"')
    if halo:
        attrs.append(
            f'stroke="{WHITE}" stroke-width="3.5" stroke-linejoin="round" paint-order="stroke"'
        )
    if cls:
        attrs.append(f'class="{cls}"')
    return f"<text {' '.join(attrs)}>{esc(content)}</text>"


def multiline_text(
    x: float,
    y: float,
    lines: list[str],
    *,
    size: float,
    line_height: float,
    bold: bool = False,
    fill: str = TEXT,
    cls: str | None = None,
) -> str:
    """Several lines in one ``<text>`` (first baseline at y), so it reads as one phrase."""
    spans = "".join(
        f'<tspan x="{f1(x)}" dy="{f1(0 if i == 0 else line_height)}">{esc(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    attrs = f'x="{f1(x)}" y="{f1(y)}" font-size="{f1(size)}" fill="{fill}"'
    if bold:
        attrs += ' font-weight="600"'
    if cls:
        attrs += f' class="{cls}"'
    return f"<text {attrs}>{spans}</text>"


def spread(ys: FloatArray, gap: float, lo: float, hi: float) -> FloatArray:
    """Move label positions apart so neighbours are at least ``gap`` px apart, within [lo, hi].

    Labels keep their order; each moves as little as a forward then backward sweep allows.
    """
    y = np.asarray(ys, dtype=np.float64)
    if y.size == 0:
        return y
    order = np.argsort(y, kind="stable")
    s = np.clip(y[order], lo, hi)
    for i in range(1, s.size):
        s[i] = max(s[i], s[i - 1] + gap)
    if s[-1] > hi:
        s[-1] = hi
        for i in range(s.size - 2, -1, -1):
            s[i] = min(s[i], s[i + 1] - gap)
    out = np.empty_like(s)
    out[order] = s
    return out


@dataclass(frozen=True)
class LegendItem:
    """One entry of a legend: a swatch (point, line or band) and its label."""

    label: str
    kind: str  # "point" | "line" | "band"
    colour: str
    stroke: str | None = None
    dash: str | None = None
    shape: str = "circle"
    width: float = 2.0
    opacity: float = 1.0


SWATCH = 24.0


def legend_item_width(item: LegendItem, size: float) -> float:
    return SWATCH + 5.0 + text_width(item.label, size) + 14.0


def legend_rows(items: list[LegendItem], max_width: float, size: float) -> list[list[LegendItem]]:
    """Greedy layout of legend items into rows no wider than ``max_width``."""
    rows: list[list[LegendItem]] = []
    row: list[LegendItem] = []
    used = 0.0
    for item in items:
        w = legend_item_width(item, size)
        if row and used + w > max_width:
            rows.append(row)
            row, used = [], 0.0
        row.append(item)
        used += w
    if row:
        rows.append(row)
    return rows


def swatch(item: LegendItem, x: float, cy: float) -> str:
    """The legend's little picture of a mark, ``SWATCH`` px wide, centred on ``cy``."""
    if item.kind == "band":
        return (
            f'<rect x="{f1(x)}" y="{f1(cy - 6)}" width="{f1(SWATCH)}" height="12" '
            f'fill="{item.colour}" fill-opacity="{item.opacity}"/>'
        )
    if item.kind == "line":
        dash = f' stroke-dasharray="{item.dash}"' if item.dash else ""
        if item.dash and item.dash.startswith("0"):  # a dotted line: round dots
            dash += ' stroke-linecap="round"'
        line = (
            f'<line x1="{f1(x)}" y1="{f1(cy)}" x2="{f1(x + SWATCH)}" y2="{f1(cy)}" '
            f'stroke="{item.colour}" stroke-width="{f1(item.width)}"{dash}/>'
        )
        if item.stroke is None:
            return line
        # a line with markers (several-series chart): draw one marker on it
        return line + marker(
            item.shape,
            x + SWATCH / 2,
            cy,
            4.0,
            fill=item.colour,
            stroke=item.stroke,
            cls="eqi-legend-marker",
        )
    return marker(
        item.shape,
        x + SWATCH / 2,
        cy,
        4.5,
        fill=item.colour,
        stroke=item.stroke or item.colour,
        cls="eqi-legend-marker",
    )


def legend(rows: list[list[LegendItem]], x: float, y: float, *, size: float, row_h: float) -> str:
    """Legend rows starting at (x, y) (top of first row)."""
    out = ['<g class="eqi-legend">']
    for r, row in enumerate(rows):
        cy = y + r * row_h + row_h / 2.0
        cx = x
        for item in row:
            out.append(swatch(item, cx, cy))
            out.append(text(cx + SWATCH + 5.0, cy, item.label, size=size, fill=TEXT, middle=True))
            cx += legend_item_width(item, size)
    out.append("</g>")
    return "".join(out)


__all__ = [
    "SECONDARY_TEXT",
    "LegendItem",
    "band_path",
    "f1",
    "legend",
    "legend_rows",
    "line_path",
    "marker",
    "multiline_text",
    "runs",
    "spread",
    "step_path",
    "text",
]
