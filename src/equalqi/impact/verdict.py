"""The verdict: did the project improve the measure, and what happened to the gap?

Equity-focused QI has three possible good-or-bad outcomes for a gap between a disadvantaged
and an advantaged group (Lion KC, Raphael JL. Partnering health disparities research with
quality improvement science in pediatrics. Pediatrics 2015;135:354-361; Lorenc T et al.
What types of interventions generate inequalities? J Epidemiol Community Health
2013;67:190-193; Johnson et al. BMJ Qual Saf 2025;34:537-546):

1. **everyone improves and the gap holds** (``"all improved, gap held"``);
2. **the gap narrows** (``"gap narrowed"``);
3. **the gap widens** (``"gap widened"``): an intervention-generated inequality.

Rules, with CI the confidence interval of the change (before/after difference in
differences for the gap; "project minus control" when there is a control):

* overall: ``improved`` if the CI lies wholly on the better side of no change (below 0 for
  ``improvement="decrease"``, above 0 for ``"increase"``; 1 on the relative scale),
  ``worsened`` if wholly on the worse side, else ``no evidence``;
* gap (gap = disadvantaged minus advantaged): ``widened`` if the CI lies wholly in the
  direction that is worse for the disadvantaged group (the gap moves away from zero when that
  group starts behind; for ``"decrease"`` a rise in the gap, for ``"increase"`` a fall),
  ``narrowed`` if wholly in the better direction; ``held`` if the CI includes no change **and**
  both groups improved (each group's own CI on the better side) - the first outcome, where the
  claim "held" is backed by evidence that both groups moved; otherwise ``no evidence``.

The **inverse equity** pattern (Victora CG et al. Explaining trends in inequities: evidence
from Brazilian child health studies. Lancet 2000;356:1093-1098): the advantaged group
improves first and the others catch up late or not at all. It is flagged when, in the first
half of the last phase, the advantaged group improved and the gap widened (whether or not
it narrowed again in the second half), or when over the whole last phase the advantaged
group improved, the disadvantaged group did not, and the gap widened.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

import numpy as np

#: The verdict when the measure has no better direction (``improvement="neutral"`` or not
#: set): the changes are reported with their intervals and never called improved or worse.
NO_DIRECTION: Final = "no better direction set"
OverallEffect = Literal["improved", "worsened", "no evidence", "no better direction set"]
GapEffect = Literal["narrowed", "held", "widened", "no evidence", "no better direction set"]
Outcome = Literal[
    "all improved, gap held",
    "gap narrowed",
    "gap widened",
    "no evidence",
    "no better direction set",
]
OUTCOMES: tuple[str, ...] = (
    "all improved, gap held",
    "gap narrowed",
    "gap widened",
    "no evidence",
    NO_DIRECTION,
)
MINUS = "\u2212"


@dataclass(frozen=True)
class InverseEquity:
    """Whether the advantaged group improved first (and why we say so)."""

    flag: bool
    reason: str

    def __bool__(self) -> bool:
        return self.flag

    def to_dict(self) -> dict[str, Any]:
        return {"flag": self.flag, "reason": self.reason}


def _finite(*values: object) -> bool:
    return all(isinstance(v, float | int) and np.isfinite(float(v)) for v in values)


def judge_change(lower: float, upper: float, improvement: str, null: float) -> OverallEffect:
    """Improved / worsened / no evidence from the interval of a change."""
    if not _finite(lower, upper):
        return "no evidence"
    if improvement == "decrease":
        better, worse = upper < null, lower > null
    else:
        better, worse = lower > null, upper < null
    return "improved" if better else "worsened" if worse else "no evidence"


def judge_gap(
    lower: float, upper: float, improvement: str, null: float, *, both_improved: bool
) -> GapEffect:
    """Narrowed / held / widened / no evidence from the interval of the gap's change."""
    moved = judge_change(lower, upper, improvement, null)
    if moved == "improved":
        return "narrowed"
    if moved == "worsened":
        return "widened"
    if _finite(lower, upper) and both_improved:
        return "held"
    return "no evidence"


def outcome_of(gap: GapEffect) -> Outcome:
    return {
        "held": "all improved, gap held",
        "narrowed": "gap narrowed",
        "widened": "gap widened",
        "no evidence": "no evidence",
        NO_DIRECTION: NO_DIRECTION,
    }[gap]  # type: ignore[return-value]


def inverse_equity(
    *,
    improvement: str,
    null: float,
    advantaged_early: Mapping[str, Any] | None,
    gap_early: Mapping[str, Any] | None,
    gap_late: Mapping[str, Any] | None,
    advantaged: Mapping[str, Any] | None,
    disadvantaged: Mapping[str, Any] | None,
    gap: GapEffect,
    labels: tuple[str, str],
) -> InverseEquity:
    """Apply the rule in the module docstring to the before/after frames' rows."""
    d_label, a_label = labels

    def judge(row: Mapping[str, Any] | None) -> OverallEffect:
        if row is None:
            return "no evidence"
        return judge_change(row["lower"], row["upper"], improvement, null)

    if advantaged_early is not None and gap_early is not None:
        a_first = judge(advantaged_early) == "improved"
        widened_early = judge(gap_early) == "worsened"
        if a_first and widened_early:
            late = judge(gap_late)
            if late == "worsened":
                tail = (
                    f"by the second half {d_label} had still not caught up (the gap was "
                    "still wider than before)"
                )
            else:
                tail = (
                    f"in the second half the gap was no longer clearly wider than before: "
                    f"{d_label} caught up late"
                )
            return InverseEquity(
                True,
                f"{a_label} improved first: in the first half of the "
                f"period after the intervention the gap widened; {tail}.",
            )
    if judge(advantaged) == "improved" and judge(disadvantaged) != "improved" and gap == "widened":
        return InverseEquity(
            True,
            f"{a_label} improved but {d_label} did not, and the gap "
            "widened: the benefit has not reached the disadvantaged "
            "group.",
        )
    return InverseEquity(
        False, f"No sign that {a_label} improved first while {d_label} was left behind."
    )


# --------------------------------------------------------------------------- wording


def _decimals(width: float) -> int:
    if not np.isfinite(width) or width <= 0:
        return 1
    return int(np.clip(-np.floor(np.log10(width)), 1, 4))


def fmt(x: float, decimals: int, *, sign: bool = False) -> str:
    """Number with a real minus sign (and a plus sign if asked)."""
    if not np.isfinite(x):
        return "not known"
    text = f"{abs(x):,.{decimals}f}"
    if round(x, decimals) < 0:
        return MINUS + text
    return ("+" + text) if sign and round(x, decimals) > 0 else text


@dataclass(frozen=True)
class Units:
    """How values and changes are written (e.g. '12.1%' and '3.1 points')."""

    level_suffix: str  # "%", " per 1,000", " days", ""
    change_suffix: str  # " points", " per 1,000", " days", ""

    @classmethod
    def for_measure(cls, kind: str, multiplier: float, unit: str | None) -> Units:
        if unit is not None:
            if unit.strip() == "%":
                return cls("%", " points")
            return cls(f" {unit.strip()}", f" {unit.strip()}") if unit.strip() else cls("", "")
        if kind == "proportion" and multiplier == 100:
            return cls("%", " points")
        if kind in ("proportion", "rate") and multiplier != 1:
            text = f" per {multiplier:,.0f}"
            return cls(text, text)
        return cls("", "")


def _in_sentence(name: str) -> str:
    """'Screening uptake' -> 'screening uptake' mid-sentence; 'DNA rate' stays as it is."""
    first = name.split(" ", 1)[0]
    if len(first) > 1 and first.isalpha() and first[0].isupper() and first[1:].islower():
        return name[0].lower() + name[1:]
    return name


def sentence(
    *,
    name: str,
    scale: str,
    ratio_name: str,
    units: Units,
    confidence: float,
    overall_row: Mapping[str, Any] | None,
    gap_row: Mapping[str, Any] | None,
    overall: OverallEffect,
    gap: GapEffect,
    labels: tuple[str, str],
    controlled: bool,
) -> str:
    """The one-sentence verdict with numbers and intervals."""
    ci = f"{confidence * 100:g}% CI"
    ctrl = " relative to the control" if controlled else ""
    name = _in_sentence(name)
    d_label, a_label = labels
    relative = scale == "relative"

    if overall_row is None or not _finite(
        overall_row.get("change"), overall_row.get("lower"), overall_row.get("upper")
    ):
        first = f"The overall {name} could not be compared before and after the intervention"
    else:
        b, a = float(overall_row["before"]), float(overall_row["after"])
        c, lo, hi = (float(overall_row[k]) for k in ("change", "lower", "upper"))
        dl = _decimals(max(abs(b), abs(a)) / 10) if relative else _decimals(hi - lo)
        sb, sa = f"{fmt(b, dl)}{units.level_suffix}", f"{fmt(a, dl)}{units.level_suffix}"
        if sb == sa:
            level = f"stayed at {sb}"
        else:
            level = f"{'fell' if a < b else 'rose'} from {sb} to {sa}"
        if relative:
            dc = max(2, _decimals(hi - lo))
            change = f"{ratio_name} {fmt(c, dc)}{ctrl}, {ci} {fmt(lo, dc)} to {fmt(hi, dc)}"
        else:
            dc = _decimals(hi - lo)
            change = (
                f"change {fmt(c, dc, sign=True)}{units.change_suffix}{ctrl}, "
                f"{ci} {fmt(lo, dc)} to {fmt(hi, dc)}"
            )
        qual = "; no clear evidence of a change" if overall == "no evidence" else ""
        first = f"The overall {name} {level} ({change}{qual})"

    between = f"the gap between {d_label} and {a_label}"
    if gap_row is None or not _finite(
        gap_row.get("change"), gap_row.get("lower"), gap_row.get("upper")
    ):
        return f"{first}; {between} could not be estimated."
    gb, ga = float(gap_row["before"]), float(gap_row["after"])
    c, lo, hi = (float(gap_row[k]) for k in ("change", "lower", "upper"))
    if relative:
        d = max(2, _decimals(hi - lo))
        values = f"{ratio_name} {fmt(gb, d)} to {fmt(ga, d)}"
        change = f"ratio {fmt(c, d)}{ctrl}, {ci} {fmt(lo, d)} to {fmt(hi, d)}"
    else:
        d = _decimals(hi - lo)
        values = f"{fmt(gb, d)} to {fmt(ga, d)}{units.change_suffix}"
        change = f"{fmt(c, d, sign=True)}{ctrl}, {ci} {fmt(lo, d)} to {fmt(hi, d)}"
    contrast = (
        (overall == "improved" and gap == "widened")
        or (overall == "worsened" and gap == "narrowed")
        or (overall == "no evidence" and gap in ("widened", "narrowed"))
    )
    conj = "but" if contrast else "and"
    if gap in ("widened", "narrowed"):
        return f"{first}, {conj} {between} {gap} from {values} ({change})."
    if gap == "held":
        return f"{first}, and {between} held ({values}; {change}) as both groups improved."
    return (
        f"{first}, {conj} there is no clear evidence that {between} changed ({values}; {change})."
    )


def neutral_sentence(
    *,
    name: str,
    units: Units,
    confidence: float,
    overall_row: Mapping[str, Any] | None,
    gap_row: Mapping[str, Any] | None,
    labels: tuple[str, str],
) -> str:
    """The verdict without a better direction: what changed, with intervals, and no
    judgement (never "improved", "worsened", "narrowed" or "widened")."""
    ci = f"{confidence * 100:g}% CI"
    name = _in_sentence(name)
    parts: list[str] = []
    for label, row in (
        (f"The overall {name}", overall_row),
        (f"the gap between {labels[0]} and {labels[1]}", gap_row),
    ):
        if row is None or not _finite(row.get("change"), row.get("lower"), row.get("upper")):
            parts.append(f"{label} could not be compared before and after the intervention")
            continue
        b, a = float(row["before"]), float(row["after"])
        c, lo, hi = (float(row[k]) for k in ("change", "lower", "upper"))
        d = _decimals(hi - lo)
        suffix = units.level_suffix if row is overall_row else units.change_suffix
        parts.append(
            f"{label} went from {fmt(b, d)}{suffix} to {fmt(a, d)}{suffix} (change "
            f"{fmt(c, d, sign=True)}{units.change_suffix}, {ci} {fmt(lo, d)} to {fmt(hi, d)})"
        )
    return (
        f"{parts[0]}; {parts[1]}. The plan sets no better direction for this measure "
        '([measure] improvement = "increase" or "decrease"), so these changes are not '
        "judged."
    )
