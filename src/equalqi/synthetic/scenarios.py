"""The three synthetic QI scenarios and the generative model each one plants.

Each outcome is a generalised linear model on patient-level covariates, with the planted
intervention effect switched on from 1 January 2024 (month 13 of 24):

    proportion:  logit P(y = 1) = eta          (Bernoulli draw)
    mean:        log y ~ Normal(eta, sigma^2)  (log-normal: E[y] = exp(eta + sigma^2 / 2))

    eta = intercept + decile[d] + ethnicity[e] + not_english * (1 - english)
          + age[band] + site[s]
          + seasonal_amplitude * cos(2 pi (calendar_month - peak) / 12) + u[month]
          + after * (post_decile[d] + post_not_english * (1 - english))

with u[month] ~ Normal(0, month_sd^2) drawn once per seed and centred within each year
(month-to-month noise, so SPC charts look real, that leaves the yearly averages alone).
The coefficients were tuned so the headline figures of the brief hold (for example, DNA
about 12% overall, about 17% in decile 1 and 7% in decile 10); the exact expected values for
a seed are computed, not assumed, in :mod:`equalqi.synthetic.expected`.

Why these mechanisms: the realist review behind equalqi (Johnson et al., BMJ Qual Saf 2025,
doi:10.1136/bmjqs-2024-017386) describes digital interventions that help those who are
already online and fluent (so SMS reminders widen the gap) and targeted, values-led outreach
that reaches those left behind (so the gap narrows). ``no_change`` is the negative control.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from equalqi.synthetic.calendar import INTERVENTION
from equalqi.synthetic.population import Site

MeasureKind = Literal["proportion", "mean"]
Improvement = Literal["increase", "decrease"]
GapChange = Literal["widens", "narrows", "none"]
OverallChange = Literal["improves", "none"]


@dataclass(frozen=True)
class AgeBand:
    """Ages ``lo`` to ``hi - 1`` (uniform within the band) with the band's share of rows."""

    lo: int
    hi: int
    share: float


@dataclass(frozen=True)
class OutcomeModel:
    """One outcome column and its linear predictor (see the module docstring)."""

    column: str
    measure: MeasureKind
    improvement: Improvement
    description: str
    intercept: float
    decile: tuple[float, ...]  # effect for IMD deciles 1..10
    gap_change: GapChange  # what the intervention does to the quintile 1 vs 5 gap
    overall_change: OverallChange
    ethnicity: Mapping[str, float] = field(default_factory=dict)  # codes not listed: 0
    not_english: float = 0.0
    age: tuple[float, ...] = ()  # per age band of the scenario; empty = no age effect
    site: tuple[float, ...] = ()  # per site; empty = no site effect
    seasonal_amplitude: float = 0.0
    seasonal_peak_month: int = 1  # calendar month (1-12) of the seasonal maximum
    month_sd: float = 0.03  # sd of the month-to-month random effect
    post_decile: tuple[float, ...] = (0.0,) * 10  # intervention effect by decile
    post_not_english: float = 0.0  # extra intervention effect if English is not main language
    sigma: float = 0.0  # residual sd of log(y) for mean measures
    unit: str = "proportion"


@dataclass(frozen=True)
class Scenario:
    """A synthetic QI project: who is seen, when, and what the intervention does."""

    name: str
    title: str
    description: str
    setting: str
    sites: tuple[Site, ...]
    age_bands: tuple[AgeBand, ...]
    sex_share: tuple[float, float, float]  # F, M, U
    weekday_weight: tuple[float, ...]  # Monday .. Sunday (bank holidays count as Sunday)
    month_weight: tuple[float, ...]  # January .. December
    outcomes: tuple[OutcomeModel, ...]
    intervention_date: dt.date = INTERVENTION

    @property
    def outcome(self) -> OutcomeModel:
        """The primary outcome (the first one)."""
        return self.outcomes[0]


_SOUTH_ASIAN = ("H", "J", "K", "L")
_BLACK = ("D", "E", "M", "N", "P")


def _times(codes: tuple[str, ...], factor: float) -> dict[str, float]:
    return dict.fromkeys(codes, factor)


HOSPITAL_SITES: tuple[Site, ...] = (
    Site(
        "Northgate General Hospital",
        0.35,
        (0.24, 0.18, 0.14, 0.11, 0.09, 0.07, 0.06, 0.05, 0.03, 0.03),
        _times(_SOUTH_ASIAN, 1.6),
    ),
    Site(
        "Riverside Hospital",
        0.30,
        (0.12, 0.13, 0.12, 0.11, 0.10, 0.10, 0.09, 0.09, 0.07, 0.07),
        _times(_BLACK, 1.7),
    ),
    Site(
        "Eastfield Community Hospital",
        0.20,
        (0.14, 0.12, 0.11, 0.10, 0.10, 0.10, 0.09, 0.08, 0.08, 0.08),
        {"C": 1.8},
    ),
    Site(
        "Westbrook Treatment Centre",
        0.15,
        (0.03, 0.04, 0.06, 0.08, 0.10, 0.12, 0.13, 0.14, 0.15, 0.15),
        {"A": 1.2, "H": 1.4, "R": 1.5},
    ),
)

PRACTICES: tuple[Site, ...] = (
    Site(
        "Canal Street Medical Practice",
        0.24,
        (0.30, 0.22, 0.14, 0.10, 0.08, 0.06, 0.04, 0.03, 0.02, 0.01),
        _times(_SOUTH_ASIAN, 1.9),
    ),
    Site(
        "Market Square Surgery",
        0.22,
        (0.16, 0.16, 0.14, 0.12, 0.10, 0.09, 0.08, 0.06, 0.05, 0.04),
        _times(_BLACK, 1.8),
    ),
    Site(
        "Park View Health Centre",
        0.20,
        (0.12, 0.12, 0.12, 0.11, 0.11, 0.10, 0.09, 0.09, 0.07, 0.07),
        {"C": 1.6},
    ),
    Site(
        "Hillside Family Practice",
        0.18,
        (0.06, 0.07, 0.08, 0.10, 0.11, 0.12, 0.12, 0.12, 0.11, 0.11),
        {},
    ),
    Site(
        "Oakwood Village Surgery",
        0.16,
        (0.02, 0.03, 0.05, 0.07, 0.09, 0.11, 0.13, 0.15, 0.17, 0.18),
        {"A": 1.3},
    ),
)

_OUTPATIENT_WEEK = (1.05, 1.02, 1.0, 1.0, 0.93, 0.12, 0.05)
_PRACTICE_WEEK = (1.08, 1.02, 1.0, 0.98, 0.92, 0.22, 0.04)
_DISCHARGE_WEEK = (0.95, 1.02, 1.05, 1.08, 1.12, 0.62, 0.50)
_ELECTIVE_MONTHS = (1.0, 1.02, 1.04, 0.97, 1.0, 1.02, 1.0, 0.9, 1.02, 1.04, 1.03, 0.88)
_SCREENING_MONTHS = (1.02, 1.03, 1.05, 1.0, 1.0, 0.98, 0.96, 0.9, 1.0, 1.04, 1.05, 0.85)
_EMERGENCY_MONTHS = (1.08, 1.03, 1.02, 0.98, 0.97, 0.96, 0.97, 0.95, 0.97, 1.0, 1.03, 1.06)

DNA_SMS = Scenario(
    name="dna_sms",
    title="SMS reminders to reduce missed outpatient appointments",
    description=(
        "Outpatient appointments at four hospital sites. From 1 January 2024 every patient "
        "with a mobile number gets an SMS reminder. DNA (did not attend) falls overall, but "
        "much less in the most deprived areas and for people whose main language is not "
        "English, so the deprivation gap widens."
    ),
    setting="outpatients",
    sites=HOSPITAL_SITES,
    age_bands=(
        AgeBand(0, 5, 0.04),
        AgeBand(5, 18, 0.09),
        AgeBand(18, 30, 0.13),
        AgeBand(30, 45, 0.17),
        AgeBand(45, 60, 0.20),
        AgeBand(60, 75, 0.21),
        AgeBand(75, 90, 0.14),
        AgeBand(90, 101, 0.02),
    ),
    sex_share=(0.55, 0.447, 0.003),
    weekday_weight=_OUTPATIENT_WEEK,
    month_weight=_ELECTIVE_MONTHS,
    outcomes=(
        OutcomeModel(
            column="dna",
            measure="proportion",
            improvement="decrease",
            description="1 = did not attend the outpatient appointment",
            intercept=-2.27,
            decile=(0.60, 0.47, 0.35, 0.25, 0.15, 0.05, -0.05, -0.15, -0.25, -0.34),
            ethnicity={"Z": 0.10, "99": 0.15},
            not_english=0.40,
            age=(-0.30, 0.0, 0.45, 0.25, 0.0, -0.25, -0.35, -0.20),
            site=(0.05, 0.0, 0.0, -0.10),
            seasonal_amplitude=0.05,
            seasonal_peak_month=12,
            post_decile=(-0.08, -0.12, -0.44, -0.45, -0.46, -0.48, -0.49, -0.50, -0.50, -0.50),
            post_not_english=0.36,
            gap_change="widens",
            overall_change="improves",
        ),
    ),
)

SCREENING_OUTREACH = Scenario(
    name="screening_outreach",
    title="Targeted outreach to raise bowel screening uptake in the most deprived areas",
    description=(
        "People aged 50-74 invited for bowel cancer screening, registered at five practices. "
        "From 1 January 2024 community link workers phone and visit people in IMD deciles "
        "1-2 who have not returned their kit, with translated materials. Uptake rises a lot "
        "there and a little elsewhere, so the deprivation gap narrows."
    ),
    setting="screening",
    sites=PRACTICES,
    age_bands=(AgeBand(50, 60, 0.45), AgeBand(60, 70, 0.38), AgeBand(70, 75, 0.17)),
    sex_share=(0.51, 0.487, 0.003),
    weekday_weight=_PRACTICE_WEEK,
    month_weight=_SCREENING_MONTHS,
    outcomes=(
        OutcomeModel(
            column="screened",
            measure="proportion",
            improvement="increase",
            description="1 = returned a screening kit within six months of invitation",
            intercept=0.93,
            decile=(-0.50, -0.38, -0.26, -0.16, -0.06, 0.04, 0.12, 0.20, 0.27, 0.33),
            ethnicity={
                "C": -0.35,
                "H": -0.20,
                "J": -0.45,
                "K": -0.50,
                "L": -0.25,
                "M": -0.25,
                "N": -0.40,
                "P": -0.30,
                "R": -0.35,
                "S": -0.30,
                "Z": -0.25,
                "99": -0.35,
            },
            not_english=-0.30,
            age=(-0.10, 0.10, 0.05),
            site=(0.0, 0.0, 0.05, 0.0, 0.05),
            seasonal_amplitude=0.04,
            seasonal_peak_month=3,
            post_decile=(0.44, 0.40, 0.07, 0.07, 0.07, 0.07, 0.07, 0.07, 0.07, 0.07),
            post_not_english=0.05,
            gap_change="narrows",
            overall_change="improves",
        ),
    ),
)

NO_CHANGE = Scenario(
    name="no_change",
    title="Discharge summaries sent within 24 hours (negative control)",
    description=(
        "Inpatient discharges at four hospital sites. A stable deprivation gradient in "
        "discharge summaries sent within 24 hours and in length of stay, and no change at all "
        "at 1 January 2024: any 'effect' an analysis finds is noise."
    ),
    setting="inpatients",
    sites=HOSPITAL_SITES,
    age_bands=(
        AgeBand(0, 18, 0.08),
        AgeBand(18, 40, 0.15),
        AgeBand(40, 65, 0.25),
        AgeBand(65, 80, 0.30),
        AgeBand(80, 101, 0.22),
    ),
    sex_share=(0.52, 0.477, 0.003),
    weekday_weight=_DISCHARGE_WEEK,
    month_weight=_EMERGENCY_MONTHS,
    outcomes=(
        OutcomeModel(
            column="on_time",
            measure="proportion",
            improvement="increase",
            description="1 = discharge summary sent to the GP within 24 hours",
            intercept=1.45,
            decile=(-0.30, -0.24, -0.17, -0.11, -0.05, 0.01, 0.07, 0.13, 0.18, 0.23),
            not_english=-0.15,
            age=(0.10, 0.05, 0.0, -0.05, -0.15),
            site=(-0.10, 0.05, 0.0, 0.15),
            seasonal_amplitude=0.05,
            seasonal_peak_month=7,
            gap_change="none",
            overall_change="none",
        ),
        OutcomeModel(
            column="length_of_stay",
            measure="mean",
            improvement="decrease",
            description="length of stay in days (log-normal, right-skewed)",
            intercept=0.95,
            decile=(0.10, 0.08, 0.06, 0.04, 0.02, 0.0, -0.02, -0.04, -0.06, -0.08),
            not_english=0.05,
            age=(-0.60, -0.40, 0.0, 0.30, 0.55),
            site=(0.05, 0.0, 0.0, -0.05),
            seasonal_amplitude=0.04,
            seasonal_peak_month=1,
            month_sd=0.02,
            sigma=0.85,
            gap_change="none",
            overall_change="none",
            unit="days",
        ),
    ),
)

SCENARIOS: dict[str, Scenario] = {s.name: s for s in (DNA_SMS, SCREENING_OUTREACH, NO_CHANGE)}
