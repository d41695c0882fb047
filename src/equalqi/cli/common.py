"""Pieces every command shares."""

from __future__ import annotations

from enum import StrEnum


class Format(StrEnum):
    """Output for people (``text``) or machines (``json``)."""

    text = "text"
    json = "json"
