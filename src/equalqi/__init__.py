"""equalqi: quality improvement that reduces healthcare inequalities.

Layers (dependencies point downwards only):

* ``equalqi.cli``                    thin command-line interface
* ``equalqi.services``               pipeline (plan -> aggregate -> analyse -> report),
                                     reference cache
* ``equalqi.stats``, ``equalqi.spc``, ``equalqi.demographics``, ``equalqi.plan``
                                     the pure core: no I/O, no web, no database, no engine
* ``equalqi.engine``                 Ibis expressions over the records (DuckDB by default)
"""

__version__ = "0.1.0"
