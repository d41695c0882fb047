"""Draw patient-level rows from a compiled scenario, block by block (pure: no I/O).

Rows are drawn in blocks of :data:`BLOCK_ROWS`. Block ``k`` has its own random stream (see
:mod:`equalqi.synthetic.model`) and draws a fixed number of uniforms per row in row order, so

* the same seed gives the same rows, whatever the chunk size used to produce them;
* ``generate(n)`` is the first ``n`` rows of ``generate(m)`` for any ``m > n``;
* memory is bounded by the chunk size (plus one block), never by ``n_rows``.

Each row's covariates are drawn from the chain of conditional distributions in
:mod:`equalqi.synthetic.population`, its cell is located in the model's table of expected
outcomes, and the outcome is a Bernoulli draw with that probability (proportions) or a
log-normal draw with that median (means).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy.special import ndtri

from equalqi.synthetic.model import CompiledModel, FloatArray, seed_sequence
from equalqi.synthetic.population import ETHNIC_CODES, ETHNICITY_FREE_TEXT, FREE_TEXT_SHARE
from equalqi.synthetic.validate import LsoaPool

BLOCK_ROWS = 1 << 16

IntArray = npt.NDArray[np.int64]

# Columns of the uniform matrix drawn for every row (outcome draws follow, one per outcome).
_U_DAY, _U_SITE, _U_DECILE, _U_ETHNIC, _U_LANGUAGE, _U_BAND, _U_AGE, _U_SEX = range(8)
_U_INJECT, _U_VARIANT = 8, 9
_N_COVARIATE_DRAWS = 10


def _cdf(p: FloatArray) -> FloatArray:
    """Cumulative probabilities along the last axis, the last one exactly 1."""
    c = np.cumsum(p, axis=-1)
    c = c / c[..., -1:]
    c[..., -1] = 1.0
    return np.ascontiguousarray(c)


def _draw(cdf: FloatArray, u: FloatArray) -> IntArray:
    """Inverse-CDF draw from one categorical distribution: the k with cdf[k-1] <= u < cdf[k]."""
    k = np.searchsorted(cdf, u, side="right")
    return np.minimum(k, cdf.size - 1).astype(np.int64)


def _draw_conditional(cdf: FloatArray, row: IntArray, u: FloatArray) -> IntArray:
    """Draw from the categorical distribution in row ``row[i]`` of ``cdf`` (shape (R, C)).

    Adding the row number to each row's cdf makes one increasing array, so a single
    ``searchsorted`` of ``row + u`` serves every row (no loop over groups).
    """
    n_rows, n_cats = cdf.shape
    flat = (cdf + np.arange(n_rows)[:, None]).ravel()
    pos = np.searchsorted(flat, row + u, side="right")
    return np.clip(pos - row * n_cats, 0, n_cats - 1).astype(np.int64)


def _take(dictionary: pa.Array, index: IntArray) -> pa.Array:
    return pc.take(dictionary, pa.array(index, type=pa.int32()))


@dataclass(frozen=True)
class Draws:
    """Index arrays for a block of rows (0-based category indices)."""

    day: IntArray  # into the calendar's days
    site: IntArray
    decile: IntArray  # 0 = IMD decile 1
    ethnic: IntArray  # into ETHNIC_CODES: the row's real code
    raw_ethnic: IntArray  # into the ethnic_category dictionary (codes, then free text)
    not_english: IntArray  # 1 if the main language is not English
    age: IntArray
    sex: IntArray  # F, M, U
    cell: IntArray  # flat index into the model's tables
    outcome_u: FloatArray  # (n, outcomes) uniforms for the outcome draws


@dataclass(frozen=True)
class Sampler:
    """Everything needed to draw rows of one scenario for one seed."""

    model: CompiledModel
    lsoa: LsoaPool | None = None
    with_truth: bool = False

    @cached_property
    def _tables(self) -> dict[str, FloatArray]:
        m = self.model
        return {
            "day": m.calendar.day_cdf,
            "site": _cdf(m.site_p),
            "decile": _cdf(m.decile_p),
            "ethnic": _cdf(m.ethnic_p.reshape(-1, m.ethnic_p.shape[-1])),
            "band": _cdf(m.band_p),
            "sex": _cdf(m.sex_p),
        }

    @cached_property
    def _variants(self) -> tuple[pa.Array, IntArray, IntArray]:
        """The ethnic_category dictionary (codes, then free text) and each code's variants."""
        texts = [ETHNICITY_FREE_TEXT[c] for c in ETHNIC_CODES]
        count = np.array([len(t) for t in texts], dtype=np.int64)
        offset = len(ETHNIC_CODES) + np.concatenate([[0], np.cumsum(count)[:-1]])
        values = list(ETHNIC_CODES) + [t for ts in texts for t in ts]
        return pa.array(values, type=pa.string()), offset.astype(np.int64), count

    @cached_property
    def _dictionaries(self) -> dict[str, pa.Array]:
        return {
            "site": pa.array([s.name for s in self.model.scenario.sites], type=pa.string()),
            "sex": pa.array(["F", "M", "U"], type=pa.string()),
            "code": pa.array(list(ETHNIC_CODES), type=pa.string()),
            "lsoa": pa.array([] if self.lsoa is None else list(self.lsoa.codes), type=pa.string()),
        }

    @cached_property
    def _flat_outcomes(self) -> dict[str, tuple[FloatArray, FloatArray]]:
        """Per outcome: (expected value, linear predictor) per cell, flattened."""
        return {
            col: (self.model.expected[col].ravel(), self.model.eta[col].ravel())
            for col in self.model.expected
        }

    @cached_property
    def schema(self) -> pa.Schema:
        """The Arrow schema of every block (and of the Parquet file)."""
        fields: list[pa.Field] = [
            pa.field("event_date", pa.date32(), nullable=False),
            pa.field("site", pa.string(), nullable=False),
            pa.field("imd_decile", pa.int8(), nullable=False),
        ]
        if self.lsoa is not None:
            fields.append(pa.field("lsoa_code", pa.string(), nullable=False))
        fields += [
            pa.field("ethnic_category", pa.string(), nullable=False),
            pa.field("age", pa.int16(), nullable=False),
            pa.field("sex", pa.string(), nullable=False),
            pa.field("main_language_english", pa.bool_(), nullable=False),
        ]
        for o in self.model.scenario.outcomes:
            kind = pa.int8() if o.measure == "proportion" else pa.float64()
            fields.append(pa.field(o.column, kind, nullable=False))
        if self.with_truth:
            fields += [
                pa.field(f"true_{o.column}", pa.float64(), nullable=False)
                for o in self.model.scenario.outcomes
            ]
            fields.append(pa.field("true_ethnic_category", pa.string(), nullable=False))
        return pa.schema(fields)

    @cached_property
    def _age_bands(self) -> tuple[IntArray, IntArray]:
        bands = self.model.scenario.age_bands
        lo = np.array([b.lo for b in bands], dtype=np.int64)
        width = np.array([b.hi - b.lo for b in bands], dtype=np.int64)
        return lo, width

    def draw(self, k: int, n: int) -> Draws:
        """The covariates and outcome draws of the first ``n`` rows of block ``k``."""
        m = self.model
        t = self._tables
        rng = np.random.default_rng(seed_sequence(m.seed, m.scenario.name, 1, k))
        # Row-major (n, K): row i always uses the same K numbers, whatever n is.
        u = rng.random((n, _N_COVARIATE_DRAWS + len(m.scenario.outcomes)))

        day = _draw(t["day"], u[:, _U_DAY])
        site = _draw(t["site"], u[:, _U_SITE])
        decile = _draw_conditional(t["decile"], site, u[:, _U_DECILE])
        ethnic = _draw_conditional(t["ethnic"], site * 10 + decile, u[:, _U_ETHNIC])
        not_english = (u[:, _U_LANGUAGE] >= m.english_p[ethnic]).astype(np.int64)
        band = _draw(t["band"], u[:, _U_BAND])
        lo, width = self._age_bands
        age = lo[band] + np.minimum((u[:, _U_AGE] * width[band]).astype(np.int64), width[band] - 1)

        _, offset, count = self._variants
        variant = offset[ethnic] + np.minimum(
            (u[:, _U_VARIANT] * count[ethnic]).astype(np.int64), count[ethnic] - 1
        )
        month = m.calendar.month_index[day].astype(np.int64)
        return Draws(
            day=day,
            site=site,
            decile=decile,
            ethnic=ethnic,
            raw_ethnic=np.where(u[:, _U_INJECT] < FREE_TEXT_SHARE, variant, ethnic),
            not_english=not_english,
            age=age,
            sex=_draw(t["sex"], u[:, _U_SEX]),
            cell=np.ravel_multi_index((month, site, decile, ethnic, not_english, band), m.shape),
            outcome_u=u[:, _N_COVARIATE_DRAWS:],
        )

    def _lsoa_index(self, k: int, decile: IntArray) -> IntArray:
        """Each row's LSOA: uniform among its decile's LSOAs, from a stream of its own."""
        assert self.lsoa is not None
        m = self.model
        rng = np.random.default_rng(seed_sequence(m.seed, m.scenario.name, 2, k))
        n_in = self.lsoa.count[decile]
        pick = np.minimum((rng.random(decile.size) * n_in).astype(np.int64), n_in - 1)
        return self.lsoa.start[decile] + pick

    def block(self, k: int, n: int) -> pa.Table:
        """The first ``n`` rows (n <= BLOCK_ROWS) of block ``k`` as an Arrow table."""
        m = self.model
        r = self.draw(k, n)
        d = self._dictionaries
        columns: dict[str, pa.Array] = {
            "event_date": pa.array(m.calendar.days[r.day], type=pa.int32()).cast(pa.date32()),
            "site": _take(d["site"], r.site),
            "imd_decile": pa.array((r.decile + 1).astype(np.int8)),
        }
        if self.lsoa is not None:
            columns["lsoa_code"] = _take(d["lsoa"], self._lsoa_index(k, r.decile))
        columns["ethnic_category"] = _take(self._variants[0], r.raw_ethnic)
        columns["age"] = pa.array(r.age.astype(np.int16))
        columns["sex"] = _take(d["sex"], r.sex)
        columns["main_language_english"] = pa.array(r.not_english == 0)
        for j, o in enumerate(m.scenario.outcomes):
            expected, eta = self._flat_outcomes[o.column]
            u = r.outcome_u[:, j]
            if o.measure == "proportion":
                columns[o.column] = pa.array((u < expected[r.cell]).astype(np.int8))
            else:  # log-normal: median exp(eta), inverse-normal of the row's uniform
                z = ndtri(np.clip(u, 1e-300, None))
                columns[o.column] = pa.array(np.exp(eta[r.cell] + o.sigma * z))
        if self.with_truth:
            for o in m.scenario.outcomes:
                columns[f"true_{o.column}"] = pa.array(self._flat_outcomes[o.column][0][r.cell])
            columns["true_ethnic_category"] = _take(d["code"], r.ethnic)
        return pa.Table.from_pydict(columns, schema=self.schema)

    def chunks(self, n_rows: int, chunk_rows: int) -> Iterator[pa.Table]:
        """Rows 0..n_rows-1 as tables of ``chunk_rows`` rows (the last may be shorter)."""
        cached: tuple[int, pa.Table] | None = None
        for start in range(0, n_rows, chunk_rows):
            stop = min(start + chunk_rows, n_rows)
            pieces: list[pa.Table] = []
            for k in range(start // BLOCK_ROWS, (stop - 1) // BLOCK_ROWS + 1):
                if cached is None or cached[0] != k:
                    size = min(BLOCK_ROWS, n_rows - k * BLOCK_ROWS)
                    cached = (k, self.block(k, size))
                first = max(start - k * BLOCK_ROWS, 0)
                last = min(stop - k * BLOCK_ROWS, BLOCK_ROWS)
                pieces.append(cached[1].slice(first, last - first))
            yield pieces[0] if len(pieces) == 1 else pa.concat_tables(pieces)


def to_pandas(table: pa.Table) -> pd.DataFrame:
    """The frame ``generate`` returns: event_date as datetime64 (midnight), strings as str."""
    return table.to_pandas(date_as_object=False)
