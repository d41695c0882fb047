"""The true expected values of a synthetic scenario, computed from the model, not the sample.

"Expected" means the expectation of the outcome for a row drawn at random from the stated
group and period, under the generative model for the given seed:

    E[y | group, period] = sum over cells in (group, period) of w(cell) * mu(cell)
                           / sum over cells in (group, period) of w(cell)

where ``w`` is the cell probability (the month's share of volume times the population mix:
site, IMD decile, ethnic category, language, age band) and ``mu`` is the cell's probability
(proportions) or mean (log-normal means). The month-to-month noise is *included exactly*: it
is drawn once per seed before any row, so it is part of the model, and the truth for a seed
uses the realised values (``month_effects``; centred within each year, so they move single
months but not the yearly level). Seasonality is included too; both periods are whole
calendar years, so it does not bias the before/after comparison. Rows are independent,
so the sample proportion of a group in a period is an unbiased estimate of this value with
standard error sqrt(p (1 - p) / n).

The gap is quintile 1 (most deprived, deciles 1-2) minus quintile 5 (least deprived, deciles
9-10), as in the NHS England Core20 framing. A gap *widens* when its absolute value grows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from equalqi.synthetic.calendar import END, N_MONTHS, START
from equalqi.synthetic.model import CompiledModel, FloatArray
from equalqi.synthetic.population import (
    ETHNIC_CODES,
    ETHNICITY_FREE_TEXT,
    FREE_TEXT_SHARE,
)
from equalqi.synthetic.scenarios import OutcomeModel

AVERAGING = (
    "Expected values average the model's per-row expectation over the population mix of "
    "each period (month share of volume x site x IMD decile x ethnic category x language x "
    "age band), including the realised month-to-month effects for this seed and the "
    "seasonality; 'before' is 2023-01-01..2023-12-31, 'after' is 2024-01-01..2024-12-31. "
    "Quintile q covers IMD deciles 2q-1 and 2q; gap = quintile 1 - quintile 5."
)


@dataclass(frozen=True)
class Truth:
    """What a correct analysis of the scenario's outcome should find.

    Values are proportions (0-1) for proportion measures and means (in ``unit``) for mean
    measures. ``secondary`` holds the truth for the scenario's other outcome columns.
    """

    scenario: str
    outcome: str
    measure: str  # "proportion" | "mean"
    unit: str
    improvement: str  # "increase" | "decrease": which direction is better
    intervention_date: dt.date
    start: dt.date
    end: dt.date
    gap_change_direction: str  # "widens" | "narrows" | "none"
    overall_change_direction: str  # "improves" | "none"
    overall_before: float
    overall_after: float
    quintile_before: dict[int, float]
    quintile_after: dict[int, float]
    decile_before: dict[int, float]
    decile_after: dict[int, float]
    gap_before: float
    gap_after: float
    gap_change: float
    monthly: dict[str, float]  # "2023-01" -> expected overall value
    monthly_quintile: dict[str, dict[int, float]]
    month_effects: dict[str, float]  # realised month noise on the link scale
    model: dict[str, Any]  # the coefficients that give every row's expected value
    population: dict[str, dict[str, float]]  # expected shares of each group
    injected_ethnicity: dict[str, str]  # raw value written in place of a code -> that code
    injection_rate: float
    truth_column: str  # optional column with each row's true expected value
    seed: int
    averaging: str = AVERAGING
    secondary: tuple[Truth, ...] = field(default_factory=tuple)

    @property
    def overall_change(self) -> float:
        return self.overall_after - self.overall_before

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values (dates as ISO text, group keys as text)."""

        def keyed(d: dict[int, float]) -> dict[str, float]:
            return {str(k): v for k, v in d.items()}

        return {
            "scenario": self.scenario,
            "outcome": self.outcome,
            "measure": self.measure,
            "unit": self.unit,
            "improvement": self.improvement,
            "intervention_date": self.intervention_date.isoformat(),
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "gap_change_direction": self.gap_change_direction,
            "overall_change_direction": self.overall_change_direction,
            "overall_before": self.overall_before,
            "overall_after": self.overall_after,
            "overall_change": self.overall_change,
            "quintile_before": keyed(self.quintile_before),
            "quintile_after": keyed(self.quintile_after),
            "decile_before": keyed(self.decile_before),
            "decile_after": keyed(self.decile_after),
            "gap_before": self.gap_before,
            "gap_after": self.gap_after,
            "gap_change": self.gap_change,
            "monthly": dict(self.monthly),
            "monthly_quintile": {m: keyed(v) for m, v in self.monthly_quintile.items()},
            "month_effects": dict(self.month_effects),
            "model": self.model,
            "population": {k: dict(v) for k, v in self.population.items()},
            "injected_ethnicity": dict(self.injected_ethnicity),
            "injection_rate": self.injection_rate,
            "truth_column": self.truth_column,
            "seed": self.seed,
            "averaging": self.averaging,
            "secondary": [s.to_dict() for s in self.secondary],
        }

    def to_frame(self) -> pd.DataFrame:
        """Tidy expected values: period, dimension, group, expected (this outcome only)."""
        rows: list[tuple[str, str, str, float]] = [
            ("before", "overall", "overall", self.overall_before),
            ("after", "overall", "overall", self.overall_after),
        ]
        for label, by_q, by_d in (
            ("before", self.quintile_before, self.decile_before),
            ("after", self.quintile_after, self.decile_after),
        ):
            rows += [(label, "imd_quintile", str(q), v) for q, v in by_q.items()]
            rows += [(label, "imd_decile", str(d), v) for d, v in by_d.items()]
            rows.append((label, "gap_q1_minus_q5", "gap", by_q[1] - by_q[5]))
        for month, value in self.monthly.items():
            rows.append((month, "overall", "overall", value))
            rows += [
                (month, "imd_quintile", str(q), v) for q, v in self.monthly_quintile[month].items()
            ]
        frame = pd.DataFrame(rows, columns=["period", "dimension", "group", "expected"])
        frame.insert(0, "outcome", self.outcome)
        frame.insert(0, "scenario", self.scenario)
        return frame


def _population(model: CompiledModel) -> dict[str, dict[str, float]]:
    w = model.cell_weight
    by_decile = w.sum(axis=(0, 1, 3, 4, 5))
    return {
        "site": {
            s.name: float(v)
            for s, v in zip(model.scenario.sites, w.sum(axis=(0, 2, 3, 4, 5)), strict=True)
        },
        "imd_decile": {str(d + 1): float(v) for d, v in enumerate(by_decile)},
        "imd_quintile": {
            str(q + 1): float(v) for q, v in enumerate(by_decile.reshape(5, 2).sum(axis=1))
        },
        "ethnic_category": {
            c: float(v) for c, v in zip(ETHNIC_CODES, w.sum(axis=(0, 1, 2, 4, 5)), strict=True)
        },
        "main_language_english": {
            "True": float(w[:, :, :, :, 0, :].sum()),
            "False": float(w[:, :, :, :, 1, :].sum()),
        },
        "age_band": {
            f"{b.lo}-{b.hi - 1}": float(v)
            for b, v in zip(model.scenario.age_bands, model.band_p, strict=True)
        },
        "sex": dict(zip(("F", "M", "U"), map(float, model.sex_p), strict=True)),
        "month": dict(
            zip(model.calendar.month_labels, map(float, model.calendar.month_share), strict=True)
        ),
    }


def _coefficients(outcome: OutcomeModel, model: CompiledModel) -> dict[str, Any]:
    scenario = model.scenario
    return {
        "link": "logit" if outcome.measure == "proportion" else "log (log-normal)",
        "intercept": outcome.intercept,
        "imd_decile": {str(d + 1): v for d, v in enumerate(outcome.decile)},
        "ethnic_category": {c: outcome.ethnicity.get(c, 0.0) for c in ETHNIC_CODES},
        "main_language_not_english": outcome.not_english,
        "age_band": {
            f"{b.lo}-{b.hi - 1}": (outcome.age[i] if i < len(outcome.age) else 0.0)
            for i, b in enumerate(scenario.age_bands)
        },
        "site": {
            s.name: (outcome.site[i] if i < len(outcome.site) else 0.0)
            for i, s in enumerate(scenario.sites)
        },
        "seasonal_amplitude": outcome.seasonal_amplitude,
        "seasonal_peak_month": outcome.seasonal_peak_month,
        "month_sd": outcome.month_sd,
        "after_intervention_by_imd_decile": {
            str(d + 1): v for d, v in enumerate(outcome.post_decile)
        },
        "after_intervention_main_language_not_english": outcome.post_not_english,
        "sigma": outcome.sigma,
    }


def _outcome_truth(model: CompiledModel, outcome: OutcomeModel) -> Truth:
    w = model.cell_weight
    mu = model.expected[outcome.column]
    labels = model.calendar.month_labels
    # Collapse everything but (month, decile) once; the rest are sums of this small table.
    wm = w.sum(axis=(1, 3, 4, 5))  # (24, 10)
    num = (w * mu).sum(axis=(1, 3, 4, 5))  # (24, 10)
    halves = {"before": slice(0, 12), "after": slice(12, N_MONTHS)}

    def ratio(n: FloatArray, d: FloatArray) -> FloatArray:
        return np.asarray(n / d, dtype=np.float64)

    overall = {k: float(num[s].sum() / wm[s].sum()) for k, s in halves.items()}
    decile = {k: ratio(num[s].sum(axis=0), wm[s].sum(axis=0)) for k, s in halves.items()}
    quint = {
        k: ratio(
            num[s].sum(axis=0).reshape(5, 2).sum(axis=1),
            wm[s].sum(axis=0).reshape(5, 2).sum(axis=1),
        )
        for k, s in halves.items()
    }
    monthly = ratio(num.sum(axis=1), wm.sum(axis=1))
    monthly_q = ratio(
        num.reshape(N_MONTHS, 5, 2).sum(axis=2), wm.reshape(N_MONTHS, 5, 2).sum(axis=2)
    )
    gap_before = float(quint["before"][0] - quint["before"][4])
    gap_after = float(quint["after"][0] - quint["after"][4])
    injected = {raw: code for code, raws in ETHNICITY_FREE_TEXT.items() for raw in raws}
    return Truth(
        scenario=model.scenario.name,
        outcome=outcome.column,
        measure=outcome.measure,
        unit=outcome.unit,
        improvement=outcome.improvement,
        intervention_date=model.scenario.intervention_date,
        start=START,
        end=END,
        gap_change_direction=outcome.gap_change,
        overall_change_direction=outcome.overall_change,
        overall_before=overall["before"],
        overall_after=overall["after"],
        quintile_before={q + 1: float(v) for q, v in enumerate(quint["before"])},
        quintile_after={q + 1: float(v) for q, v in enumerate(quint["after"])},
        decile_before={d + 1: float(v) for d, v in enumerate(decile["before"])},
        decile_after={d + 1: float(v) for d, v in enumerate(decile["after"])},
        gap_before=gap_before,
        gap_after=gap_after,
        gap_change=gap_after - gap_before,
        monthly=dict(zip(labels, map(float, monthly), strict=True)),
        monthly_quintile={
            m: {q + 1: float(v) for q, v in enumerate(row)}
            for m, row in zip(labels, monthly_q, strict=True)
        },
        month_effects=dict(
            zip(labels, map(float, model.month_effects[outcome.column]), strict=True)
        ),
        model=_coefficients(outcome, model),
        population=_population(model),
        injected_ethnicity=injected,
        injection_rate=FREE_TEXT_SHARE,
        truth_column=f"true_{outcome.column}",
        seed=model.seed,
    )


def compute_truth(model: CompiledModel) -> Truth:
    """The analytic truth of every outcome of ``model``; the first is the primary."""
    truths = [_outcome_truth(model, o) for o in model.scenario.outcomes]
    primary = truths[0]
    if len(truths) == 1:
        return primary
    return replace(primary, secondary=tuple(truths[1:]))
