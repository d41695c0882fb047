"""Synthetic QI scenarios with planted, known equity effects.

Seeded, reproducible patient-level data for three QI projects in an English urban trust,
each with a known effect on the deprivation gap, and the analytic truth a correct analysis
should recover::

    from equalqi.synthetic import SCENARIOS, generate, write_parquet

    frame, truth = generate("dna_sms", 100_000, seed=2024)
    truth.gap_before, truth.gap_after        # DNA gap, IMD quintile 1 minus quintile 5
    write_parquet("dna_sms", "dna.parquet", 100_000_000)   # bounded memory, row groups of 1M

Scenarios (24 months, 2023-01-01 to 2024-12-31; intervention from 2024-01-01):

* ``dna_sms`` - SMS reminders cut missed outpatient appointments overall, least in the most
  deprived areas and for people whose main language is not English: the gap **widens**.
* ``screening_outreach`` - outreach to IMD deciles 1-2 raises screening uptake there most:
  the gap **narrows**.
* ``no_change`` - discharge summaries on time and length of stay: a stable gradient and
  **no change** (the negative control).
"""

from equalqi.synthetic.api import generate, generate_table, iter_tables, truth
from equalqi.synthetic.expected import Truth
from equalqi.synthetic.parquet import read_truth_metadata, write_parquet
from equalqi.synthetic.population import ETHNIC_CODES, ETHNICITY_FREE_TEXT
from equalqi.synthetic.scenarios import SCENARIOS, AgeBand, OutcomeModel, Scenario

__all__ = [
    "ETHNICITY_FREE_TEXT",
    "ETHNIC_CODES",
    "SCENARIOS",
    "AgeBand",
    "OutcomeModel",
    "Scenario",
    "Truth",
    "generate",
    "generate_table",
    "iter_tables",
    "read_truth_metadata",
    "truth",
    "write_parquet",
]
