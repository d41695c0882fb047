"""Variation and assurance icons in the *Making Data Count* style, as self-contained SVG.

The icons follow the MDC conventions (NHS England, *Making Data Count: Strengthening your
decisions*, 2019; the icon sets shipped with *NHSRplotthedots*): a ring in the colour of the
message, a small run of dots, and a letter —

* variation: grey ring and level dots for common cause; blue for special cause improvement,
  orange for concern, purple for neutral; **H** when the signal is high (above the mean or
  rising), **L** when low;
* assurance: **P** (blue) the process will consistently pass the target, **F** (orange) it
  will consistently fail, **?** (grey) it will hit and miss by chance; an empty grey ring
  when there is no target.

The drawings are our own. Every SVG carries ``role="img"``, a ``<title>`` and an
``aria-label`` so that it can stand alone in an accessible page; no external resources.
"""

from __future__ import annotations

from equalqi.spc.colours import COMMON_CAUSE, CONCERN, IMPROVEMENT, NEUTRAL, TARGET

VARIATION_ICONS: tuple[str, ...] = (
    "common_cause",
    "improvement_high",
    "improvement_low",
    "concern_high",
    "concern_low",
    "neutral_high",
    "neutral_low",
)
ASSURANCE_ICONS: tuple[str, ...] = ("pass", "fail", "hit_and_miss", "none")

_VARIATION_TEXT = {
    "common_cause": "Common cause variation",
    "improvement_high": "Special cause variation: improvement (higher values)",
    "improvement_low": "Special cause variation: improvement (lower values)",
    "concern_high": "Special cause variation: concern (higher values)",
    "concern_low": "Special cause variation: concern (lower values)",
    "neutral_high": "Special cause variation: neither improvement nor concern (higher values)",
    "neutral_low": "Special cause variation: neither improvement nor concern (lower values)",
}
_ASSURANCE_TEXT = {
    "pass": "Assurance: the process will consistently meet the target",
    "fail": "Assurance: the process will consistently fail the target",
    "hit_and_miss": "Assurance: the process will sometimes meet and sometimes miss the target",
    "none": "Assurance: no target to assess",
}
_COLOUR = {
    "common": COMMON_CAUSE,
    "improvement": IMPROVEMENT,
    "concern": CONCERN,
    "neutral": NEUTRAL,
}
# y positions (0 = top of the dot area) of the seven dots
_DOTS = {
    "flat": (58, 66, 56, 64, 60, 57, 63),
    "high": (70, 72, 68, 71, 58, 50, 44),
    "low": (46, 44, 48, 45, 58, 66, 72),
}


def variation_icon_name(variation: str, improvement: str = "neutral", side: str = "") -> str:
    """Icon key for a variation type.

    ``variation`` is one of ``common_cause``, ``special_cause_improvement``,
    ``special_cause_concern``, ``special_cause_neutral``. Improvement is *high* when higher
    is better and concern is then *low* (and the reverse when lower is better), as in
    *NHSRplotthedots*; a neutral signal needs ``side`` (``"high"`` or ``"low"``).
    """
    if variation == "special_cause_improvement":
        return "improvement_low" if improvement == "decrease" else "improvement_high"
    if variation == "special_cause_concern":
        return "concern_high" if improvement == "decrease" else "concern_low"
    if variation == "special_cause_neutral":
        return "neutral_low" if side == "low" else "neutral_high"
    if variation == "common_cause":
        return "common_cause"
    raise ValueError(f"unknown variation type {variation!r}")


def _svg(body: str, label: str, size: int) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
        f'viewBox="0 0 100 100" role="img" aria-label="{label}"><title>{label}</title>'
        f"{body}</svg>"
    )


def _ring(colour: str, dashed: bool = False) -> str:
    dash = ' stroke-dasharray="6 5"' if dashed else ""
    return (
        f'<circle cx="50" cy="50" r="44" fill="#ffffff" stroke="{colour}" stroke-width="6"{dash}/>'
    )


def _letter(text: str, colour: str, y: int = 40, size: int = 30) -> str:
    return (
        f'<text x="50" y="{y}" text-anchor="middle" font-family="Arial, Helvetica, sans-serif" '
        f'font-weight="700" font-size="{size}" fill="{colour}">{text}</text>'
    )


def variation_icon_svg(name: str, size: int = 64) -> str:
    """SVG for an icon key from :data:`VARIATION_ICONS`."""
    if name not in VARIATION_ICONS:
        raise ValueError(f"unknown variation icon {name!r}; use one of {VARIATION_ICONS}")
    kind, _, side = name.partition("_")
    if name == "common_cause":
        kind, side = "common", "flat"
    colour = _COLOUR[kind]
    ys = _DOTS[side]
    xs = (24, 32, 40, 48, 56, 64, 72)
    points = " ".join(f"{x},{y}" for x, y in zip(xs, ys, strict=True))
    fills = [colour if kind != "common" and i >= 4 else COMMON_CAUSE for i in range(len(xs))]
    dots = "".join(
        f'<circle cx="{x}" cy="{y}" r="4" fill="{fill}"/>'
        for x, y, fill in zip(xs, ys, fills, strict=True)
    )
    body = (
        _ring(colour)
        + f'<polyline points="{points}" fill="none" stroke="{COMMON_CAUSE}" stroke-width="2"/>'
        + dots
    )
    if kind != "common":
        body += _letter("H" if side == "high" else "L", colour, y=38, size=26)
    return _svg(body, _VARIATION_TEXT[name], size)


def variation_icon(
    variation: str, improvement: str = "neutral", side: str = "", size: int = 64
) -> str:
    """MDC-style SVG for a variation type (see :func:`variation_icon_name`)."""
    return variation_icon_svg(variation_icon_name(variation, improvement, side), size)


def assurance_icon(assurance: str, size: int = 64) -> str:
    """MDC-style SVG for an assurance type: ``pass``, ``fail``, ``hit_and_miss``, ``none``."""
    if assurance not in ASSURANCE_ICONS:
        raise ValueError(f"unknown assurance type {assurance!r}; use one of {ASSURANCE_ICONS}")
    if assurance == "none":
        body = _ring(COMMON_CAUSE, dashed=True)
    else:
        colour, letter = {
            "pass": (IMPROVEMENT, "P"),
            "fail": (CONCERN, "F"),
            "hit_and_miss": (COMMON_CAUSE, "?"),
        }[assurance]
        body = (
            _ring(colour)
            + _letter(letter, colour, y=62, size=40)
            + f'<line x1="22" y1="74" x2="78" y2="74" stroke="{TARGET}" '
            'stroke-width="3" stroke-dasharray="5 4"/>'
        )
    return _svg(body, _ASSURANCE_TEXT[assurance], size)
