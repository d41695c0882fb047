"""Sex: raw values to NHS PERSON STATED GENDER CODE and a plain label.

NHS records carry sex as PERSON STATED GENDER CODE (1 Male, 2 Female, 9 Indeterminate -
unable to be classified as either male or female, X Not known) or the older PERSON GENDER
CODE CURRENT (0 Not known, 1 Male, 2 Female, 9 Not specified). Local extracts also carry
``M``/``F``/``U`` and words. :func:`classify_sex` maps the DISTINCT raw values to one table
the engine joins back onto the rows.

Decisions:

* Output codes are those of PERSON STATED GENDER CODE: ``"1"``, ``"2"``, ``"9"``, ``"X"``.
  Input ``0`` (PERSON GENDER CODE CURRENT "Not known"), ``X``, ``U``, "unknown", "not
  known", missing and blank all become ``X`` "Not known" (recognised).
* Input ``9``, ``I`` and "indeterminate" are ``9`` "Indeterminate"; so is "not specified",
  the PERSON GENDER CODE CURRENT label of code 9.
* Matching ignores case and surrounding spaces; ``1.0`` is read as ``1``.
* Gender identity values ("non-binary", "other") are not sex codes and are NOT recognised:
  the caller reports them, and the user decides how to analyse them.

Reference: NHS Data Dictionary, PERSON STATED GENDER CODE and PERSON GENDER CODE CURRENT.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import MappingProxyType
from typing import Final

import pandas as pd

from equalqi.demographics._distinct import build_lookup, distinct_raw, key_of

#: Code -> label (PERSON STATED GENDER CODE).
SEX_CODES: Final = MappingProxyType(
    {"1": "Male", "2": "Female", "9": "Indeterminate", "X": "Not known"}
)

#: Labels in reporting order; "Not known" always shown last, never dropped.
SEX_LABEL_ORDER: Final[tuple[str, ...]] = ("Female", "Male", "Indeterminate", "Not known")

_SYNONYMS: Final[dict[str, tuple[str, ...]]] = {
    "1": ("1", "M", "Male"),
    "2": ("2", "F", "Female"),
    "9": ("9", "I", "Indeterminate", "Not specified"),
    "X": (
        "X",
        "0",
        "U",
        "Unknown",
        "Not known",
        "Not recorded",
        "Missing",
        "Null",
        "NaN",
        "None",
        "N/A",
        "NA",
        "",
    ),
}

_LOOKUP: Final[dict[str, str]] = build_lookup(_SYNONYMS)


def classify_sex(raw: Iterable[object]) -> pd.DataFrame:
    """Classify the distinct raw sex values into PERSON STATED GENDER CODE.

    Returns one row per distinct raw value (first-appearance order) with columns ``raw`` (as
    text; missing values become one ``None`` row), ``code``, ``label`` and ``recognised``.
    Unrecognised values have ``recognised=False`` and ``None`` code and label.
    """
    values = distinct_raw(raw)
    codes = [_LOOKUP.get("" if v is None else key_of(v)) for v in values.tolist()]
    labels = dict(SEX_CODES)
    return pd.DataFrame(
        {
            "raw": values.astype(object),
            "code": pd.Series(codes, dtype=object),
            "label": pd.Series([labels[c] if c is not None else None for c in codes], dtype=object),
            "recognised": pd.Series([c is not None for c in codes], dtype=bool),
        }
    )
