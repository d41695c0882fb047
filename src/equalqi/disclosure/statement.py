"""What a disclosure policy did, stated in every output ("12 cells hidden, 4 to protect others").

Also the advice when so much is hidden that a chart stops being readable: more than a third
of its points gone means a longer period or fewer, larger groups would serve better.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from equalqi.disclosure.policy import Policy

#: A chart that has lost more than this share of its points gets advice.
TOO_MUCH_HIDDEN = 1 / 3


@dataclass(frozen=True)
class ChartLoss:
    """Points of one dimension's charts (every group but "Not known", every period)."""

    dimension: str
    points: int
    hidden: int

    @property
    def share(self) -> float:
        return self.hidden / self.points if self.points else 0.0


@dataclass(frozen=True)
class Disclosure:
    policy: Policy
    cells: int  # group-period rows of the measure table
    hidden: int  # rows hidden (primary + secondary)
    hidden_to_protect: int  # of which hidden only to protect other cells
    records_withheld: bool  # the number of records analysed is withheld
    charts: tuple[ChartLoss, ...] = ()
    advice: tuple[str, ...] = field(default_factory=tuple)
    withheld: tuple[str, ...] = field(default_factory=tuple)  # statistics not shown, and why

    @property
    def text(self) -> str:
        """The policy and what it did, in two sentences."""
        if not self.policy.hides_anything:
            return self.policy.describe()
        did = f"{self.hidden:,} of {self.cells:,} group-period cells are hidden"
        if self.policy.rule == "suppress":
            did += f", {self.hidden_to_protect:,} of them to protect others"
        return f"Small-number protection: {self.policy.describe()} {did}."

    def to_dict(self) -> dict[str, Any]:
        return {
            "policy": self.policy.rule,
            "rule": self.policy.describe(),
            "smallest_count_shown": self.policy.smallest_shown,
            "round_to": self.policy.round_to if self.policy.rule == "round" else None,
            "cells": self.cells,
            "cells_hidden": self.hidden,
            "cells_hidden_to_protect_others": self.hidden_to_protect,
            "records_withheld": self.records_withheld,
            "chart_points": [
                {"dimension": c.dimension, "points": c.points, "hidden": c.hidden}
                for c in self.charts
            ],
            "advice": list(self.advice),
            "withheld": list(self.withheld),
            "statement": self.text,
        }
