"""Completeness of the equity fields as horizontal bars, each share shown as a percentage."""

from __future__ import annotations

import numpy as np
import pandas as pd

from equalqi.errors import Problem, ProblemCollector
from equalqi.services.report.svg_axes import LinearScale, nice_ticks
from equalqi.services.report.svg_colours import GRID, NHS_BLUE, SECONDARY_TEXT, TEXT, TRACK
from equalqi.services.report.svg_format import (
    esc,
    format_value,
    join_words,
    plural,
    text_width,
    truncate,
)
from equalqi.services.report.svg_layout import (
    FONT,
    PAD,
    chart_id_for,
    no_data,
    svg_root,
    title_lines,
)
from equalqi.services.report.svg_marks import f1, multiline_text, text
from equalqi.services.report.svg_validate import numeric, require_columns


def completeness_bars_svg(
    frame: pd.DataFrame,
    *,
    label: str,
    value: str,
    title: str,
    width: int = 640,
    threshold: float | None = None,
    chart_id: str | None = None,
) -> str:
    """Horizontal bars of data completeness: ``value`` is a share from 0 to 1, shown as a %.

    One row per ``label`` in the frame's order; a missing share reads "no data". ``threshold``
    (a share, e.g. 0.95) draws the expected level as a dashed line.
    """
    problems = ProblemCollector()
    if not require_columns(frame, [label, value], chart=title, problems=problems):
        problems.raise_if_any()
    shares = numeric(frame, value, chart=title, problems=problems)
    out_of_range = np.isfinite(shares) & ((shares < 0) | (shares > 1))
    for i in np.flatnonzero(out_of_range)[:5]:
        problems.add(
            Problem(
                what=f"The chart '{title}' needs completeness as a share between 0 and 1",
                fix="Give a share such as 0.95 for 95% (divide percentages by 100).",
                row=int(i) + 2,
                column=value,
                value=str(frame[value].iloc[int(i)]),
            )
        )
    if threshold is not None and not 0 <= threshold <= 1:
        problems.add(
            Problem(
                what="The completeness threshold must be a share between 0 and 1",
                fix="Give a share such as 0.95 for 95%.",
                value=str(threshold),
            )
        )
    problems.raise_if_any()
    names = [str(v) for v in frame[label].tolist()]
    if not names:
        return no_data(title)
    row_h, bar_h = 28.0, 16.0
    lines = title_lines(title, width, 15.0)
    top = PAD + len(lines) * 15.0 * 1.25 + 8.0
    if threshold is not None:
        top += FONT + 6.0
    label_w = min(max(text_width(n, FONT) for n in names), width * 0.4)
    left = PAD + label_w + 10.0
    right = width - PAD - text_width("100.0%", FONT) - 8.0
    bottom = top + len(names) * row_h
    height = bottom + FONT + 14.0
    xs = LinearScale(0.0, 1.0, left, right)
    parts = [multiline_text(PAD, PAD + 15.0 * 0.95, lines, size=15.0, line_height=18.75, bold=True)]
    # as many 1-2-5 percentage ticks as fit: "100%" plus a gap between neighbours
    fit = int((right - left) // (text_width("100%", FONT) + 12.0)) + 1
    for pct in nice_ticks(0.0, 100.0, max(3, min(6, fit))).values:
        v = pct / 100.0
        px = xs.one(v)
        parts.append(
            f'<line x1="{f1(px)}" y1="{f1(top)}" x2="{f1(px)}" y2="{f1(bottom)}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        parts.append(
            text(
                px,
                bottom + FONT + 5.0,
                f"{round(pct)}%",
                size=FONT,
                anchor="middle",
                fill=SECONDARY_TEXT,
                cls="eqi-x-tick",
            )
        )
    for i, (name, share) in enumerate(zip(names, shares, strict=True)):
        cy = top + i * row_h + row_h / 2.0
        shown = truncate(name, label_w, FONT)
        row = [f'<g class="eqi-bar-row"><title>{esc(name)}: {esc(_pct(share))}</title>']
        row.append(text(left - 8.0, cy, shown, size=FONT, anchor="end", fill=TEXT, middle=True))
        row.append(
            f'<rect x="{f1(left)}" y="{f1(cy - bar_h / 2)}" width="{f1(right - left)}" '
            f'height="{f1(bar_h)}" fill="{TRACK}"/>'
        )
        if np.isfinite(share):
            w = xs.one(float(share)) - left
            row.append(
                f'<rect class="eqi-bar" x="{f1(left)}" y="{f1(cy - bar_h / 2)}" '
                f'width="{f1(w)}" height="{f1(bar_h)}" fill="{NHS_BLUE}"/>'
            )
        row.append(
            text(
                right + 6.0,
                cy,
                _pct(share) if np.isfinite(share) else "No data",
                size=FONT,
                fill=TEXT if np.isfinite(share) else SECONDARY_TEXT,
                middle=True,
                bold=bool(np.isfinite(share)),
            )
        )
        row.append("</g>")
        parts.append("".join(row))
    if threshold is not None:
        px = xs.one(threshold)
        lab = f"Expected {_pct(threshold)}"
        w = text_width(lab, FONT)
        anchor = "middle" if px + w / 2 <= width - 2 else "end"
        parts.append(
            f'<g class="eqi-threshold"><line x1="{f1(px)}" y1="{f1(top - 4)}" x2="{f1(px)}" '
            f'y2="{f1(bottom)}" stroke="{TEXT}" stroke-width="1.5" stroke-dasharray="5 3"/>'
            + text(px, top - 8.0, lab, size=FONT, anchor=anchor, fill=TEXT)
            + "</g>"
        )
    finite = np.isfinite(shares)
    desc = [title.rstrip(".") + "." if title else ""]
    listed = [
        f"{n} {_pct(s) if np.isfinite(s) else 'no data'}"
        for n, s in zip(names, shares, strict=True)
    ]
    if len(listed) <= 12:
        desc.append("Completeness: " + "; ".join(listed) + ".")
    if finite.any():
        k = int(np.nanargmin(np.where(finite, shares, np.nan)))
        desc.append(f"Lowest: {names[k]} ({_pct(shares[k])}).")
    if threshold is not None:
        below = [n for n, s in zip(names, shares, strict=True) if np.isfinite(s) and s < threshold]
        desc.append(
            f"{plural(len(below), 'item')} below the expected {_pct(threshold)}"
            + (f": {join_words(below)}." if below else ".")
        )
    cid = chart_id or chart_id_for("completeness", title, [frame], (width, 0))
    return svg_root(cid, width, height, title, " ".join(s for s in desc if s), "".join(parts))


def _pct(share: float) -> str:
    return format_value(float(share) * 100.0, "%", 1)
