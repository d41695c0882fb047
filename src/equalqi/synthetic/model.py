"""A scenario compiled for one seed: every distribution and expected outcome as a table.

The generator and the analytic truth read the same tables, which is what makes the truth
exact. Covariates are discrete apart from age within its band and the day within its month,
and the outcome depends only on the cell

    (month m, site s, IMD decile d, ethnic category e, language l, age band b)

so the expected outcome of every row is ``expected[column][m, s, d, e, l, b]`` and the
expected value over any subgroup is the average of that table weighted by the cell
probabilities ``month_share[m] * P(s) P(d|s) P(e|s,d) P(l|e) P(b)`` (l = 0: English is the
main language, l = 1: it is not).

Random numbers: one :class:`numpy.random.SeedSequence` per seed and scenario; the month
effects come from child ``(salt, 0)``, row block ``k`` from child ``(salt, 1, k)`` and its
LSOA draws from ``(salt, 2, k)``. So the rows do not depend on how they are chunked, and
adding LSOA codes does not change any other column.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt
from scipy.special import expit

from equalqi.synthetic.calendar import N_MONTHS, Calendar, build_calendar
from equalqi.synthetic.population import (
    ETHNIC_CODES,
    N_ETHNIC,
    decile_probabilities,
    english_probabilities,
    ethnic_probabilities,
    site_probabilities,
)
from equalqi.synthetic.scenarios import OutcomeModel, Scenario

FloatArray = npt.NDArray[np.float64]


def scenario_salt(name: str) -> int:
    """A stable 32-bit number for the scenario, so scenarios with one seed differ."""
    return zlib.crc32(name.encode("utf-8"))


def seed_sequence(seed: int, name: str, *key: int) -> np.random.SeedSequence:
    """The seed sequence for one stream of a scenario (see the module docstring)."""
    return np.random.SeedSequence(seed, spawn_key=(scenario_salt(name), *key))


def _padded(values: tuple[float, ...], n: int) -> FloatArray:
    out = np.zeros(n, dtype=np.float64)
    out[: len(values)] = values
    return out


@dataclass(frozen=True)
class CompiledModel:
    """Distributions and expected outcomes of a scenario for one seed."""

    scenario: Scenario
    seed: int

    @cached_property
    def calendar(self) -> Calendar:
        return build_calendar(self.scenario.weekday_weight, self.scenario.month_weight)

    @cached_property
    def site_p(self) -> FloatArray:
        return site_probabilities(self.scenario.sites)

    @cached_property
    def decile_p(self) -> FloatArray:
        return decile_probabilities(self.scenario.sites)

    @cached_property
    def ethnic_p(self) -> FloatArray:
        return ethnic_probabilities(self.scenario.sites)

    @cached_property
    def english_p(self) -> FloatArray:
        return english_probabilities()

    @cached_property
    def band_p(self) -> FloatArray:
        share = np.array([b.share for b in self.scenario.age_bands], dtype=np.float64)
        return share / share.sum()

    @cached_property
    def sex_p(self) -> FloatArray:
        share = np.asarray(self.scenario.sex_share, dtype=np.float64)
        return share / share.sum()

    @property
    def shape(self) -> tuple[int, int, int, int, int, int]:
        """(months, sites, deciles, ethnic categories, languages, age bands)."""
        return (
            N_MONTHS,
            len(self.scenario.sites),
            10,
            N_ETHNIC,
            2,
            len(self.scenario.age_bands),
        )

    @cached_property
    def month_effects(self) -> dict[str, FloatArray]:
        """The realised month-to-month random effect of each outcome, shape (24,).

        Drawn Normal(0, month_sd^2), then centred within each year (weighted by the months'
        share of volume), so the noise moves single months but not the before/after
        comparison on the link scale: a planted "no change" stays no change.
        """
        rng = np.random.default_rng(seed_sequence(self.seed, self.scenario.name, 0))
        share = self.calendar.month_share.reshape(2, 12)
        out: dict[str, FloatArray] = {}
        for o in self.scenario.outcomes:
            u = rng.normal(0.0, o.month_sd, N_MONTHS).reshape(2, 12)
            mean = (u * share).sum(axis=1, keepdims=True) / share.sum(axis=1, keepdims=True)
            out[o.column] = (u - mean).ravel()
        return out

    @cached_property
    def cell_weight(self) -> FloatArray:
        """Joint probability of each cell, shape :attr:`shape`; sums to 1."""
        lang = np.stack([self.english_p, 1.0 - self.english_p], axis=1)  # (E, 2)
        w = self.site_p[:, None, None] * self.decile_p[:, :, None] * self.ethnic_p  # (S, D, E)
        w = w[..., None] * lang[None, None, :, :]  # (S, D, E, 2)
        w = w[..., None] * self.band_p  # (S, D, E, 2, B)
        return self.calendar.month_share[:, None, None, None, None, None] * w[None]

    def linear_predictor(self, outcome: OutcomeModel) -> FloatArray:
        """eta for every cell, shape :attr:`shape` (see :mod:`equalqi.synthetic.scenarios`)."""
        _, n_sites, _, _, _, n_bands = self.shape
        decile = np.asarray(outcome.decile, dtype=np.float64)
        ethnic = np.array([outcome.ethnicity.get(c, 0.0) for c in ETHNIC_CODES])
        lang = np.array([0.0, 1.0])
        age = _padded(outcome.age, n_bands)
        site = _padded(outcome.site, n_sites)
        calendar_month = np.arange(N_MONTHS) % 12 + 1
        month = (
            outcome.seasonal_amplitude
            * np.cos(2.0 * np.pi * (calendar_month - outcome.seasonal_peak_month) / 12.0)
            + self.month_effects[outcome.column]
        )
        after = (np.arange(N_MONTHS) >= 12).astype(np.float64)
        post = np.asarray(outcome.post_decile, dtype=np.float64)[:, None] + (
            outcome.post_not_english * lang[None, :]
        )  # (D, 2)
        eta = (
            outcome.intercept
            + month[:, None, None, None, None, None]
            + site[None, :, None, None, None, None]
            + decile[None, None, :, None, None, None]
            + ethnic[None, None, None, :, None, None]
            + outcome.not_english * lang[None, None, None, None, :, None]
            + age[None, None, None, None, None, :]
            + after[:, None, None, None, None, None] * post[None, None, :, None, :, None]
        )
        return np.ascontiguousarray(eta, dtype=np.float64)

    @cached_property
    def eta(self) -> dict[str, FloatArray]:
        return {o.column: self.linear_predictor(o) for o in self.scenario.outcomes}

    @cached_property
    def expected(self) -> dict[str, FloatArray]:
        """Expected outcome of a row in each cell: a probability, or a mean (log-normal)."""
        out: dict[str, FloatArray] = {}
        for o in self.scenario.outcomes:
            eta = self.eta[o.column]
            if o.measure == "proportion":
                out[o.column] = expit(eta)
            else:
                out[o.column] = np.exp(eta + 0.5 * o.sigma**2)
        return out


def compile_scenario(scenario: Scenario, seed: int) -> CompiledModel:
    """Compile ``scenario`` for ``seed`` (cheap: a few hundred thousand cells at most)."""
    return CompiledModel(scenario=scenario, seed=seed)
