"""Signal rules: Anhøj runs rules and the NHS Making Data Count rules, and their precedence."""

from equalqi.spc.rules.anhoej import RunsAnalysis, anhoej, crossings_limit, longest_run_limit
from equalqi.spc.rules.combine import RULE_ORDER, Signals, combine
from equalqi.spc.rules.mdc import MDCFlags, mdc_rules

__all__ = [
    "RULE_ORDER",
    "MDCFlags",
    "RunsAnalysis",
    "Signals",
    "anhoej",
    "combine",
    "crossings_limit",
    "longest_run_limit",
    "mdc_rules",
]
