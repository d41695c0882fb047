"""The look-up key of a raw code: numbers as ``pandas.to_numeric`` reads them.

``key_of`` reads a number one value at a time in plain Python (the engine sends only the
distinct values); the property here is that it treats as a number exactly what
``pandas.to_numeric`` reads as a finite number, so a spreadsheet's ``99.0`` still matches
code ``99`` and nothing else is taken for a number.
"""

from __future__ import annotations

import math

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from equalqi.demographics._distinct import key_of, normalise_label

TEXT = st.text(alphabet="0123456789+-.eE _,xX&aZ\t\u00a0\u0663", max_size=10)


def _pandas_integral(value: str) -> int | None:
    number = pd.to_numeric(pd.Series([value.strip()]), errors="coerce").iloc[0]
    if pd.isna(number) or not math.isfinite(number):
        return None
    if abs(number) < 1e15 and number % 1 == 0:
        return int(number)
    return None


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_a_whole_number_is_keyed_as_pandas_reads_it(value: str) -> None:
    whole = _pandas_integral(value)
    if whole is not None:
        assert key_of(value) == normalise_label(str(whole))
    else:  # not a whole number for pandas: the text itself, normalised
        assert key_of(value) == normalise_label(value)


def test_worked_keys() -> None:
    # Hand-written: a float-typed code, a padded letter, an ampersand, punctuation.
    assert key_of("99.0") == "99"
    assert key_of(" a ") == "a"
    assert key_of("Mixed & White") == "mixed and white"
    assert key_of("A - White British") == "a white british"
    assert key_of("1.5") == "1 5"
    assert key_of("1e2") == "100"
    assert key_of("1_0") == "1 0"  # not a number for pandas, so not for us
