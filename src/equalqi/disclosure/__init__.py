"""Statistical disclosure control: the policies, the relations an attacker can use, and the
audit that proves no hidden count can be worked back (pure: no I/O).

The boundary that applies them to an analysis is :mod:`equalqi.services.disclosure`.
"""

from equalqi.disclosure.cells import Protection, primary_mask, protect
from equalqi.disclosure.policy import Policy, policy_for
from equalqi.disclosure.relations import Relations, build_relations
from equalqi.disclosure.statement import ChartLoss, Disclosure

__all__ = [
    "ChartLoss",
    "Disclosure",
    "Policy",
    "Protection",
    "Relations",
    "build_relations",
    "policy_for",
    "primary_mask",
    "protect",
]
