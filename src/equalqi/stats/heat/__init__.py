"""WHO HEAT summary measures of health inequality, as healthequal (v1.0.1) computes them.

Every function takes a tidy frame with one row per subgroup (and per ``group_by``
setting, e.g. per period) and returns one row per setting with ``measure``, ``estimate``,
``se``, ``lowerci``, ``upperci``, ``method`` and ``note``. :func:`summary_measures` runs
all that fit a dimension; :func:`inequality_over_time` does so for every period.
"""

from equalqi.stats.heat.attributable import paf, par
from equalqi.stats.heat.concentration import aci, rci
from equalqi.stats.heat.disparity import idisu, idisw
from equalqi.stats.heat.mean_difference import mdbu, mdbw, mdmu, mdmw, mdru, mdrw
from equalqi.stats.heat.regression import rii, sii
from equalqi.stats.heat.simple import d, r
from equalqi.stats.heat.summary import (
    ALL_MEASURES,
    NON_ORDERED_MEASURES,
    ORDERED_MEASURES,
    inequality_over_time,
    summary_measures,
)
from equalqi.stats.heat.theil import mld, ti
from equalqi.stats.heat.variance import bgsd, bgv, cov

__all__ = [
    "ALL_MEASURES",
    "NON_ORDERED_MEASURES",
    "ORDERED_MEASURES",
    "aci",
    "bgsd",
    "bgv",
    "cov",
    "d",
    "idisu",
    "idisw",
    "inequality_over_time",
    "mdbu",
    "mdbw",
    "mdmu",
    "mdmw",
    "mdru",
    "mdrw",
    "mld",
    "paf",
    "par",
    "r",
    "rci",
    "rii",
    "sii",
    "summary_measures",
    "ti",
]
