"""Colours for the report's SVG charts, and the WCAG contrast arithmetic that checks them.

Statistical process control (SPC) charts use the NHS "Making Data Count" (MDC) palette exactly
as NHSRplotthedots defines it, so a chart in an equalqi report reads the same as one drawn by
the NHS-R package a team already knows. Source: ``ptd_spc_colours()`` in
``R/ptd_spc_colours.R`` of github.com/nhs-r-community/NHSRplotthedots (commit 050b07d,
September 2025)::

    common_cause = "#a6a6a6", special_cause_improvement = "#00b0f0",
    special_cause_neutral = "#490092", special_cause_concern = "#e46c0a",
    value_line = "#a6a6a6", mean_line = "#000000", lpl = upl = "#a6a6a6",
    target = "#de1b1b", trajectory = "#490092"

Two of those fills (grey and blue) have less than the 3:1 contrast against white that WCAG 2.2
success criterion 1.4.11 (non-text contrast) asks of graphics needed to read a chart. We keep
the fills exact and give every marker an outline in a darker shade of its own colour
(:func:`outline_colour`), which reaches 3:1 on its own. The MDC grey of the value line and the
process limits (2.4:1) is kept by default for fidelity with Making Data Count — the limit values
are also given as text (labels beside the lines and the chart description) — and
:data:`MDC_COLOURS_HIGH_CONTRAST` swaps those lines to a 3.45:1 grey for anyone who needs it.

Text colours are the NHS.UK frontend's (``$color_nhsuk-text`` #212b32 and
``$color_nhsuk-secondary-text`` #4c6272), both above the 4.5:1 AA text threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

TEXT = "#212b32"
SECONDARY_TEXT = "#4c6272"
GRID = "#d8dde0"
AXIS = "#768692"
WHITE = "#ffffff"
NHS_BLUE = "#005eb8"
BAND = "#005eb8"  # drawn at low opacity for interval bands
TRACK = "#e8edee"  # background of completeness bars
REFERENCE_LINE = "#4c6272"  # zero / "no gap" line and intervention line


@dataclass(frozen=True)
class SpcColours:
    """The colours of an SPC chart; defaults are NHSRplotthedots' ``ptd_spc_colours()``."""

    common_cause: str = "#a6a6a6"
    special_cause_improvement: str = "#00b0f0"
    special_cause_neutral: str = "#490092"
    special_cause_concern: str = "#e46c0a"
    value_line: str = "#a6a6a6"
    mean_line: str = "#000000"
    lpl: str = "#a6a6a6"
    upl: str = "#a6a6a6"
    target: str = "#de1b1b"
    trajectory: str = "#490092"

    def for_classification(self, classification: str) -> str:
        """Fill colour of a point with this classification (common|improvement|concern|neutral)."""
        return {
            "common": self.common_cause,
            "improvement": self.special_cause_improvement,
            "concern": self.special_cause_concern,
            "neutral": self.special_cause_neutral,
        }[classification]


MDC_COLOURS = SpcColours()
MDC_COLOURS_HIGH_CONTRAST = SpcColours(value_line="#8a8a8a", lpl="#8a8a8a", upl="#8a8a8a")

# Several series on one chart. Each has at least 3:1 contrast with white (WCAG 1.4.11) and they
# are told apart by marker shape and dash pattern as well as hue (WCAG 1.4.1, use of colour).
# Hues follow Okabe & Ito's colour-blind-safe set, darkened where the original is too light.
SERIES_COLOURS: tuple[str, ...] = (
    "#005eb8",  # NHS blue
    "#c04f00",  # vermilion (Okabe-Ito #d55e00, darkened)
    "#00785a",  # bluish green (Okabe-Ito #009e73, darkened)
    "#8e3b73",  # reddish purple (Okabe-Ito #cc79a7, darkened)
    "#212b32",  # near black
    "#8a6000",  # ochre (Okabe-Ito #e69f00, darkened)
    "#3b6fa0",  # steel blue (Okabe-Ito #56b4e9, darkened)
)
SERIES_MARKERS: tuple[str, ...] = ("circle", "square", "triangle", "diamond", "triangle-down")
SERIES_DASHES: tuple[str | None, ...] = (None, "7 4", "2 3", "9 3 2 3", "4 2")


def _channel(value: int) -> float:
    c = value / 255.0
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def parse_hex(colour: str) -> tuple[int, int, int]:
    """``"#rrggbb"`` (or ``"#rgb"``) to an (r, g, b) triple of 0-255 integers."""
    h = colour.lstrip("#")
    if len(h) == 3:
        h = "".join(ch * 2 for ch in h)
    if len(h) != 6:
        raise ValueError(f"not a hex colour: {colour!r}")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def relative_luminance(colour: str) -> float:
    """WCAG 2.2 relative luminance: 0.2126 R + 0.7152 G + 0.0722 B of the linearised sRGB."""
    r, g, b = (_channel(v) for v in parse_hex(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2.2 contrast ratio (L1 + 0.05) / (L2 + 0.05), between 1 and 21."""
    la, lb = relative_luminance(a), relative_luminance(b)
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)


def mix(colour: str, other: str, weight: float) -> str:
    """Blend ``weight`` of ``other`` into ``colour`` (sRGB, rounded)."""
    a, b = parse_hex(colour), parse_hex(other)
    out = (round(x * (1.0 - weight) + y * weight) for x, y in zip(a, b, strict=True))
    return "#" + "".join(f"{v:02x}" for v in out)


def outline_colour(fill: str) -> str:
    """Outline for a marker: its own hue with 45% black mixed in, so the edge reaches 3:1."""
    return mix(fill, "#000000", 0.45)
