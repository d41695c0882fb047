"""Directly standardised rates (DSR) with Dobson confidence intervals.

DSR = Σ (xᵢ wᵢ / nᵢ) / Σ wᵢ × multiplier, for age bands i with events xᵢ, population nᵢ
and standard population wᵢ (ESP2013 unless another is given).

Why Dobson: the DSR is a weighted sum of Poisson counts; Dobson et al. scale the exact
(here Byar) interval of the total count O = Σ xᵢ to the DSR's variance,

    var(DSR) = Σ xᵢ (wᵢ / nᵢ)² / (Σ wᵢ)²
    limit    = DSR + √(var / O) × (O_limit − O) × multiplier,

which keeps the interval asymmetric and sensible for modest counts. As
PHEindicatormethods ``calculate_dsr``, no DSR is given for fewer than 10 events in
total. For events that are not independent (one person can have several), the variance
is built per event frequency f and summed with weight f² (PHE's ``independent_events =
FALSE``).

References: Dobson AJ, Kuulasmaa K, Eberle E, Scherer J. Confidence intervals for
weighted sums of Poisson parameters. Stat Med 1991;10:457-462. Breslow NE, Day NE.
Statistical methods in cancer research, volume II. IARC 1987. Public Health England.
Technical guide: confidence intervals (2018).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from equalqi.errors import Problem
from equalqi.stats._confidence import bound_names, levels_text
from equalqi.stats._frames import apply_type, check_type, notes_from, r_format
from equalqi.stats._validation import (
    as_float_array,
    check_columns,
    check_group_by,
    parse_confidence,
    raise_problems,
    row_problems,
)
from equalqi.stats.poisson import byars_lower, byars_upper
from equalqi.stats.standard_populations import STANDARD_BANDS, STANDARD_POPULATIONS

MIN_TOTAL_COUNT = 10
METHOD = "Dobson"
METHOD_NONINDEPENDENT = "Dobson, with confidence adjusted for non-independent events"


def _positional_stdpop(
    data: pd.DataFrame, keys: list[str], stdpop: Sequence[float], argument: str
) -> np.ndarray:
    """A standard population given as a vector, matched to rows by position within groups."""
    values = np.asarray(stdpop, dtype=float)
    if keys:
        position = data.groupby(keys, sort=False, dropna=False).cumcount().to_numpy()
        sizes = data.groupby(keys, sort=False, dropna=False).size()
    else:
        position = np.arange(len(data))
        sizes = pd.Series([len(data)])
    wrong = sizes[sizes != values.size]
    if len(wrong):
        raise_problems(
            [
                Problem(
                    what=(
                        f"{argument} has {values.size} values but a group has "
                        f"{int(wrong.iloc[0])} rows"
                    ),
                    fix=(
                        "Give one row per age band in every group, in the order of the "
                        "standard population, or name a column of standard populations."
                    ),
                    value=str(wrong.index[0]),
                )
            ]
        )
    return values[position]


def _band_key(label: object) -> str:
    """'0 - 4', '0–4', '0 to 4' and '0-4' are one band; '90 +' is '90+'."""
    text = str(label).strip().lower().replace("\u2013", "-").replace(" to ", "-")
    return "".join(text.split())


def _stdpop_by_label(data: pd.DataFrame, keys: list[str], ageband: str, name: str) -> np.ndarray:
    """The named standard population matched to rows by age-band label, never by position.

    Refuses labels the standard does not have, a band given twice in a group, and a group
    missing bands (a rate standardised over part of the standard is not comparable).
    """
    raise_problems(check_columns(data, [("ageband", ageband)]))
    bands, weights = STANDARD_BANDS[name], STANDARD_POPULATIONS[name]
    lookup = {_band_key(b): w for b, w in zip(bands, weights, strict=True)}
    labels = data[ageband].map(_band_key)
    unknown = ~labels.isin(list(lookup)).to_numpy()
    raise_problems(
        row_problems(
            data,
            ageband,
            unknown,
            what=f"this age band is not one of the {name} bands",
            fix=f"Use the {name} bands: {', '.join(bands)} (or give stdpop as a column).",
        )
    )
    grouped = data.assign(_band=labels.to_numpy())
    duplicated = grouped.duplicated([*keys, "_band"], keep=False).to_numpy()
    raise_problems(
        row_problems(
            data,
            ageband,
            duplicated,
            what="this age band appears more than once in its group",
            fix="Give one row per age band (add the rows up first).",
        )
    )
    present = grouped.groupby(keys, sort=False, dropna=False)["_band"] if keys else None
    groups = [(None, grouped["_band"])] if present is None else list(present)
    for key, values in groups:
        missing = [b for b in bands if _band_key(b) not in set(values)]
        if missing:
            raise_problems(
                [
                    Problem(
                        what=f"{len(missing)} of the {len(bands)} {name} age bands are "
                        f"missing{'' if key is None else f' in group {key}'}: "
                        + ", ".join(missing),
                        fix="Give every age band, with a count of 0 where there were no "
                        "events, so the rate is standardised over the whole standard.",
                        column=ageband,
                    )
                ]
            )
    return labels.map(lookup).to_numpy(dtype=float)


def _resolve_stdpop(
    data: pd.DataFrame,
    keys: list[str],
    stdpop: str | Sequence[float] | None,
    ageband: str | None = None,
) -> tuple[np.ndarray, str | None]:
    """Standard population per row and, if it came from the data, its column name."""
    named = "esp2013" if stdpop is None else stdpop.lower() if isinstance(stdpop, str) else None
    if (
        ageband is not None
        and named in STANDARD_BANDS
        and not (isinstance(stdpop, str) and stdpop in data.columns)
    ):
        return _stdpop_by_label(data, keys, ageband, named), None
    if stdpop is None:
        return _positional_stdpop(data, keys, STANDARD_POPULATIONS["esp2013"], "esp2013"), None
    if isinstance(stdpop, str):
        if stdpop in data.columns:
            raise_problems(check_columns(data, [("stdpop", stdpop)], numeric=("stdpop",)))
            return as_float_array(data[stdpop]), stdpop
        if stdpop.lower() in STANDARD_POPULATIONS:
            return (
                _positional_stdpop(data, keys, STANDARD_POPULATIONS[stdpop.lower()], stdpop),
                None,
            )
        raise_problems(check_columns(data, [("stdpop", stdpop)]))
    return _positional_stdpop(data, keys, list(stdpop), "stdpop"), None  # type: ignore[arg-type]


def dsr(
    data: pd.DataFrame,
    x: str,
    n: str,
    stdpop: str | Sequence[float] | None = None,
    *,
    group_by: Sequence[str] | str | None = None,
    confidence: float | Sequence[float] = 0.95,
    multiplier: float = 100_000,
    type: str = "full",
    independent_events: bool = True,
    eventfreq: str | None = None,
    ageband: str | None = None,
) -> pd.DataFrame:
    """Directly standardised rates with Dobson intervals, one row per group: ``calculate_dsr``.

    ``data`` has one row per age band (per group): events ``x`` and population ``n``.
    ``stdpop`` is a column of standard populations, a vector matched by position within
    each group, or ``None``/``"esp2013"`` for the European Standard Population 2013 (19
    bands 0-4 ... 90+, in that order). Groups with fewer than 10 events in total get no
    value (``statistic`` says so), as PHE. For non-independent events give
    ``independent_events=False`` with ``eventfreq`` (events per person) and ``ageband``
    columns; then ``x`` counts the people with that frequency and ``stdpop`` must be a column.

    With ``ageband`` (a column of labels such as "0-4", "90+") and a named standard
    population, the standard is matched **by label**, so rows in any order give the same
    rate; a label the standard does not have, a band given twice or a band missing from a
    group is refused (issue 19: matching by position gave 496.6 instead of 439.1 for bands
    out of order, silently). Without ``ageband`` a named standard is matched by position,
    as PHE's ``calculate_dsr`` does.

    Deviation from PHE: a zero population gives NaN with a ``note`` instead of an error.
    """
    keys = check_group_by(data, group_by)
    if not independent_events and eventfreq is not None:
        keys = [k for k in keys if k != eventfreq]  # as PHE: frequency is never a grouping
    levels = parse_confidence(confidence)
    problems = check_columns(data, [("x", x), ("n", n)], numeric=("x", "n"))
    problems += check_type(type)
    if not np.isfinite(multiplier) or multiplier <= 0:
        problems.append(
            Problem(
                what="multiplier must be greater than 0",
                fix="Use e.g. 100000 for a rate per 100,000.",
                value=repr(multiplier),
            )
        )
    if not independent_events:
        problems += check_columns(
            data, [("eventfreq", eventfreq), ("ageband", ageband)], numeric=("eventfreq",)
        )
        if eventfreq is None or ageband is None:
            problems.append(
                Problem(
                    what="non-independent events need the eventfreq and ageband columns",
                    fix="Name the column of events per person (eventfreq) and of age band.",
                )
            )
        if not isinstance(stdpop, str) or stdpop not in data.columns:
            problems.append(
                Problem(
                    what="non-independent events need the standard population as a column",
                    fix="Join the standard population onto the data by age band first.",
                )
            )
    raise_problems(problems)
    weights, _ = _resolve_stdpop(data, keys, stdpop, ageband if independent_events else None)
    xs = as_float_array(data[x])
    ns = as_float_array(data[n])
    with np.errstate(invalid="ignore"):
        problems = row_problems(
            data, x, xs < 0, what="count is negative", fix="Counts must be 0 or more."
        )
        problems += row_problems(
            data,
            n,
            np.isnan(ns) | (ns < 0),
            what="population is missing or negative",
            fix="Give a population of 0 or more for every age band.",
        )
        problems += row_problems(
            data.assign(_stdpop=weights),
            "_stdpop",
            np.isnan(weights) | (weights < 0),
            what="standard population is missing or negative",
            fix="Every age band needs a standard population of 0 or more.",
        )
    raise_problems(problems)

    work = data[keys].copy() if keys else pd.DataFrame(index=data.index)
    work["_x"], work["_n"], work["_w"] = xs, ns, weights
    if independent_events:
        method = METHOD
        totals = _dobson_parts(work, keys)
    else:
        assert eventfreq is not None and ageband is not None
        method = METHOD_NONINDEPENDENT
        work["_f"] = as_float_array(data[eventfreq])
        work["_band"] = data[ageband].to_numpy()
        totals = _nonindependent_parts(work, keys)

    observed = totals["total_count"].to_numpy(float)
    sum_w = totals["_sum_w"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = totals["_sum_wt"].to_numpy(float) / sum_w * multiplier
        spread = np.sqrt(totals["_var"].to_numpy(float) / observed)
    enough = observed >= MIN_TOTAL_COUNT
    zero_pop = totals["_zero_pop"].to_numpy(bool)
    usable = enough & ~zero_pop
    out = totals[[*keys, "total_count", "total_pop"]].copy()
    out["value"] = np.where(usable, value, np.nan)
    for level, (lo_name, hi_name) in zip(levels, bound_names(levels), strict=True):
        lower = value + spread * (byars_lower(observed, level) - observed) * multiplier
        upper = value + spread * (byars_upper(observed, level) - observed) * multiplier
        out[lo_name] = np.where(usable, lower, np.nan)
        out[hi_name] = np.where(usable, upper, np.nan)
    out["confidence"] = levels_text(levels)
    out["statistic"] = np.where(
        enough, f"dsr per {r_format(multiplier)}", "dsr NA for total count < 10"
    )
    out["method"] = method
    out["note"] = notes_from(
        (zero_pop, "a population is zero"),
        (~enough, "fewer than 10 events in total: no DSR"),
    )
    return apply_type(out.reset_index(drop=True), type, intermediates=("total_count", "total_pop"))


def _dobson_parts(work: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per group: observed total, population, Σ x w / n, Σ w and the Dobson variance."""
    x0 = work["_x"].fillna(0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        work = work.assign(
            _wt=x0 * work["_w"] / work["_n"],
            _sq=x0 * (work["_w"] / work["_n"]) ** 2,
            _zp=work["_n"] == 0,
        )
    if keys:
        grouped = work.groupby(keys, sort=True, dropna=False)
        totals = pd.DataFrame(
            {
                "total_count": grouped["_x"].sum(),
                "total_pop": grouped["_n"].sum(),
                "_sum_wt": grouped["_wt"].sum(),
                "_sum_w": grouped["_w"].sum(),
                "_sum_sq": grouped["_sq"].sum(),
                "_zero_pop": grouped["_zp"].any(),
            }
        ).reset_index()
    else:
        totals = pd.DataFrame(
            {
                "total_count": [work["_x"].sum()],
                "total_pop": [work["_n"].sum()],
                "_sum_wt": [work["_wt"].sum()],
                "_sum_w": [work["_w"].sum()],
                "_sum_sq": [work["_sq"].sum()],
                "_zero_pop": [bool(work["_zp"].any())],
            }
        )
    totals["_var"] = totals["_sum_sq"] / totals["_sum_w"] ** 2
    return totals


def _nonindependent_parts(work: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Dobson parts when people can have several events (PHE's ``independent_events=FALSE``).

    The variance is built separately for each event frequency f from the people with
    that frequency and summed with weight f²; the DSR itself uses all events, f × x.
    """
    band_keys = [*keys, "_band"]
    spread = work.groupby(band_keys, sort=False, dropna=False).agg(
        _nn=("_n", "nunique"), _nw=("_w", "nunique")
    )
    inconsistent = spread[(spread["_nn"] > 1) | (spread["_nw"] > 1)]
    if len(inconsistent):
        raise_problems(
            [
                Problem(
                    what=(
                        "rows with the same group and age band have different populations "
                        "or standard populations"
                    ),
                    fix="Give one population and one standard population per age band.",
                    value=str(inconsistent.index[0]),
                )
            ]
        )
    x0 = work["_x"].fillna(0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        work = work.assign(_sq=x0 * (work["_w"] / work["_n"]) ** 2, _events=x0 * work["_f"])
    by_freq = work.groupby([*keys, "_f"], sort=True, dropna=False).agg(
        _sq=("_sq", "sum"), _sum_w=("_w", "sum")
    )
    by_freq = by_freq.reset_index()
    by_freq["_freqvar"] = by_freq["_sq"] / by_freq["_sum_w"] ** 2 * by_freq["_f"] ** 2
    if keys:
        variance = by_freq.groupby(keys, sort=True, dropna=False)["_freqvar"].sum()
    else:
        variance = pd.Series([by_freq["_freqvar"].sum()])
    events = (
        work.groupby([*band_keys, "_n", "_w"], sort=True, dropna=False)["_events"]
        .sum()
        .rename("_x")
        .reset_index()
    )
    totals = _dobson_parts(events, keys)
    totals["_var"] = variance.to_numpy()
    return totals
