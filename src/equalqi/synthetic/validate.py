"""Checks on the arguments of the synthetic generators, kept apart from the generation.

Every problem is reported as an :class:`~equalqi.errors.InputError` that says what was
wrong, with the value, and what to do instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from equalqi.errors import InputError, Problem, ProblemCollector
from equalqi.synthetic.scenarios import SCENARIOS, Scenario

_EXAMPLES = 5  # rows quoted per kind of problem in the LSOA table


def _text(value: object) -> str:
    """A cell as the user would see it: blank when missing."""
    return "" if pd.isna(value) else str(value)


def check_scenario(name: object) -> Scenario:
    if not isinstance(name, str) or name not in SCENARIOS:
        raise InputError(
            Problem(
                what="There is no synthetic scenario with this name",
                fix=f"Use one of: {', '.join(SCENARIOS)}.",
                value=repr(name),
            )
        )
    return SCENARIOS[name]


def _check_int(value: object, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise InputError(
            Problem(
                what=f"{name} must be a whole number of at least {minimum}",
                fix=f"Give {name} as an integer >= {minimum}.",
                value=repr(value),
            )
        )
    return int(value)


def check_n_rows(n_rows: object) -> int:
    return _check_int(n_rows, "n_rows", 0)


def check_seed(seed: object) -> int:
    return _check_int(seed, "seed", 0)


def check_chunk_rows(chunk_rows: object) -> int:
    return _check_int(chunk_rows, "chunk_rows", 1)


@dataclass(frozen=True)
class LsoaPool:
    """LSOA codes sorted by IMD decile; decile d+1 has ``codes[start[d] : start[d] + count[d]]``."""

    codes: npt.NDArray[np.object_]
    start: npt.NDArray[np.int64]  # (10,), index 0 = decile 1
    count: npt.NDArray[np.int64]  # (10,)


def check_lsoa_deciles(frame: object) -> LsoaPool:
    """Validate a ``lsoa_code, imd_decile`` table and index its codes by decile."""
    if not isinstance(frame, pd.DataFrame):
        raise InputError(
            Problem(
                what="lsoa_deciles must be a pandas DataFrame",
                fix="Pass a DataFrame with columns lsoa_code and imd_decile (1 = most deprived).",
                value=type(frame).__name__,
            )
        )
    missing = [c for c in ("lsoa_code", "imd_decile") if c not in frame.columns]
    if missing:
        raise InputError(
            [
                Problem(
                    what="The LSOA table has no column with this name",
                    fix="Give the table columns lsoa_code and imd_decile.",
                    column=c,
                    value=", ".join(map(str, frame.columns[:12])),
                )
                for c in missing
            ]
        )
    problems = ProblemCollector()
    code = frame["lsoa_code"]
    code_text = code.astype("string").str.strip()
    bad_code = code.isna().to_numpy(dtype=bool) | (code_text.fillna("") == "").to_numpy(dtype=bool)
    decile = pd.to_numeric(frame["imd_decile"], errors="coerce")
    raw = frame["imd_decile"]
    bad_decile = (decile.isna() | (decile % 1 != 0) | (decile < 1) | (decile > 10)).to_numpy(
        dtype=bool, na_value=True
    )
    for mask, column, what, fix, values in (
        (
            bad_code,
            "lsoa_code",
            "The LSOA code is missing",
            "Fill in the code or remove the row.",
            code,
        ),
        (
            bad_decile,
            "imd_decile",
            "The IMD decile must be a whole number from 1 to 10",
            "Use 1 for the most deprived tenth of LSOAs up to 10 for the least deprived.",
            raw,
        ),
    ):
        for pos in np.flatnonzero(mask)[:_EXAMPLES]:
            problems.add(
                Problem(
                    what=what,
                    fix=fix,
                    row=int(pos) + 2,
                    column=column,
                    value=_text(values.iloc[pos]),
                )
            )
    problems.raise_if_any()
    clean = pd.DataFrame(
        {"lsoa_code": code_text.to_numpy(dtype=object), "imd_decile": decile.astype(np.int64)}
    ).drop_duplicates()
    clash = clean["lsoa_code"].duplicated(keep=False).to_numpy()
    for pos in np.flatnonzero(clash)[:_EXAMPLES]:
        problems.add(
            Problem(
                what="This LSOA code appears more than once with different IMD deciles",
                fix="Keep one row per LSOA code (the IMD file has exactly one).",
                row=int(clean.index[pos]) + 2,
                column="lsoa_code",
                value=str(clean["lsoa_code"].iloc[pos]),
            )
        )
    counts = np.bincount(clean["imd_decile"].to_numpy() - 1, minlength=10)
    for d in np.flatnonzero(counts == 0):
        problems.add(
            Problem(
                what=f"No LSOA in the table has IMD decile {d + 1}",
                fix="Pass LSOAs for every decile 1-10 (for example the whole IMD file).",
                column="imd_decile",
                value=str(d + 1),
            )
        )
    problems.raise_if_any()
    ordered = clean.sort_values(["imd_decile", "lsoa_code"], kind="stable")
    start = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    return LsoaPool(
        codes=ordered["lsoa_code"].to_numpy(dtype=object),
        start=start,
        count=counts.astype(np.int64),
    )
