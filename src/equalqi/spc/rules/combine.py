"""Rule precedence, the reason for each flagged point, and its classification.

Each point gets at most one rule: the first that applies in the order

``outside_limits`` > ``trend`` > ``two_of_three`` > ``shift`` (MDC, *NHSRplotthedots*)
> ``longest_run`` > ``crossings`` (Anhøj, *qicharts2*).

The direction of the signal (+1 up, -1 down, 0 none) times the improvement direction gives
the classification: ``improvement``, ``concern``, ``neutral`` (no improvement direction, or
a signal without a direction such as too few crossings) or ``common`` (no signal). The
*NHSRplotthedots* labels (``special_cause_type``) and point types are kept alongside.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from equalqi.spc.rules.anhoej import RunsAnalysis
from equalqi.spc.rules.mdc import MDCFlags

IntArr = NDArray[np.int64]
BoolArr = NDArray[np.bool_]
StrArr = NDArray[np.object_]
ByteArr = NDArray[np.int8]
SignArr = NDArray[np.signedinteger[Any]]  # -1, 0, +1 in any integer width

RULE_ORDER: tuple[str, ...] = (
    "outside_limits",
    "trend",
    "two_of_three",
    "shift",
    "longest_run",
    "crossings",
)
DIRECTIONS = {"increase": 1, "decrease": -1, "neutral": 0}


#: classification codes (``Signals.klass``) and their names
CLASS_NAMES: tuple[str, ...] = ("common", "improvement", "concern", "neutral", "neutral", "neutral")
POINT_TYPES: tuple[str, ...] = (
    "common_cause",
    "special_cause_improvement",
    "special_cause_concern",
    "special_cause_neutral_high",
    "special_cause_neutral_low",
    "special_cause_neutral",
)


@dataclass(frozen=True)
class Signals:
    """Per-point signals, held as small integer codes into short tables of words.

    ``code`` indexes ``rule_table``/``label_table`` (rule × direction) and ``klass`` indexes
    :data:`CLASS_NAMES`/:data:`POINT_TYPES`; the words per point are decoded on demand, so
    that a national run of millions of points never holds millions of Python strings.
    """

    signal: BoolArr
    direction: IntArr
    code: ByteArr
    klass: ByteArr
    rule_table: StrArr
    label_table: StrArr

    @property
    def rule(self) -> StrArr:
        return self.rule_table[self.code]

    @property
    def label(self) -> StrArr:
        return self.label_table[self.code]

    @property
    def classification(self) -> StrArr:
        return np.asarray(CLASS_NAMES, dtype=object)[self.klass]

    @property
    def point_type(self) -> StrArr:
        return np.asarray(POINT_TYPES, dtype=object)[self.klass]


def combine(
    size: int,
    *,
    outside: BoolArr,
    outside_side: SignArr,
    mdc: MDCFlags | None,
    runs: RunsAnalysis | None,
    improvement: str,
    trend_length: int,
    shift_length: int,
) -> Signals:
    """Apply precedence and classify.

    ``outside`` is the outside-limits rule (shared by both rule sets); ``mdc`` and ``runs``
    are None when that rule set is not selected (or does not apply to the chart).
    """
    false = np.zeros(size, dtype=bool)
    zero = np.zeros(size, dtype=np.int8)
    out_side = outside_side
    if mdc is not None:
        trend, trend_dir = mdc.trend, mdc.trend_direction
        two, shift, side = mdc.two_of_three, mdc.shift, mdc.side
    else:
        trend, trend_dir, two, shift, side = false, zero, false, false, zero
    run_side: SignArr
    if runs is not None:
        long_run, few, run_side = runs.in_long_run, runs.few_crossings, runs.side
    else:
        long_run, few, run_side = false, false, zero

    conditions = [outside, trend, two, shift, long_run, few]
    # small codes in one byte each (a national run has millions of points)
    rule_idx = np.select(
        conditions, [np.int8(i) for i in range(len(RULE_ORDER))], default=np.int8(len(RULE_ORDER))
    )
    direction = np.select(
        conditions, [out_side, trend_dir, side, side, run_side, zero], default=np.int8(0)
    ).astype(np.int8, copy=False)
    signal = rule_idx < len(RULE_ORDER)
    code = rule_idx * np.int8(3) + (direction + np.int8(1))

    rules_table = np.array([r for r in RULE_ORDER for _ in range(3)] + [""] * 3, dtype=object)
    label_table = np.array(
        [
            "Below LCL", "Below LCL", "Above UCL",
            f"{trend_length} Point Trend (Decreasing)",
            f"{trend_length} Point Trend (Decreasing)",
            f"{trend_length} Point Trend (Increasing)",
            "2 in 3 Below CL", "2 in 3 Below CL", "2 in 3 Above CL",
            f"{shift_length} Points Below CL",
            f"{shift_length} Points Below CL",
            f"{shift_length} Points Above CL",
            "Long Run Below CL", "Long Run Below CL", "Long Run Above CL",
            "Too Few Crossings", "Too Few Crossings", "Too Few Crossings",
            "Common Cause", "Common Cause", "Common Cause",
        ],
        dtype=object,
    )  # fmt: skip

    # class code: 0 common, 1 improvement, 2 concern, 3 neutral-high, 4 neutral-low, 5 neutral
    oriented = direction * np.int8(DIRECTIONS[improvement])
    klass = np.select(
        [~signal, oriented > 0, oriented < 0, direction > 0, direction < 0],
        [np.int8(k) for k in range(5)],
        default=np.int8(5),
    )
    return Signals(
        signal=signal,
        direction=direction.astype(np.int64),
        code=code,
        klass=klass,
        rule_table=rules_table,
        label_table=label_table,
    )
