"""Confidence levels: normal quantiles and the column labels PHEindicatormethods uses."""

from __future__ import annotations

from collections.abc import Sequence

from scipy import stats as sps


def z_two_sided(confidence: float) -> float:
    """Normal quantile for a two-sided interval: ``qnorm(confidence + (1 - confidence) / 2)``."""
    return float(sps.norm.ppf(confidence + (1 - confidence) / 2))


def level_label(confidence: float) -> str:
    """``0.95`` -> ``"95_0"``, ``0.998`` -> ``"99_8"`` (PHE: ``formatC(c * 100, "f", 1)``)."""
    return f"{confidence * 100:.1f}".replace(".", "_")


def levels_text(levels: Sequence[float]) -> str:
    """``(0.95, 0.998)`` -> ``"95%, 99.8%"``, as PHE's ``confidence`` column."""
    return ", ".join(f"{c * 100:.15g}%" for c in levels)


def bound_names(levels: Sequence[float], prefix: str = "") -> list[tuple[str, str]]:
    """Lower/upper column names: ``lowercl``/``uppercl`` for one level, else ``lower95_0cl``...

    PHE names a single interval ``lowercl``/``uppercl`` and several ``lower95_0cl``,
    ``upper95_0cl``, ``lower99_8cl``, ``upper99_8cl``.
    """
    if len(levels) == 1:
        return [(f"{prefix}lowercl", f"{prefix}uppercl")]
    return [
        (f"{prefix}lower{level_label(c)}cl", f"{prefix}upper{level_label(c)}cl") for c in levels
    ]


def as_fraction(confidence: object) -> object:
    """One convention everywhere: a level may be given as a fraction (0.95) or a percentage
    (95); percentages from 50 up to 100 are divided by 100. Anything else is returned as it
    is for the caller's own check to refuse."""
    if isinstance(confidence, bool) or not isinstance(confidence, int | float):
        return confidence
    return confidence / 100 if 50 <= confidence < 100 else confidence
