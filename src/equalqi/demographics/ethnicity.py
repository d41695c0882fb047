"""Ethnicity: raw values to NHS ETHNIC CATEGORY (2001 census "16+1") codes and groups.

The NHS Data Dictionary data element ETHNIC CATEGORY uses the 2001 census categories:
sixteen codes (A-S), ``Z`` "Not stated" (the person was asked and declined or chose not to
say) and ``99`` "Not known" (the person was not asked, or the answer was not recorded).
Hospital records (HES, SUS, ECDS) and GP extracts carry these codes, but local extracts also
carry labels, 2011/2021 census categories and free text. :func:`classify_ethnicity` maps the
DISTINCT raw values of a column to one table the engine joins back onto the rows.

Decisions (each one written down because it changes who is counted where):

* Codes are matched in any case with surrounding spaces (``" a "`` is ``A``); a code followed
  by its own label (``"A - White British"``, ``"H: Indian"``) is accepted, but a code followed
  by another category's label (``"A - Pakistani"``) is NOT recognised.
* ``99`` is "Not known". ``9`` and ``X`` are also read as "Not known": HES used ``X`` for
  "not known" before 2013, and a lone ``9`` is almost always a ``99`` cut short. (In the
  pre-2001 HES scheme ``9`` meant "not given"; those extracts use 0-8 for the other groups,
  which are not recognised here, so the user sees them.)
* Missing values (None, NaN, NULL) and blank text are "Not known" (``99``): nobody recorded an
  answer. The literal strings ``null``, ``nan``, ``none``, ``n/a`` and ``unknown`` are treated
  the same way.
* "Not stated", "declined", "refused", "prefer not to say" are ``Z`` "Not stated": the person
  was asked and chose not to answer. Z and 99 stay separate, visible groups: never dropped.
* 2021 census categories map to the nearest 2001 code (ONS 2021 ethnic group classification):
  "Gypsy or Irish Traveller" and "Roma" -> ``C`` (Any other White background); "Arab" ->
  ``S`` (Any other ethnic group); "Chinese" -> ``R`` (in the 2001 NHS list Chinese is in
  "Other Ethnic Groups", although 2021 moved it to the Asian group; we follow the NHS list so
  that codes and groups agree); "Other Asian" -> ``L``; "Other Black" -> ``P``; "Other Mixed
  or Multiple ethnic groups" -> ``G``; "Other White" -> ``C``; "White: English, Welsh,
  Scottish, Northern Irish or British" -> ``A``. The 2011 census labels map the same way.
* A bare group name maps to that group's "any other" code: "white" -> ``C``, "mixed" -> ``G``,
  "asian" -> ``L``, "black" -> ``P``, "other" -> ``S``. The high-level group is then right;
  the detailed category is approximate (a "White" British person lands in "Any other White
  background"), so analyses by detailed category should recode such values first.
* National identities "British", "English", "Welsh", "Scottish", "Northern Irish" -> ``A``;
  "Irish" -> ``B``.
* Anything else is ``recognised=False`` with code, category and group ``None``: the caller
  reports it to the user with the raw value; we never guess.

Reference: NHS Data Dictionary, ETHNIC CATEGORY (data element), 2001 census classification;
ONS, "Ethnic group, national identity and religion" classifications for the 2011 and 2021
censuses of England and Wales.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from types import MappingProxyType
from typing import Final

import pandas as pd

from equalqi.demographics._distinct import build_lookup, distinct_raw, key_of

#: Code -> (category, high-level group), NHS Data Dictionary ETHNIC CATEGORY (2001 census).
ETHNIC_CATEGORIES: Final = MappingProxyType(
    {
        "A": ("White - British", "White"),
        "B": ("White - Irish", "White"),
        "C": ("White - Any other White background", "White"),
        "D": ("Mixed - White and Black Caribbean", "Mixed"),
        "E": ("Mixed - White and Black African", "Mixed"),
        "F": ("Mixed - White and Asian", "Mixed"),
        "G": ("Mixed - Any other mixed background", "Mixed"),
        "H": ("Asian or Asian British - Indian", "Asian or Asian British"),
        "J": ("Asian or Asian British - Pakistani", "Asian or Asian British"),
        "K": ("Asian or Asian British - Bangladeshi", "Asian or Asian British"),
        "L": ("Asian or Asian British - Any other Asian background", "Asian or Asian British"),
        "M": ("Black or Black British - Caribbean", "Black or Black British"),
        "N": ("Black or Black British - African", "Black or Black British"),
        "P": ("Black or Black British - Any other Black background", "Black or Black British"),
        "R": ("Other Ethnic Groups - Chinese", "Other Ethnic Groups"),
        "S": ("Other Ethnic Groups - Any other ethnic group", "Other Ethnic Groups"),
        "Z": ("Not stated", "Not stated"),
        "99": ("Not known", "Not known"),
    }
)

#: Codes in the order of the NHS list (A ... S, then Z, then 99).
ETHNIC_CODE_ORDER: Final[tuple[str, ...]] = tuple(ETHNIC_CATEGORIES)

#: High-level groups in reporting order; "Not stated" and "Not known" always shown last.
ETHNIC_GROUP_ORDER: Final[tuple[str, ...]] = (
    "White",
    "Mixed",
    "Asian or Asian British",
    "Black or Black British",
    "Other Ethnic Groups",
    "Not stated",
    "Not known",
)

#: Code used for missing or blank values.
NOT_KNOWN_CODE: Final = "99"
#: Code used for "asked, declined to say".
NOT_STATED_CODE: Final = "Z"

# Census 2021 (England and Wales, 19 categories) and 2011 (18 categories) labels, by the code
# each maps to. The section prefixes are spelt out in full as ONS publishes them.
_C21_ASIAN = "Asian, Asian British or Asian Welsh: "
_C21_BLACK = "Black, Black British, Black Welsh, Caribbean or African: "
_C21_MIXED = "Mixed or Multiple ethnic groups: "
_C11_ASIAN = "Asian/Asian British: "
_C11_BLACK = "Black/African/Caribbean/Black British: "
_C11_MIXED = "Mixed/multiple ethnic groups: "

_SYNONYMS: Final[dict[str, tuple[str, ...]]] = {
    "A": (
        "White: English, Welsh, Scottish, Northern Irish or British",
        "White: English/Welsh/Scottish/Northern Irish/British",
        "English, Welsh, Scottish, Northern Irish or British",
        "White British",
        "British",
        "White - British",
        "British White",
        "English",
        "Welsh",
        "Scottish",
        "Northern Irish",
        "White English",
        "White Welsh",
        "White Scottish",
        "White Northern Irish",
    ),
    "B": ("White - Irish", "White: Irish", "White Irish", "Irish"),
    "C": (
        "White - Any other White background",
        "Any other White background",
        "White: Other White",
        "White: Gypsy or Irish Traveller",
        "White: Roma",
        "Gypsy or Irish Traveller",
        "Gypsy/Irish Traveller",
        "Gypsy",
        "Irish Traveller",
        "Traveller",
        "Roma",
        "Other White",
        "White other",
        "White - other",
        "Other White background",
        "White - any other",
        "White",
    ),
    "D": (
        "Mixed - White and Black Caribbean",
        _C21_MIXED + "White and Black Caribbean",
        _C11_MIXED + "White and Black Caribbean",
        "White and Black Caribbean",
        "Mixed White and Black Caribbean",
        "Mixed White/Black Caribbean",
    ),
    "E": (
        "Mixed - White and Black African",
        _C21_MIXED + "White and Black African",
        _C11_MIXED + "White and Black African",
        "White and Black African",
        "Mixed White and Black African",
        "Mixed White/Black African",
    ),
    "F": (
        "Mixed - White and Asian",
        _C21_MIXED + "White and Asian",
        _C11_MIXED + "White and Asian",
        "White and Asian",
        "Mixed White and Asian",
        "Mixed White/Asian",
    ),
    "G": (
        "Mixed - Any other mixed background",
        _C21_MIXED + "Other Mixed or Multiple ethnic groups",
        _C11_MIXED + "Other Mixed",
        "Any other mixed background",
        "Any other Mixed/multiple ethnic background",
        "Other Mixed or Multiple ethnic groups",
        "Mixed or Multiple ethnic groups",
        "Mixed/multiple ethnic groups",
        "Other mixed",
        "Mixed other",
        "Mixed - other",
        "Other mixed background",
        "Mixed",
    ),
    "H": (
        "Asian or Asian British - Indian",
        _C21_ASIAN + "Indian",
        _C11_ASIAN + "Indian",
        "Indian",
        "Asian Indian",
        "British Indian",
        "Asian British Indian",
    ),
    "J": (
        "Asian or Asian British - Pakistani",
        _C21_ASIAN + "Pakistani",
        _C11_ASIAN + "Pakistani",
        "Pakistani",
        "Asian Pakistani",
        "British Pakistani",
        "Asian British Pakistani",
    ),
    "K": (
        "Asian or Asian British - Bangladeshi",
        _C21_ASIAN + "Bangladeshi",
        _C11_ASIAN + "Bangladeshi",
        "Bangladeshi",
        "Asian Bangladeshi",
        "British Bangladeshi",
        "Asian British Bangladeshi",
    ),
    "L": (
        "Asian or Asian British - Any other Asian background",
        _C21_ASIAN + "Other Asian",
        _C11_ASIAN + "Other Asian",
        "Any other Asian background",
        "Other Asian",
        "Asian other",
        "Asian - other",
        "Other Asian background",
        "Asian or Asian British",
        "Asian, Asian British or Asian Welsh",
        "Asian British",
        "Asian",
    ),
    "M": (
        "Black or Black British - Caribbean",
        _C21_BLACK + "Caribbean",
        _C11_BLACK + "Caribbean",
        "Caribbean",
        "Black Caribbean",
        "Black British Caribbean",
    ),
    "N": (
        "Black or Black British - African",
        _C21_BLACK + "African",
        _C11_BLACK + "African",
        "African",
        "Black African",
        "Black British African",
    ),
    "P": (
        "Black or Black British - Any other Black background",
        _C21_BLACK + "Other Black",
        _C11_BLACK + "Other Black",
        "Any other Black background",
        "Any other Black/African/Caribbean background",
        "Other Black",
        "Black other",
        "Black - other",
        "Other Black background",
        "Black or Black British",
        "Black, Black British, Black Welsh, Caribbean or African",
        "Black British",
        "Black",
    ),
    "R": (
        "Other Ethnic Groups - Chinese",
        _C21_ASIAN + "Chinese",
        _C11_ASIAN + "Chinese",
        "Other ethnic group: Chinese",
        "Chinese",
        "Asian Chinese",
        "British Chinese",
    ),
    "S": (
        "Other Ethnic Groups - Any other ethnic group",
        "Other ethnic group: Arab",
        "Other ethnic group: Any other ethnic group",
        "Any other ethnic group",
        "Other ethnic group",
        "Other ethnic groups",
        "Other ethnic background",
        "Any other ethnic background",
        "Arab",
        "Other",
        "Any other",
    ),
    "Z": (
        "Not stated",
        "Declined",
        "Refused",
        "Prefer not to say",
        "Preferred not to say",
        "Patient declined",
        "Patient refused",
        "Declined to state",
        "Declined to say",
        "Declined to answer",
        "Refused to state",
        "Refused to say",
        "Not disclosed",
        "Not given",
        "Ethnic category not stated",
    ),
    "99": (
        "Not known",
        "Unknown",
        "Not recorded",
        "Ethnicity not known",
        "Ethnic category not known",
        "Missing",
        "Null",
        "NaN",
        "None",
        "N/A",
        "NA",
        "X",
        "9",
        "",
    ),
}


def _lookup_table() -> dict[str, str]:
    synonyms = {code: (code, *labels) for code, labels in _SYNONYMS.items()}
    # The NHS category labels themselves, e.g. "White - British".
    for code, (category, _group) in ETHNIC_CATEGORIES.items():
        synonyms[code] = (*synonyms[code], category)
    return build_lookup(synonyms)


_LOOKUP: Final[dict[str, str]] = _lookup_table()

# "A - White British", "h: Indian", "99 Not known": a code, a separator, then a label.
_CODE_THEN_LABEL = re.compile(r"^(?P<code>[a-hjkmnprsz]|99) (?P<label>.+)$")


def _code_for_key(key: str) -> str | None:
    """The code of one normalised key; ``None`` where nothing matches.

    A code prefix counts only when its label agrees ("a white british"), so "A - Indian"
    is not guessed either way."""
    direct = _LOOKUP.get(key)
    if direct is not None:
        return direct
    parts = _CODE_THEN_LABEL.match(key)
    if parts is None:
        return None
    prefix = parts["code"].upper()
    return prefix if _LOOKUP.get(parts["label"]) == prefix else None


def classify_ethnicity(raw: Iterable[object]) -> pd.DataFrame:
    """Classify the distinct raw ethnicity values into NHS ETHNIC CATEGORY codes.

    Returns one row per distinct raw value (first-appearance order) with columns ``raw``
    (the value as text; missing values become one ``None`` row), ``code``, ``category``,
    ``group`` and ``recognised``. Missing and blank values are recognised as "Not known"
    (``99``). Unrecognised values have ``recognised=False`` and ``None`` in code, category and
    group: report them to the user with the raw value. See the module docstring for every
    mapping decision.
    """
    values = distinct_raw(raw)
    # Missing values are "Not known": the key "" maps to 99.
    codes = [_code_for_key("" if v is None else key_of(v)) for v in values.tolist()]
    names = [ETHNIC_CATEGORIES.get(c) if c is not None else None for c in codes]
    frame = pd.DataFrame(
        {
            "raw": values.astype(object),
            "code": pd.Series(codes, dtype=object),
            "category": pd.Series([n[0] if n else None for n in names], dtype=object),
            "group": pd.Series([n[1] if n else None for n in names], dtype=object),
            "recognised": pd.Series([c is not None for c in codes], dtype=bool),
        }
    )
    return frame


def unrecognised_ethnicity(mapping: pd.DataFrame) -> list[str | None]:
    """The raw values of a :func:`classify_ethnicity` table that were not recognised."""
    return list(mapping.loc[~mapping["recognised"], "raw"])
