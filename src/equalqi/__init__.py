"""equalqi: quality improvement that reduces healthcare inequalities.

Layers (dependencies point downwards only):

* ``equalqi.cli``                    thin command-line interface
* ``equalqi.services``               pipeline (plan -> aggregate -> analyse -> report),
                                     reference cache
* ``equalqi.stats``, ``equalqi.spc``, ``equalqi.demographics``, ``equalqi.plan``
                                     the pure core: no I/O, no web, no database, no engine
* ``equalqi.engine``                 Ibis expressions over the records (DuckDB by default)
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: The front door (``equalqi.analyse(data, plan)``...), imported on first use so that
#: ``import equalqi`` stays light and the core never imports the services.
_FUNCTIONS = {
    "analyse": "equalqi.api",
    "read_plan": "equalqi.api",
    "disclose": "equalqi.api",
    "write_outputs": "equalqi.api",
    "AnalysisResult": "equalqi.api",
}
__all__ = ["__version__", *_FUNCTIONS, "spc", "stats", "impact"]


def __getattr__(name: str) -> Any:
    if name in _FUNCTIONS:
        return getattr(importlib.import_module(_FUNCTIONS[name]), name)
    if name in ("spc", "stats", "impact"):  # the core modules (equalqi.spc.spc charts)
        return importlib.import_module(f"equalqi.{name}")
    raise AttributeError(f"module 'equalqi' has no attribute {name!r}")
