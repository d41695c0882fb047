"""Signal rules: Anhøj runs rules (best box, cut box) and the NHS Making Data Count rules."""

from equalqi.spc.rules.anhoej import RunsAnalysis, anhoej, crossings_limit, longest_run_limit
from equalqi.spc.rules.bestbox import best_box
from equalqi.spc.rules.combine import RULE_ORDER, Signals, combine
from equalqi.spc.rules.cutbox import cut_box
from equalqi.spc.rules.joint import joint_distribution
from equalqi.spc.rules.mdc import MDCFlags, mdc_rules

__all__ = [
    "RULE_ORDER",
    "MDCFlags",
    "RunsAnalysis",
    "Signals",
    "anhoej",
    "best_box",
    "combine",
    "crossings_limit",
    "cut_box",
    "joint_distribution",
    "longest_run_limit",
    "mdc_rules",
]
