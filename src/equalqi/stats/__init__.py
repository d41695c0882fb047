"""Statistics (pure core): confidence intervals and measures of inequality, each citing its method.

Intervals and rates to the standard of PHEindicatormethods (UKHSA/OHID):
:func:`wilson_interval`, :func:`poisson_count_interval`, :func:`t_mean_interval` on
arrays; :func:`proportion_ci`, :func:`rate_ci`, :func:`mean_ci`, :func:`dsr`,
:func:`isratio`, :func:`israte` on frames (``group_by`` for every period or area at once);
:func:`assign_quantiles` (OHID deprivation quantiles); :func:`sii` (slope and relative
index of inequality, Monte Carlo intervals). WHO HEAT summary measures (healthequal) are
in :mod:`equalqi.stats.heat`. Small-number disclosure control is :mod:`equalqi.disclosure`.
Methods and references: ``docs/methods.md``.
"""

from equalqi.stats import heat
from equalqi.stats._validation import accepts_frames
from equalqi.stats.dsr import dsr
from equalqi.stats.isr import israte, isratio
from equalqi.stats.means import mean_ci, t_mean_interval
from equalqi.stats.poisson import poisson_count_interval
from equalqi.stats.proportions import proportion_ci, wilson_interval
from equalqi.stats.quantiles import assign_quantiles
from equalqi.stats.rates import rate_ci
from equalqi.stats.results import Estimate, estimates_from_frame
from equalqi.stats.sii import relative_rank, sii
from equalqi.stats.standard_populations import ESP2013, ESP2013_AGE_BANDS, esp2013_frame

# Every frame function takes pandas, Polars or PyArrow tables (as spc() does).
dsr = accepts_frames(dsr)
israte = accepts_frames(israte)
isratio = accepts_frames(isratio)
mean_ci = accepts_frames(mean_ci)
proportion_ci = accepts_frames(proportion_ci)
rate_ci = accepts_frames(rate_ci)
sii = accepts_frames(sii)

__all__ = [
    "ESP2013",
    "ESP2013_AGE_BANDS",
    "Estimate",
    "assign_quantiles",
    "dsr",
    "esp2013_frame",
    "estimates_from_frame",
    "heat",
    "israte",
    "isratio",
    "mean_ci",
    "poisson_count_interval",
    "proportion_ci",
    "rate_ci",
    "relative_rank",
    "sii",
    "t_mean_interval",
    "wilson_interval",
]
