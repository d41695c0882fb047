"""Who the patients are: deprivation, ethnicity and language in an English urban trust.

The mix is built as a chain of conditional distributions so that the analytic truth can be
computed exactly by enumerating every combination (see :mod:`equalqi.synthetic.expected`):

    P(site) * P(IMD decile | site) * P(ethnic category | site, decile) * P(English | ethnicity)

Ethnic category (NHS Data Dictionary ETHNIC CATEGORY, the 2001-census based codes A-S, with
Z = not stated and 99 = not known) is drawn with

    P(e | site, decile) proportional to base[e] * exp(-slope[e] * x) * site_multiplier[e],
    x = (decile - 5.5) / 4.5, from -1 (most deprived) to +1 (least deprived)

for the stated categories, and a fixed 6% Z and 3% 99 everywhere. The base mix is an urban
version of the 2021 census for England (ONS, "Ethnic group, England and Wales: Census 2021"):
about two thirds White British, with larger Pakistani, Bangladeshi and Black African groups.
The slopes say which groups live disproportionately in deprived neighbourhoods in English
cities (MHCLG, "People living in deprived neighbourhoods", Ethnicity facts and figures, which
uses IMD 2019): Pakistani, Bangladeshi and Black people most so, Indian and Chinese people
less so. The numbers are illustrative, not estimates.

Main language English follows the 2021 census pattern that proficiency in English is
near-universal among people born in the UK and lower among recent migrant groups; overall
about 92% of rows have English as their main language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

#: NHS ETHNIC CATEGORY codes in Data Dictionary order; Z = not stated, 99 = not known.
ETHNIC_CODES: tuple[str, ...] = (
    "A", "B", "C", "D", "E", "F", "G", "H", "J", "K", "L", "M", "N", "P", "R", "S", "Z", "99",
)  # fmt: skip
N_ETHNIC = len(ETHNIC_CODES)
NOT_STATED_SHARE = 0.06  # Z
NOT_KNOWN_SHARE = 0.03  # 99

# Share among people with a stated ethnicity (sums to 1) in an urban trust.
_BASE_STATED: dict[str, float] = {
    "A": 0.655, "B": 0.010, "C": 0.075, "D": 0.012, "E": 0.007, "F": 0.009, "G": 0.009,
    "H": 0.040, "J": 0.050, "K": 0.020, "L": 0.020, "M": 0.017, "N": 0.040, "P": 0.007,
    "R": 0.009, "S": 0.020,
}  # fmt: skip

# Concentration in deprived areas: positive = more common in deprived deciles.
_DEPRIVATION_SLOPE: dict[str, float] = {
    "A": -0.25, "B": -0.10, "C": 0.30, "D": 0.70, "E": 0.60, "F": -0.20, "G": 0.40,
    "H": 0.00, "J": 1.20, "K": 1.30, "L": 0.50, "M": 0.80, "N": 1.00, "P": 0.80,
    "R": -0.20, "S": 0.60,
}  # fmt: skip

#: Probability that a person's main language is English, by ethnic category.
ENGLISH_BY_ETHNICITY: dict[str, float] = {
    "A": 0.995, "B": 0.99, "C": 0.76, "D": 0.99, "E": 0.95, "F": 0.99, "G": 0.96,
    "H": 0.82, "J": 0.83, "K": 0.78, "L": 0.74, "M": 0.99, "N": 0.86, "P": 0.93,
    "R": 0.66, "S": 0.62, "Z": 0.90, "99": 0.88,
}  # fmt: skip

#: Raw values injected into ``ethnic_category`` in place of the code, with the code each
#: stands for: 2021-census labels, Data Dictionary labels in other cases, lower-case codes.
ETHNICITY_FREE_TEXT: dict[str, tuple[str, ...]] = {
    "A": (
        "white british",
        "White - British",
        "WHITE BRITISH",
        "White: English, Welsh, Scottish, Northern Irish or British",
        "a",
    ),
    "B": ("White - Irish", "White: Irish", "irish", "b"),
    "C": (
        "White - Any other White background",
        "White: Other White",
        "White: Roma",
        "White: Gypsy or Irish Traveller",
        "c",
    ),
    "D": (
        "Mixed - White and Black Caribbean",
        "Mixed or Multiple ethnic groups: White and Black Caribbean",
        "d",
    ),
    "E": ("Mixed or Multiple ethnic groups: White and Black African", "e"),
    "F": ("Mixed or Multiple ethnic groups: White and Asian", "white and asian", "f"),
    "G": ("Mixed or Multiple ethnic groups: Other Mixed or Multiple ethnic groups", "g"),
    "H": (
        "Indian",
        "Asian or Asian British - Indian",
        "Asian, Asian British or Asian Welsh: Indian",
        "h",
    ),
    "J": ("Pakistani", "Asian, Asian British or Asian Welsh: Pakistani", "pakistani", "j"),
    "K": ("Bangladeshi", "Asian, Asian British or Asian Welsh: Bangladeshi", "k"),
    "L": ("Asian, Asian British or Asian Welsh: Other Asian", "l"),
    "M": ("Caribbean", "Black, Black British, Black Welsh, Caribbean or African: Caribbean", "m"),
    "N": ("African", "Black, Black British, Black Welsh, Caribbean or African: African", "n"),
    "P": ("Black, Black British, Black Welsh, Caribbean or African: Other Black", "p"),
    "R": ("Chinese", "Asian, Asian British or Asian Welsh: Chinese", "r"),
    "S": ("Other ethnic group: Arab", "Other ethnic group: Any other ethnic group", "s"),
    "Z": ("Not stated", "not stated", "z"),
    "99": ("Not known", "not known"),
}
FREE_TEXT_SHARE = 0.005


@dataclass(frozen=True)
class Site:
    """A hospital site or practice: its share of activity and the population it serves."""

    name: str
    share: float
    decile_weight: tuple[float, ...]  # relative weights for IMD deciles 1..10
    ethnic_multiplier: Mapping[str, float]  # relative over- or under-representation


def decile_position(decile: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    """Position on the deprivation scale: -1 for decile 1 (most deprived), +1 for decile 10."""
    return (decile.astype(np.float64) - 5.5) / 4.5


def site_probabilities(sites: tuple[Site, ...]) -> npt.NDArray[np.float64]:
    """P(site), shape (S,)."""
    share = np.array([s.share for s in sites], dtype=np.float64)
    return share / share.sum()


def decile_probabilities(sites: tuple[Site, ...]) -> npt.NDArray[np.float64]:
    """P(decile | site), shape (S, 10)."""
    w = np.array([s.decile_weight for s in sites], dtype=np.float64)
    return w / w.sum(axis=1, keepdims=True)


def ethnic_probabilities(sites: tuple[Site, ...]) -> npt.NDArray[np.float64]:
    """P(ethnic category | site, decile), shape (S, 10, 18), in :data:`ETHNIC_CODES` order."""
    stated = ETHNIC_CODES[:-2]
    base = np.array([_BASE_STATED[c] for c in stated])
    slope = np.array([_DEPRIVATION_SLOPE[c] for c in stated])
    mult = np.array([[s.ethnic_multiplier.get(c, 1.0) for c in stated] for s in sites])
    x = decile_position(np.arange(1, 11))
    w = base[None, None, :] * np.exp(-slope[None, None, :] * x[None, :, None])
    w = w * mult[:, None, :]
    w = w / w.sum(axis=2, keepdims=True) * (1.0 - NOT_STATED_SHARE - NOT_KNOWN_SHARE)
    fixed = np.broadcast_to(np.array([NOT_STATED_SHARE, NOT_KNOWN_SHARE]), (*w.shape[:2], 2))
    return np.concatenate([w, fixed], axis=2)


def english_probabilities() -> npt.NDArray[np.float64]:
    """P(main language English | ethnic category), shape (18,)."""
    return np.array([ENGLISH_BY_ETHNICITY[c] for c in ETHNIC_CODES], dtype=np.float64)
