"""The small-number (statistical disclosure control) policies a plan can choose.

Why: a count of a few patients in a small group (an ethnic group in one month, a decile in
one practice) can identify people, and so can a rate, interval or gap computed from it.
Two policies that NHS analysts already know:

* ``suppress`` (NHS England / ONS practice): counts from 1 to ``k - 1`` (k = 10 by default)
  are hidden, with the values worked out from them; further cells are hidden where needed
  (complementary or secondary suppression) so that no hidden count can be solved from
  totals, from the margins of an intersection, or from published totals over periods.
  True zeros are shown: a zero identifies no-one. References: NHS Digital, *Hospital
  Episode Statistics analysis guide* (small numbers); GSS/ONS, *Disclosure control guidance
  for tables produced from administrative sources* (2014); Hundepool et al., *Statistical
  Disclosure Control* (Wiley 2012), ch. 4 (cell suppression and its audit).
* ``round`` (OpenSAFELY output checking): counts of 7 or fewer are redacted, zeros
  included, and every other count is rounded to the nearest 5; rates and intervals are
  computed from the rounded counts. Rounding blurs every total, so subtraction gives a
  range, never the number; zeros are redacted because a shown zero total would give away
  the zeros beneath it, exactly, however the parts are rounded.
  Reference: OpenSAFELY documentation, *Output checking: statistical disclosure control*.

``none`` shows every number: only for the organisation's own team, never for a download.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Rule = Literal["suppress", "round", "none"]
RULES: tuple[Rule, ...] = ("suppress", "round", "none")


@dataclass(frozen=True)
class Policy:
    """One disclosure policy; build it from a plan with :func:`policy_for`."""

    rule: Rule = "suppress"
    k: int = 10  # suppress: counts 1..k-1 are hidden
    redact_at_most: int = 7  # round: counts 1..redact_at_most are redacted
    round_to: int = 5  # round: other counts to the nearest multiple

    @property
    def hides_anything(self) -> bool:
        return self.rule != "none"

    @property
    def smallest_shown(self) -> int:
        """The smallest non-zero count that may be shown."""
        if self.rule == "suppress":
            return self.k
        if self.rule == "round":
            return self.redact_at_most + 1
        return 1

    @property
    def hides_zeros(self) -> bool:
        return self.rule == "round"

    def is_small(self, count: float) -> bool:
        """True for a count that must not be shown: from 1 (0 under ``round``) up to the
        smallest shown, less one."""
        least = 0 if self.hides_zeros else 1
        return self.hides_anything and least <= count < self.smallest_shown

    def shown_count(self, count: float) -> float | None:
        """The count as it may be shown: None when hidden, rounded under ``round``."""
        if self.is_small(count):
            return None
        if self.rule == "round":
            return float(self.round_to * round(count / self.round_to))
        return float(count)

    def count_text(self, count: float) -> str:
        """A count in words for prose (involvement logs): "fewer than 10", "about 25", "12"."""
        if self.is_small(count):
            return (
                f"{self.smallest_shown - 1} or fewer"
                if self.hides_zeros
                else (f"fewer than {self.smallest_shown}")
            )
        shown = self.shown_count(count)
        assert shown is not None
        text = f"{int(shown):,}"
        return f"about {text}" if self.rule == "round" and shown != count else text

    def describe(self) -> str:
        """The rule in one plain sentence, as every output states it."""
        if self.rule == "suppress":
            return (
                f"Counts from 1 to {self.k - 1}, and the values worked out from them, are "
                "hidden; other cells are hidden where needed so that a hidden number cannot "
                "be worked out from the totals."
            )
        if self.rule == "round":
            return (
                f"Counts of {self.redact_at_most} or fewer (zeros too) are hidden and every "
                "other count is "
                f"rounded to the nearest {self.round_to}; rates and intervals are worked out "
                "from the rounded counts."
            )
        return (
            "No small-number protection: every number is shown. This view is for the "
            "organisation's own team; do not share it."
        )


def policy_for(
    rule: str, *, suppress_below: int = 10, redact_at_most: int = 7, round_to: int = 5
) -> Policy:
    """The plan's ``[output]`` settings as a policy (``suppress_below = 0`` is ``none``)."""
    if rule == "suppress" and suppress_below <= 1:
        return Policy(rule="none")
    if rule not in RULES:
        raise ValueError(f"unknown disclosure rule {rule!r}")
    chosen: Rule = rule
    return Policy(rule=chosen, k=suppress_below, redact_at_most=redact_at_most, round_to=round_to)
