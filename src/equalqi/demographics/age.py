"""Age bands: named schemes and custom bands, each band ``[lower, next lower)`` in whole years.

An age band scheme is a sorted tuple of lower bounds; the last band is open-ended ("80+").
Ages are ages in completed years; a fractional age (17.9) falls in the band its whole years
fall in (0-17), which is what ``np.searchsorted(lower_bounds, age, side="right") - 1`` gives.

Named schemes:

* ``"nhs_broad"``: 0-17, 18-34, 35-49, 50-64, 65-79, 80+ (children, then broad adult bands
  used in NHS England equity reporting).
* ``"ten_year"``: 0-9, 10-19, ..., 80-89, 90+ (ten-year bands with the ONS 90+ top band).
* ``"esp2013"``: 0-4, 5-9, ..., 85-89, 90+: the 19 five-year bands of the European Standard
  Population 2013 (Eurostat 2013; the ``esp2013`` vector of PHEindicatormethods), so counts
  banded this way can be directly age-standardised.

Custom bands come from a list of lower bounds, validated (whole numbers, non-negative, sorted,
no repeats). A scheme need not start at 0; an age below its first bound is then a problem the
user is told about, never silently dropped. Missing ages (NaN) get no band (``None``).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from equalqi.demographics._problems import ValuesLike, problems_for_mask
from equalqi.errors import InputError, Problem


def _default_labels(lower_bounds: Sequence[int]) -> tuple[str, ...]:
    """ "lo-hi" for closed bands (just "lo" for a one-year band), "lo+" for the last."""
    labels = []
    for lower, upper in itertools.pairwise(lower_bounds):
        labels.append(str(lower) if upper - 1 == lower else f"{lower}-{upper - 1}")
    labels.append(f"{lower_bounds[-1]}+")
    return tuple(labels)


def validate_lower_bounds(
    lower_bounds: Sequence[object], labels: Sequence[str] | None = None
) -> list[Problem]:
    """Problems with a list of lower bounds (and optional labels) for custom age bands."""
    column = "age bands"
    if len(lower_bounds) == 0:
        return [Problem("no age bands were given", "Give at least one lower bound, e.g. [0].")]
    problems: list[Problem] = []
    whole: list[int] = []
    for bound in lower_bounds:
        is_number = isinstance(bound, int | float | np.integer | np.floating) and not isinstance(
            bound, bool
        )
        if not is_number or float(bound) != int(float(bound)):  # type: ignore[arg-type]
            problems.append(
                Problem(
                    "an age band lower bound is not a whole number of years",
                    "Give lower bounds as whole years, e.g. [0, 18, 65].",
                    column=column,
                    value=repr(bound),
                )
            )
            continue
        whole.append(int(float(bound)))  # type: ignore[arg-type]
    if problems:
        return problems
    for bound in whole:
        if bound < 0:
            problems.append(
                Problem(
                    "an age band lower bound is negative",
                    "Start age bands at 0 or above.",
                    column=column,
                    value=str(bound),
                )
            )
    diffs = np.diff(np.asarray(whole, dtype=np.int64))
    for position in np.flatnonzero(diffs == 0):
        problems.append(
            Problem(
                "an age band lower bound is repeated",
                "List each lower bound once.",
                column=column,
                value=str(whole[position + 1]),
            )
        )
    if np.any(diffs < 0):
        problems.append(
            Problem(
                "age band lower bounds are not in increasing order",
                f"Sort them, e.g. {sorted(set(whole))}.",
                column=column,
                value=str(whole),
            )
        )
    if labels is not None:
        if len(labels) != len(whole):
            problems.append(
                Problem(
                    f"{len(labels)} labels were given for {len(whole)} age bands",
                    "Give one label per lower bound, or leave labels out to have them made.",
                    column=column,
                    value=str(list(labels)),
                )
            )
        elif len(set(labels)) != len(labels):
            problems.append(
                Problem(
                    "age band labels are repeated",
                    "Give each band a different label.",
                    column=column,
                    value=str(list(labels)),
                )
            )
    return problems


@dataclass(frozen=True)
class AgeBands:
    """A named age band scheme: band ``i`` holds ``lower_bounds[i] <= age < lower_bounds[i + 1]``.

    The last band is open-ended. Construct named schemes with :func:`get_age_bands` and
    custom ones with :func:`custom_age_bands`; both are validated.
    """

    name: str
    lower_bounds: tuple[int, ...]
    labels: tuple[str, ...]

    def __post_init__(self) -> None:
        problems = validate_lower_bounds(self.lower_bounds, self.labels)
        if problems:
            raise InputError(problems)

    def band_edges(self) -> tuple[float, ...]:
        """Edges for right-open bins ``[edge[i], edge[i+1])``: the lower bounds, then ``inf``.

        Suitable for ``pd.cut(ages, edges, right=False)`` or a SQL ``CASE`` in the engine.
        """
        return (*(float(b) for b in self.lower_bounds), float("inf"))

    def upper_bounds(self) -> tuple[int | None, ...]:
        """Inclusive upper age of each band in whole years; ``None`` for the open last band."""
        return (*(b - 1 for b in self.lower_bounds[1:]), None)

    def to_frame(self) -> pd.DataFrame:
        """One row per band: ``order`` (0-based), ``label``, ``lower``, ``upper`` (inclusive)."""
        return pd.DataFrame(
            {
                "order": np.arange(len(self.labels), dtype=np.int64),
                "label": pd.Series(self.labels, dtype=object),
                "lower": np.asarray(self.lower_bounds, dtype=np.int64),
                "upper": pd.array(self.upper_bounds(), dtype="Int64"),
            }
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "lower_bounds": list(self.lower_bounds),
            "labels": list(self.labels),
        }


def custom_age_bands(
    lower_bounds: Sequence[object],
    *,
    labels: Sequence[str] | None = None,
    name: str = "custom",
) -> AgeBands:
    """Age bands from a list of lower bounds, validated; labels are made if not given.

    >>> custom_age_bands([0, 16, 65]).labels
    ('0-15', '16-64', '65+')
    """
    problems = validate_lower_bounds(lower_bounds, labels)
    if problems:
        raise InputError(problems)
    whole = tuple(int(float(b)) for b in lower_bounds)  # type: ignore[arg-type]
    made = tuple(labels) if labels is not None else _default_labels(whole)
    return AgeBands(name=name, lower_bounds=whole, labels=made)


def _named(name: str, lower_bounds: Sequence[int]) -> AgeBands:
    bounds = tuple(lower_bounds)
    return AgeBands(name=name, lower_bounds=bounds, labels=_default_labels(bounds))


#: The named schemes, by name.
AGE_BAND_SCHEMES: Final[dict[str, AgeBands]] = {
    "nhs_broad": _named("nhs_broad", (0, 18, 35, 50, 65, 80)),
    "ten_year": _named("ten_year", tuple(range(0, 91, 10))),
    "esp2013": _named("esp2013", tuple(range(0, 91, 5))),
}


def get_age_bands(scheme: str | AgeBands | Sequence[int]) -> AgeBands:
    """A scheme by name, an :class:`AgeBands` as is, or custom bands from lower bounds."""
    if isinstance(scheme, AgeBands):
        return scheme
    if isinstance(scheme, str):
        try:
            return AGE_BAND_SCHEMES[scheme]
        except KeyError:
            known = ", ".join(sorted(AGE_BAND_SCHEMES))
            raise InputError(
                Problem(
                    "unknown age band scheme",
                    f"Use one of: {known}; or give a list of lower bounds, e.g. [0, 18, 65].",
                    value=scheme,
                )
            ) from None
    return custom_age_bands(scheme)


def validate_ages(
    ages: ValuesLike,
    scheme: str | AgeBands | Sequence[int] = "nhs_broad",
    *,
    column: str | None = "age",
    file: str | None = None,
    first_row: int | None = None,
) -> list[Problem]:
    """Problems with ages: not a number, infinite, negative, or below the scheme's first band.

    Missing ages (None/NaN) are not problems here; they get no band.
    """
    bands = get_age_bands(scheme)
    values = pd.Series(np.asarray(ages, dtype=object).ravel(), dtype=object)
    numbers = pd.to_numeric(values, errors="coerce").astype(float).to_numpy()
    missing = values.isna().to_numpy()
    not_number = np.isnan(numbers) & ~missing
    infinite = np.isinf(numbers)
    negative = numbers < 0
    below = (numbers >= 0) & (numbers < bands.lower_bounds[0])
    where = {"column": column, "file": file, "first_row": first_row}
    first_label = bands.labels[0]
    return [
        *problems_for_mask(
            values,
            not_number | infinite,
            what="an age is not a number of years",
            fix="Give ages as numbers of whole years, or leave them blank if not known.",
            **where,  # type: ignore[arg-type]
        ),
        *problems_for_mask(
            values,
            negative,
            what="an age is negative",
            fix="Correct the age or the date of birth it was calculated from.",
            **where,  # type: ignore[arg-type]
        ),
        *problems_for_mask(
            values,
            below,
            what=f"an age is below the lowest band ({first_label}) of scheme '{bands.name}'",
            fix="Add a band starting at 0, or leave these records out of the analysis.",
            **where,  # type: ignore[arg-type]
        ),
    ]


def age_band_index(
    ages: ValuesLike, scheme: str | AgeBands | Sequence[int] = "nhs_broad"
) -> np.ndarray:
    """Band number (0-based) of each age; ``-1`` where the age is missing.

    Raises :class:`InputError` for ages that are not numbers, negative or below the first band.
    """
    bands = get_age_bands(scheme)
    problems = validate_ages(ages, bands)
    if problems:
        raise InputError(problems)
    values = pd.to_numeric(
        pd.Series(np.asarray(ages, dtype=object).ravel(), dtype=object), errors="coerce"
    )
    numbers = values.astype(float).to_numpy()
    lower = np.asarray(bands.lower_bounds, dtype=float)
    index = np.searchsorted(lower, numbers, side="right") - 1
    return np.where(np.isnan(numbers), -1, index).astype(np.int64)


def age_band_labels(
    ages: ValuesLike, scheme: str | AgeBands | Sequence[int] = "nhs_broad"
) -> np.ndarray:
    """Band label of each age (object array); ``None`` where the age is missing.

    >>> age_band_labels([17, 18, 79, 80], "nhs_broad").tolist()
    ['0-17', '18-34', '65-79', '80+']
    """
    bands = get_age_bands(scheme)
    index = age_band_index(ages, bands)
    labels = np.asarray((*bands.labels, None), dtype=object)
    return labels[index]  # -1 picks the trailing None
