"""Distinct raw values and their normalised look-up keys (shared by ethnicity and sex).

The engine sends the core the DISTINCT raw values of a column (a few hundred at most); the
core classifies them into a mapping table which the engine joins back onto the rows. These
helpers turn any iterable of raw values into one row per distinct value (vectorised: the
input may be a whole column), and give each a normalised key for dictionary look-up. The keys
are made one value at a time in plain Python: over a few hundred distinct values that is
many times faster than pandas' string methods, whose fixed cost per call dominates there.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_NUMBER = re.compile(r"[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?")

#: Largest magnitude at which a float is still written as an integer key ("99.0" -> "99").
_INTEGER_KEY_LIMIT = 1e15


def as_object_series(raw: Iterable[object]) -> pd.Series:
    """Any iterable, array or Series as an object Series (index reset)."""
    if isinstance(raw, pd.Series | pd.Index | np.ndarray | pd.api.extensions.ExtensionArray):
        values = pd.Series(raw, dtype=object)
    else:
        values = pd.Series(list(raw), dtype=object)
    return values.reset_index(drop=True)


def distinct_raw(raw: Iterable[object]) -> pd.Series:
    """One entry per distinct raw value as a string, in order of first appearance.

    A value is turned into text with ``str()``; every kind of missing value (None, NaN,
    ``pd.NA``, NaT) becomes a single ``None`` entry. Different objects with the same text
    (``1`` and ``"1"``) are one distinct value, because the engine joins on text.
    """
    values = as_object_series(raw)
    missing = values.isna().to_numpy()
    text = values.astype(str).astype(object)
    text[missing] = None
    # drop_duplicates treats every None as the same value, so missing values give one row.
    unique = text.drop_duplicates().reset_index(drop=True)
    return unique.astype(object)


def key_of(value: str) -> str:
    """Normalised look-up key: lower case, '&' as 'and', punctuation as single spaces.

    Integral numbers written as floats (``99.0``) become integers (``99``), so a code column
    that a spreadsheet turned into numbers still matches. A number is what
    ``pandas.to_numeric`` reads: ASCII digits with an optional sign, point and exponent.
    """
    stripped = value.strip()
    if _NUMBER.fullmatch(stripped):
        number = float(stripped)
        if math.isfinite(number) and abs(number) < _INTEGER_KEY_LIMIT and number % 1 == 0:
            value = str(int(number))
    return normalise_label(value)


def normalise_label(label: str) -> str:
    """The key of one text (also used to build the look-up tables at import)."""
    key = label.lower().replace("&", " and ")
    return _NON_ALNUM.sub(" ", key).strip()


def build_lookup(synonyms: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """Invert ``{code: [labels...]}`` into ``{normalised label: code}``.

    Raises ``ValueError`` at import time if two codes claim the same normalised label, so a
    typo in a synonym table cannot silently change a classification.
    """
    lookup: dict[str, str] = {}
    for code, labels in synonyms.items():
        for label in labels:
            key = normalise_label(label)
            if lookup.get(key, code) != code:
                raise ValueError(f"label {label!r} claimed by codes {lookup[key]!r} and {code!r}")
            lookup[key] = code
    return lookup
