"""Statistical process control (pure core): chart limits, run rules and signals.

``spc()`` charts every group of a tidy table in one vectorised call — run, I/XmR, MR, Xbar,
S, T, P, P′, C, U, U′ and G charts with *qicharts2* conventions, the XmR chart with NHS
*Making Data Count* conventions (*NHSRplotthedots*) — and applies the Anhøj and/or MDC rules
(runs analysis by the Anhøj limits, best box or cut box; centre line calculated or fixed).
``gap_chart()`` charts the gap between two groups (or the slope index of inequality) over
time; ``funnel()`` compares units against funnel limits; ``vegalite_spec()`` turns a result
into a Vega-Lite chart in MDC colours; ``variation_icon()``/``assurance_icon()`` draw the MDC
icons.
"""

from equalqi.spc.assurance import assurance
from equalqi.spc.chart import spc
from equalqi.spc.funnel import FunnelResult, funnel, funnel_limits
from equalqi.spc.icons import assurance_icon, variation_icon, variation_icon_name
from equalqi.spc.result import SPCResult
from equalqi.spc.stratified import gap_chart, gap_series, sii_series
from equalqi.spc.validate import CHARTS, IMPROVEMENTS, METHODS, RULES
from equalqi.spc.vegalite import funnel_vegalite_spec, vegalite_spec

__all__ = [
    "CHARTS",
    "IMPROVEMENTS",
    "METHODS",
    "RULES",
    "FunnelResult",
    "SPCResult",
    "assurance",
    "assurance_icon",
    "funnel",
    "funnel_limits",
    "funnel_vegalite_spec",
    "gap_chart",
    "gap_series",
    "sii_series",
    "spc",
    "variation_icon",
    "variation_icon_name",
    "vegalite_spec",
]
