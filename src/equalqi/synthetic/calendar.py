"""The calendar of a synthetic scenario: 24 whole months with weekday and seasonal volume.

Activity in an NHS service is not flat over time. Outpatient clinics, screening and
discharges all run mainly on weekdays, fall away on bank holidays and dip in August and at
Christmas. A chart made from data without this rhythm looks wrong to anyone who has seen the
real thing, so each day gets a relative volume

    volume(day) = weekday_weight[day of week] * month_weight[calendar month]

with bank holidays in England treated as a Sunday. Events are spread over the days in
proportion to this volume; the share of each month follows from the same weights, which is
what the analytic truth averages over (see :mod:`equalqi.synthetic.expected`).

Source for the bank holidays: GOV.UK, "UK bank holidays" (England and Wales), 2023 and 2024,
including the extra holiday for the Coronation on 8 May 2023.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

START = dt.date(2023, 1, 1)
END = dt.date(2024, 12, 31)
INTERVENTION = dt.date(2024, 1, 1)  # month 13 of 24
N_MONTHS = 24

BANK_HOLIDAYS_ENGLAND: tuple[dt.date, ...] = (
    dt.date(2023, 1, 2),
    dt.date(2023, 4, 7),
    dt.date(2023, 4, 10),
    dt.date(2023, 5, 1),
    dt.date(2023, 5, 8),
    dt.date(2023, 5, 29),
    dt.date(2023, 8, 28),
    dt.date(2023, 12, 25),
    dt.date(2023, 12, 26),
    dt.date(2024, 1, 1),
    dt.date(2024, 3, 29),
    dt.date(2024, 4, 1),
    dt.date(2024, 5, 6),
    dt.date(2024, 5, 27),
    dt.date(2024, 8, 26),
    dt.date(2024, 12, 25),
    dt.date(2024, 12, 26),
)

_EPOCH = dt.date(1970, 1, 1)


@dataclass(frozen=True)
class Calendar:
    """Every day of the scenario with its relative volume and its month index (0-23)."""

    days: npt.NDArray[np.int32]  # days since 1970-01-01, as Arrow's date32 stores them
    month_index: npt.NDArray[np.int8]  # 0 = January 2023 ... 23 = December 2024
    weight: npt.NDArray[np.float64]  # relative volume of each day

    @property
    def day_cdf(self) -> npt.NDArray[np.float64]:
        """Cumulative share of events up to and including each day (last value exactly 1)."""
        cdf = np.cumsum(self.weight) / self.weight.sum()
        cdf[-1] = 1.0
        return cdf

    @property
    def month_share(self) -> npt.NDArray[np.float64]:
        """Expected share of all events that fall in each of the 24 months."""
        share = np.bincount(self.month_index, weights=self.weight, minlength=N_MONTHS)
        return share / share.sum()

    @property
    def month_labels(self) -> tuple[str, ...]:
        return tuple(f"{2023 + m // 12}-{m % 12 + 1:02d}" for m in range(N_MONTHS))


def build_calendar(weekday_weight: tuple[float, ...], month_weight: tuple[float, ...]) -> Calendar:
    """Relative daily volume from Monday-first weekday weights and January-first month weights."""
    first = (START - _EPOCH).days
    n_days = (END - START).days + 1
    days = np.arange(first, first + n_days, dtype=np.int32)
    weekday = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
    dates = days.astype("datetime64[D]")
    year = dates.astype("datetime64[Y]").astype(np.int64) + 1970
    month = dates.astype("datetime64[M]").astype(np.int64) % 12  # 0 = January
    holidays = np.array([(d - _EPOCH).days for d in BANK_HOLIDAYS_ENGLAND], dtype=np.int32)
    weekday = np.where(np.isin(days, holidays), 6, weekday)  # a bank holiday is a Sunday
    weight = (
        np.asarray(weekday_weight, dtype=np.float64)[weekday]
        * np.asarray(month_weight, dtype=np.float64)[month]
    )
    month_index = ((year - 2023) * 12 + month).astype(np.int8)
    return Calendar(days=days, month_index=month_index, weight=weight)
