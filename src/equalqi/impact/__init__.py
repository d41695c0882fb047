"""Equity impact evaluation (pure core): did a QI project narrow, hold or widen a gap?

* :func:`evaluate_gap` - one project: before/after difference in differences of the gap,
  interrupted time series of each group and of the gap, the verdict and honest warnings;
* :func:`meta_analysis` - many projects: random-effects meta-analysis (DerSimonian-Laird,
  REML; optional Hartung-Knapp-Sidik-Jonkman) and meta-regression by project attributes.

No file, network or database I/O here; see ``docs/impact.md`` for the methods.
"""

from equalqi.impact.evaluate import evaluate_gap
from equalqi.impact.gap_its import fit_gap_its
from equalqi.impact.its import ItsResult, segmented_regression
from equalqi.impact.meta import MetaResult, meta_analysis
from equalqi.impact.result import ImpactResult
from equalqi.impact.verdict import OUTCOMES, InverseEquity

__all__ = [
    "OUTCOMES",
    "ImpactResult",
    "InverseEquity",
    "ItsResult",
    "MetaResult",
    "evaluate_gap",
    "fit_gap_its",
    "meta_analysis",
    "segmented_regression",
]
