"""Standard populations for direct age standardisation.

The European Standard Population 2013 (ESP2013) is the standard used for directly
standardised rates in England since 2014 (Eurostat. Revision of the European Standard
Population: report of Eurostat's task force. Luxembourg: Publications Office of the
European Union; 2013). 19 five-year bands, 0-4 to 85-89, then 90+; it sums to 100,000.
These are the values of PHEindicatormethods ``esp2013``.
"""

from __future__ import annotations

import pandas as pd

ESP2013: tuple[int, ...] = (
    5000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000,
    7000, 6500, 6000, 5500, 5000, 4000, 2500, 1500, 1000,
)  # fmt: skip

ESP2013_AGE_BANDS: tuple[str, ...] = (
    "0-4", "5-9", "10-14", "15-19", "20-24", "25-29", "30-34", "35-39", "40-44", "45-49",
    "50-54", "55-59", "60-64", "65-69", "70-74", "75-79", "80-84", "85-89", "90+",
)  # fmt: skip

STANDARD_POPULATIONS: dict[str, tuple[int, ...]] = {"esp2013": ESP2013}
#: The age-band labels of each named standard, in the order of its values.
STANDARD_BANDS: dict[str, tuple[str, ...]] = {"esp2013": ESP2013_AGE_BANDS}


def esp2013_frame() -> pd.DataFrame:
    """ESP2013 as a small table (``ageband``, ``lower_age``, ``stdpop``) to join on age band."""
    lower = [0, *range(5, 95, 5)]
    return pd.DataFrame(
        {"ageband": list(ESP2013_AGE_BANDS), "lower_age": lower, "stdpop": list(ESP2013)}
    )
