"""Which regression model fits which measure, on which scale.

The family follows the measure (Lopez Bernal, Cummins & Gasparrini 2017, Int J Epidemiol
46(1):348-355, step 4): binomial for proportions, Poisson with the denominator as exposure
for rates, Gaussian (linear) for means. The link follows the *scale* on which the gap is
judged:

* ``absolute`` (default): identity link, so every coefficient is a difference in the
  measure's own units and the group x period interaction is the change in the gap
  (disadvantaged minus advantaged). A logistic or log-linear model cannot give that: its
  interaction is a change in a *ratio*, and a ratio gap and a difference gap can move in
  opposite directions (which is why WHO HEAT reports both D and R).
* ``relative``: the canonical link, logit for proportions (odds ratios, "logistic for
  proportions"), log for rates (rate ratios; equivalent to Poisson with offset
  log(denominator)) and log for means (ratio of means).

Each period contributes its value ``numerator / denominator`` with ``var_weights`` equal to
the denominator. For the binomial and Poisson families this gives exactly the same estimating
equations as modelling the counts (events out of trials, or events with offset
log(person-time)); for means it is weighted least squares with weights = records, so the
pooled mean of a phase is sum(numerator) / sum(denominator) for every kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, cast

import numpy as np
import statsmodels.api as sm
from numpy.typing import NDArray

Kind = Literal["proportion", "rate", "mean"]
Scale = Literal["absolute", "relative"]
Improvement = Literal["increase", "decrease"]
Errors = Literal["ar1", "newey-west", "glsar", "model"]

KINDS: tuple[str, ...] = ("proportion", "rate", "mean")
SCALES: tuple[str, ...] = ("absolute", "relative")
IMPROVEMENTS: tuple[str, ...] = ("increase", "decrease", "neutral")
ERRORS: tuple[str, ...] = ("ar1", "newey-west", "glsar", "model")


def resolve_errors(errors: str | None, hac_lags: int | None) -> str:
    """The error model: as given, else Newey-West if lags were given, else AR(1)."""
    if errors is not None:
        return errors
    return "newey-west" if hac_lags is not None else "ar1"


Arr = NDArray[np.float64]

_FAMILY = {"proportion": "binomial", "rate": "Poisson", "mean": "Gaussian"}
_RATIO = {"proportion": "odds ratio", "rate": "rate ratio", "mean": "ratio of means"}


@dataclass(frozen=True)
class ModelSpec:
    """The GLM for one kind of measure on one scale."""

    kind: Kind
    scale: Scale

    @classmethod
    def of(cls, kind: str, scale: str) -> ModelSpec:
        """From validated strings (see :func:`equalqi.impact.validate.check_options`)."""
        return cls(cast(Kind, kind), cast(Scale, scale))

    @property
    def family_name(self) -> str:
        return _FAMILY[self.kind]

    @property
    def link_name(self) -> str:
        if self.scale == "absolute":
            return "identity"
        return "logit" if self.kind == "proportion" else "log"

    @property
    def ratio_name(self) -> str:
        """What a contrast is on the relative scale (exp of a link-scale difference)."""
        return _RATIO[self.kind]

    @property
    def contrast_name(self) -> str:
        return "difference" if self.scale == "absolute" else self.ratio_name

    def description(self) -> str:
        weights = "records" if self.kind == "mean" else "denominator"
        extra = ", exposure = denominator" if self.kind == "rate" else ""
        return f"GLM {self.family_name}, {self.link_name} link{extra}, weights = {weights}"

    def family(self) -> sm.families.Family:
        links = sm.families.links
        link: sm.families.links.Link
        if self.link_name == "identity":
            link = links.Identity()
        elif self.link_name == "logit":
            link = links.Logit()
        else:
            link = links.Log()
        if self.kind == "proportion":
            return sm.families.Binomial(link=link)
        if self.kind == "rate":
            return sm.families.Poisson(link=link)
        return sm.families.Gaussian(link=link)

    # ---- transforms between the measure and the model's linear predictor

    def link(self, mu: Arr) -> Arr:
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.link_name == "identity":
                return np.asarray(mu, dtype=float)
            if self.link_name == "logit":
                return np.log(mu / (1.0 - mu))
            return np.log(mu)

    def inverse(self, eta: Arr) -> Arr:
        eta = np.asarray(eta, dtype=float)
        if self.link_name == "identity":
            return eta
        if self.link_name == "logit":
            return 1.0 / (1.0 + np.exp(-eta))
        return np.exp(eta)

    def variance(self, mu: Arr) -> Arr:
        """Variance function V(mu) of the family (per unit weight)."""
        mu = np.asarray(mu, dtype=float)
        if self.kind == "proportion":
            return mu * (1.0 - mu)
        if self.kind == "rate":
            return mu
        return np.ones_like(mu)

    def in_domain(self, mu: Arr) -> bool:
        mu = np.asarray(mu, dtype=float)
        if not np.all(np.isfinite(mu)):
            return False
        if self.kind == "proportion":
            return bool(np.all((mu > 0) & (mu < 1)))
        if self.kind == "rate":
            return bool(np.all(mu > 0))
        return True
