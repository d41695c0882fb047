"""Fixtures for the web tests (helpers live in ``web_support``, put on the path here)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from web_support import client_for, demo_csv, world

__all__ = ["client_for", "demo_csv", "world"]
