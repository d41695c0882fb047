"""dsr() matches a named standard population by age-band label (issue 19)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from equalqi.errors import InputError
from equalqi.stats import ESP2013, ESP2013_AGE_BANDS, dsr

# Events rise with age; populations fall: hand formula Σ wᵢ xᵢ/nᵢ / Σ wᵢ × 100,000.
X = [2, 1, 1, 2, 3, 3, 4, 5, 7, 9, 12, 16, 22, 30, 41, 55, 70, 80, 60]
N = [5000, 5200, 5100, 5300, 6000, 6100, 6300, 6600, 6500, 6400,
     6200, 5900, 5500, 5000, 4300, 3400, 2300, 1400, 700]  # fmt: skip
EXPECTED = float(np.sum(np.array(ESP2013) * np.array(X) / np.array(N)) / sum(ESP2013) * 100_000)
FRAME = pd.DataFrame({"band": list(ESP2013_AGE_BANDS), "x": X, "n": N})


def test_bands_in_order_give_the_hand_calculation() -> None:
    out = dsr(FRAME, "x", "n", ageband="band")
    assert out.loc[0, "value"] == pytest.approx(EXPECTED, rel=1e-12)


def test_bands_out_of_order_are_matched_by_label() -> None:
    shuffled = FRAME.sample(frac=1, random_state=4).reset_index(drop=True)
    shuffled["band"] = shuffled["band"].str.replace("-", " - ")  # "0 - 4" is "0-4"
    assert dsr(shuffled, "x", "n", ageband="band").loc[0, "value"] == pytest.approx(
        EXPECTED, rel=1e-12
    )
    # Matched by position (PHE's behaviour without labels), the same rows give another rate.
    assert dsr(shuffled, "x", "n").loc[0, "value"] != pytest.approx(EXPECTED, rel=1e-3)


def test_unknown_band_is_refused() -> None:
    bad = FRAME.assign(band=[*ESP2013_AGE_BANDS[:-1], "95+"])
    with pytest.raises(InputError) as exc:
        dsr(bad, "x", "n", ageband="band")
    problem = exc.value.problems[0]
    assert (problem.column, problem.value) == ("band", "95+")


def test_missing_band_is_refused() -> None:
    with pytest.raises(InputError) as exc:
        dsr(FRAME.iloc[1:], "x", "n", ageband="band")
    assert "1 of the 19 esp2013 age bands are missing: 0-4" in str(exc.value)
