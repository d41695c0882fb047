"""The frame every chart shares: title, legend, axis titles, gridlines, ticks and scales.

:func:`make_layout` works top to bottom — wrapped title, legend rows, the y-axis title row, the
plot, the x tick labels — then sizes the left margin to the widest y tick label, so nothing
overlaps at any width from 320 px up. :func:`svg_root` wraps a drawing as an accessible image:
``role="img"`` with ``aria-labelledby`` pointing at its ``<title>`` and ``<desc>`` (WCAG 2.2
SC 1.1.1, by WCAG technique ARIA10: aria-labelledby as the text alternative of an image).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from equalqi.services.report.svg_axes import (
    LinearScale,
    Ticks,
    nice_ticks,
    number_ticks,
    time_ticks,
)
from equalqi.services.report.svg_colours import AXIS, GRID, REFERENCE_LINE, SECONDARY_TEXT, TEXT
from equalqi.services.report.svg_format import (
    FONT_STACK,
    esc,
    format_number,
    format_tick,
    text_width,
    wrap_text,
)
from equalqi.services.report.svg_marks import (
    LegendItem,
    f1,
    legend,
    legend_rows,
    multiline_text,
    text,
)

FloatArray = npt.NDArray[np.float64]

FONT = 12.0  # tick labels, legends, notes
PAD = 10.0
LEGEND_ROW = 18.0


def chart_id_for(
    kind: str, title: str, frames: Sequence[pd.DataFrame], size: tuple[float, float] = (0, 0)
) -> str:
    """A deterministic element id from the chart's kind, title, size and data.

    The size is part of it so a wide and a narrow drawing of one chart on the same page
    (:func:`responsive_chart_html`) do not share ids; pass ``chart_id`` for anything else.
    """
    h = hashlib.blake2s(digest_size=5)
    h.update(f"{kind}|{size[0]}x{size[1]}|".encode())
    h.update(title.encode())
    for frame in frames:
        try:
            h.update(frame.to_csv(index=False).encode())
        except Exception:  # pragma: no cover - exotic cell types; the id only needs to differ
            h.update(repr(frame.shape).encode())
    return f"eqi-{kind}-{h.hexdigest()}"


def svg_root(cid: str, width: float, height: float, title: str, desc: str, body: str) -> str:
    w, h = f1(width), f1(height)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="eqi-chart" id="{cid}" role="img" '
        f'aria-labelledby="{cid}-title {cid}-desc" viewBox="0 0 {w} {h}" width="{w}" '
        f'height="{h}" font-family="{esc(FONT_STACK)}" '
        f'style="display:block;max-width:100%;height:auto;background:#fff">'
        f'<title id="{cid}-title">{esc(title)}</title>'
        f'<desc id="{cid}-desc">{esc(desc)}</desc>{body}</svg>'
    )


def no_data(title: str, reason: str = "there is no data to chart") -> str:
    """The short accessible message returned instead of an empty chart."""
    head = f"<strong>{esc(title)}</strong>: " if title else ""
    return (
        f'<p class="eqi-no-data" role="note" style="margin:0.5em 0;color:{TEXT}">'
        f"{head}{esc(reason)}.</p>"
    )


def finite_values(*arrays: FloatArray | Sequence[float]) -> FloatArray:
    vals = np.concatenate([np.asarray(a, dtype=np.float64).ravel() for a in arrays])
    return vals[np.isfinite(vals)]


def value_range(values: FloatArray) -> tuple[float, float]:
    return float(values.min()), float(values.max())


@dataclass(frozen=True)
class Layout:
    """Where everything goes: the plot box, the scales and the ticks."""

    width: float
    height: float
    left: float
    right: float
    top: float
    bottom: float
    xs: LinearScale
    ys: LinearScale
    yticks: Ticks
    xticks: list[tuple[float, str]]
    header: str
    label_row: float  # baseline of the row above the plot holding the y-axis title
    y_title_end: float


def title_lines(title: str, width: float, size: float) -> list[str]:
    return wrap_text(title, width - 2 * PAD, size, bold=True) if title else []


def make_layout(
    *,
    width: float,
    height: float,
    title: str,
    title_size: float,
    reserve_title_lines: int = 0,
    legend_items: Sequence[LegendItem],
    y_lo: float,
    y_hi: float,
    unit: str,
    y_title: str,
    x_lo: float,
    x_hi: float,
    x_is_time: bool,
    data_x: FloatArray,
    right_pad: float = 0.0,
) -> Layout:
    parts: list[str] = []
    y = PAD
    lines = title_lines(title, width, title_size)
    n_lines = max(len(lines), reserve_title_lines)
    if n_lines:
        line_h = title_size * 1.25
        if lines:
            parts.append(
                multiline_text(
                    PAD,
                    y + title_size * 0.95,
                    lines,
                    size=title_size,
                    line_height=line_h,
                    bold=True,
                    cls="eqi-title",
                )
            )
        y += n_lines * line_h + 4.0
    rows = legend_rows(list(legend_items), width - 2 * PAD, FONT) if legend_items else []
    if rows:
        parts.append(legend(rows, PAD, y, size=FONT, row_h=LEGEND_ROW))
        y += len(rows) * LEGEND_ROW + 4.0
    label_row = y + FONT
    parts.append(text(PAD, label_row, y_title, size=FONT, fill=SECONDARY_TEXT, cls="eqi-y-title"))
    y_title_end = PAD + text_width(y_title, FONT)
    top = label_row + 10.0
    bottom = height - (FONT + 12.0)
    if bottom - top < 40.0:  # too small to be useful: grow downwards rather than squash
        bottom = top + 40.0
    max_ticks = int(max(3, min(8, (bottom - top) // 34 + 1)))
    yticks = nice_ticks(y_lo, y_hi, max_ticks)
    tick_w = max(text_width(format_tick(v, yticks.decimals, unit), FONT) for v in yticks.values)
    left = PAD + tick_w + 8.0
    right = width - max(PAD + 4.0, right_pad)
    xs = LinearScale(x_lo, x_hi, left, right)
    ys = LinearScale(yticks.lo, yticks.hi, bottom, top)
    if x_is_time:
        xt = time_ticks(x_lo, x_hi, xs, size=FONT, data_days=data_x)
    else:
        xt = number_x_ticks(data_x, max(2, int((right - left) // 70)))
    return Layout(
        width=width,
        height=max(height, bottom + FONT + 12.0),
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        xs=xs,
        ys=ys,
        yticks=yticks,
        xticks=xt,
        header="".join(parts),
        label_row=label_row,
        y_title_end=y_title_end,
    )


def number_x_ticks(data_x: FloatArray, max_ticks: int) -> list[tuple[float, str]]:
    """Ticks for a numeric period axis: within the data, whole numbers for whole-number periods."""
    finite = data_x[np.isfinite(data_x)]
    lo, hi = float(finite.min()), float(finite.max())
    ticks = number_ticks(lo, hi, max_ticks)
    if np.all(finite == np.round(finite)):
        ticks = [(v, label) for v, label in ticks if float(v).is_integer()]
    return ticks or [(lo, format_number(lo, 0))]


def draw_axes(lay: Layout, unit: str) -> str:
    """Gridlines, y tick labels, the x axis with its ticks and labels."""
    out = ['<g class="eqi-axes">']
    for v in lay.yticks.values:
        py = lay.ys.one(v)
        out.append(
            f'<line class="eqi-grid" x1="{f1(lay.left)}" y1="{f1(py)}" x2="{f1(lay.right)}" '
            f'y2="{f1(py)}" stroke="{GRID}" stroke-width="1"/>'
        )
        out.append(
            text(
                lay.left - 6.0,
                py,
                format_tick(v, lay.yticks.decimals, unit),
                size=FONT,
                anchor="end",
                fill=SECONDARY_TEXT,
                middle=True,
                cls="eqi-y-tick",
            )
        )
    out.append(
        f'<line x1="{f1(lay.left)}" y1="{f1(lay.bottom)}" x2="{f1(lay.right)}" '
        f'y2="{f1(lay.bottom)}" stroke="{AXIS}" stroke-width="1"/>'
    )
    base = lay.bottom + FONT + 5.0
    for value, label in lay.xticks:
        px = lay.xs.one(value)
        out.append(
            f'<line x1="{f1(px)}" y1="{f1(lay.bottom)}" x2="{f1(px)}" y2="{f1(lay.bottom + 4)}" '
            f'stroke="{AXIS}" stroke-width="1"/>'
        )
        w = text_width(label, FONT)
        anchor, tx = "middle", px
        if px - w / 2 < 2.0:
            anchor, tx = "start", max(2.0, px - 4.0)
        elif px + w / 2 > lay.width - 2.0:
            anchor, tx = "end", min(lay.width - 2.0, px + 4.0)
        out.append(
            text(tx, base, label, size=FONT, anchor=anchor, fill=SECONDARY_TEXT, cls="eqi-x-tick")
        )
    out.append("</g>")
    return "".join(out)


def marker_radius(plot_width: float, n: int) -> float:
    return float(np.clip(plot_width / max(n, 1) * 0.3, 2.2, 4.5))


def vline(lay: Layout, x_days: float, label: str, *, colour: str = REFERENCE_LINE) -> str:
    """A vertical dashed line across the plot with its label in the row above the plot."""
    px = lay.xs.one(x_days)
    w = text_width(label, FONT)
    if px + 4.0 + w <= lay.width - 2.0:
        anchor, tx = "start", px + 4.0
        span = (tx, tx + w)
    else:
        anchor, tx = "end", px - 4.0
        span = (tx - w, tx)
    above = span[0] > lay.y_title_end + 8.0
    y_top = lay.label_row - FONT + 2.0 if above else lay.top
    label_y = lay.label_row if above else lay.top + FONT + 2.0
    return (
        f'<g class="eqi-intervention"><line x1="{f1(px)}" y1="{f1(y_top)}" x2="{f1(px)}" '
        f'y2="{f1(lay.bottom)}" stroke="{colour}" stroke-width="1.5" stroke-dasharray="5 4"/>'
        + text(tx, label_y, label, size=FONT, anchor=anchor, fill=TEXT, halo=not above)
        + "</g>"
    )


def hline(
    lay: Layout, value: float, *, colour: str, dash: str | None, width: float, cls: str
) -> str:
    """A horizontal line across the plot at ``value`` (target, reference)."""
    py = lay.ys.one(value)
    d = f' stroke-dasharray="{dash}"' if dash else ""
    cap = ' stroke-linecap="round"' if dash and dash.startswith("0") else ""
    return (
        f'<line class="{cls}" x1="{f1(lay.left)}" y1="{f1(py)}" x2="{f1(lay.right)}" '
        f'y2="{f1(py)}" stroke="{colour}" stroke-width="{f1(width)}"{d}{cap}/>'
    )
