"""Fixtures for the disclosure tests (the attacker lives in ``attacker``, put on the path here)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
