"""Plain-language formatting for chart text: numbers in the measure's unit, periods, escaping.

Numbers are shown as a clinician would write them: thousands separated by commas, a fixed
number of decimals (one by default, as PHE Fingertips and the NHS "Making Data Count" guidance
do), the unit attached the way it is read aloud ("12.3%", "4.5 per 1,000", "£1,200"). Periods
are "Jan 2023" for monthly or coarser data and "6 Mar 2023" for weekly or daily data, never a
numeric date that reads differently in the UK and the US.

Text widths are estimated from per-character advance widths (see ``_EM``), calibrated against
Chromium's own measurement of the rendered text, which is enough to lay labels out without
overlaps; the estimate errs on the wide side.
"""

from __future__ import annotations

import html
import math

import numpy as np
import pandas as pd

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
EPOCH = pd.Timestamp("1970-01-01")
FONT_STACK = (
    "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, "
    "'Liberation Sans', sans-serif"
)
NO_VALUE = "no value"

# Advance widths in em of DejaVu Sans, the widest sans-serif a Linux reader's system-ui is
# likely to fall back to; Arial, Segoe UI, Roboto and San Francisco are narrower, so a layout
# that fits these widths fits them too. Characters not listed count as 0.62 em.
_EM: dict[str, float] = {
    **dict.fromkeys("abdghnopqu", 0.634),
    **dict.fromkeys("ce", 0.58),
    **dict.fromkeys("kvxy", 0.592),
    **dict.fromkeys("sz", 0.523),
    **dict.fromkeys("ijl", 0.278),
    **dict.fromkeys("ft", 0.37),
    "r": 0.411,
    "m": 0.974,
    "w": 0.818,
    **dict.fromkeys("0123456789£$€#", 0.636),
    **dict.fromkeys("ABCDEFGHKLNOPQRSTUVXYZ", 0.68),
    **dict.fromkeys("IJ", 0.295),
    "M": 0.863,
    "W": 0.989,
    **dict.fromkeys(".,:;'|! ", 0.318),
    **dict.fromkeys("()[]{}", 0.39),
    **dict.fromkeys("-/\\", 0.361),
    "%": 0.95,
    "&": 0.778,
    "…": 1.0,
    "–": 0.5,
}
_BOLD = 1.13


def esc(text: object) -> str:
    """Escape text for SVG/HTML content and attribute values (``& < > " '``)."""
    return html.escape(str(text), quote=True)


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """Estimated rendered width in px of ``text`` at font ``size`` px."""
    em = sum(_EM.get(ch, 0.62) for ch in text)
    return em * size * (_BOLD if bold else 1.0)


def wrap_text(text: str, max_width: float, size: float, *, bold: bool = False) -> list[str]:
    """Greedy word wrap to lines no wider than ``max_width`` (long words are broken)."""
    words = text.split()
    if not words:
        return [""]
    lines: list[str] = []
    line = ""
    for word in words:
        candidate = f"{line} {word}" if line else word
        if text_width(candidate, size, bold=bold) <= max_width:
            line = candidate
            continue
        if line:
            lines.append(line)
        # a single word wider than the line is broken into pieces
        while text_width(word, size, bold=bold) > max_width and len(word) > 1:
            cut = len(word) - 1
            while cut > 1 and text_width(word[:cut] + "-", size, bold=bold) > max_width:
                cut -= 1
            lines.append(word[:cut] + "-")
            word = word[cut:]
        line = word
    lines.append(line)
    return lines


def truncate(text: str, max_width: float, size: float, *, bold: bool = False) -> str:
    """``text`` cut with an ellipsis so it fits in ``max_width`` px."""
    if text_width(text, size, bold=bold) <= max_width:
        return text
    cut = len(text)
    while cut > 1 and text_width(text[:cut] + "…", size, bold=bold) > max_width:
        cut -= 1
    return text[:cut].rstrip() + "…"


def resolve_unit(unit: str, multiplier: float) -> str:
    """The display unit: ``unit`` if given, else one implied by the multiplier.

    The SPC engine multiplies proportions by 100 for percentages and rates by 1,000 (or 10,000,
    100,000) per population; a caller who passes only ``multiplier`` still gets labelled numbers.
    """
    if unit:
        return unit
    if multiplier == 100:
        return "%"
    if multiplier > 100 and float(multiplier).is_integer():
        return f"per {int(multiplier):,}"
    return ""


def unit_kind(unit: str) -> str:
    """How a unit attaches to a number: percent, pp, prefix (currency), suffix or none."""
    u = unit.strip()
    if not u:
        return "none"
    if u in {"%", "percent", "per cent"}:
        return "percent"
    if u in {"pp", "percentage points"}:
        return "pp"
    if u in {"£", "$", "€"}:
        return "prefix"
    return "suffix"


def axis_title(unit: str, *, prefix: str = "") -> str:
    """A y-axis title for the unit: "Percentage", "Rate per 1,000", "Days", …"""
    kind = unit_kind(unit)
    u = unit.strip()
    if kind == "percent":
        text = "Percentage (%)"
    elif kind == "pp":
        text = "Percentage points"
    elif kind == "prefix":
        text = f"Amount ({u})"
    elif kind == "none":
        text = "Value"
    elif u.lower().startswith("per "):
        text = f"Rate {u}"
    else:
        text = u[:1].upper() + u[1:]
    if prefix:
        return f"{prefix} ({text[0].lower() + text[1:]})" if kind != "none" else prefix
    return text


def format_number(value: float, decimals: int) -> str:
    """``1234.56 -> "1,234.6"``; no "-0.0"; non-finite values read "no value"."""
    if value is None or not math.isfinite(value):
        return NO_VALUE
    text = f"{value:,.{max(decimals, 0)}f}"
    if text.startswith("-") and float(text.replace(",", "")) == 0.0:
        text = text[1:]
    return text


def format_value(value: float, unit: str, decimals: int = 1) -> str:
    """A number in its unit as read in a sentence: "12.3%", "4.5 per 1,000", "£1,200.0"."""
    number = format_number(value, decimals)
    if number == NO_VALUE:
        return NO_VALUE
    kind = unit_kind(unit)
    u = unit.strip()
    if kind == "percent":
        return f"{number}%"
    if kind == "pp":
        return f"{number} percentage points"
    if kind == "prefix":
        return f"-{u}{number[1:]}" if number.startswith("-") else f"{u}{number}"
    if kind == "suffix":
        return f"{number} {u}"
    return number


def format_tick(value: float, decimals: int, unit: str) -> str:
    """An axis tick label: the number with "%" or a currency symbol (other units: axis title)."""
    number = format_number(value, decimals)
    kind = unit_kind(unit)
    if kind == "percent":
        return f"{number}%"
    if kind == "prefix":
        u = unit.strip()
        return f"-{u}{number[1:]}" if number.startswith("-") else f"{u}{number}"
    return number


def days_to_timestamp(days: float) -> pd.Timestamp:
    """Days since 1970-01-01 (float) back to a timestamp."""
    return EPOCH + pd.Timedelta(days=float(days))


def format_month(ts: pd.Timestamp) -> str:
    """``Timestamp("2023-01-01") -> "Jan 2023"``."""
    return f"{MONTHS[ts.month - 1]} {ts.year}"


def format_day(ts: pd.Timestamp) -> str:
    """``Timestamp("2023-03-06") -> "6 Mar 2023"``."""
    return f"{ts.day} {MONTHS[ts.month - 1]} {ts.year}"


def period_style(days: np.ndarray) -> str:
    """``"month"`` when periods are a month or more apart (or one on the 1st), else ``"day"``."""
    finite = np.sort(days[np.isfinite(days)])
    if finite.size == 0:
        return "month"
    gaps = np.diff(np.unique(finite))
    if gaps.size and float(np.median(gaps)) >= 27.5:
        return "month"
    stamps = pd.to_datetime(EPOCH + pd.to_timedelta(finite, unit="D"))
    if gaps.size == 0 and bool((stamps.day == 1).all()):
        return "month"
    return "day"


def format_period(days: float, style: str) -> str:
    """A period start (days since epoch) as "Jan 2023" or "6 Mar 2023"."""
    if not math.isfinite(days):
        return "unknown period"
    ts = days_to_timestamp(days)
    return format_month(ts) if style == "month" else format_day(ts)


def plural(n: int, one: str, many: str | None = None) -> str:
    """``plural(1, "point") -> "1 point"``, ``plural(3, "point") -> "3 points"``."""
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def join_words(items: list[str]) -> str:
    """``["a", "b", "c"] -> "a, b and c"``."""
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]
