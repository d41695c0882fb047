"""The confidence level of a HEAT measure (healthequal's ``conf.level``)."""

from __future__ import annotations

import numpy as np

from equalqi.errors import InputError, Problem


def parse_level(conf_level: float) -> float:
    """A level strictly between 0 and 1 (0.95 by default, as healthequal)."""
    if (
        isinstance(conf_level, bool)
        or not isinstance(conf_level, int | float | np.number)
        or not 0 < float(conf_level) < 1
    ):
        raise InputError(
            Problem(
                what="conf_level must be a number between 0 and 1",
                fix="Use e.g. 0.95 for a 95% interval.",
                value=repr(conf_level),
            )
        )
    return float(conf_level)
