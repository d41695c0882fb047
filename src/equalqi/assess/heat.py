"""The written parts of an equity assessment, as in OHID's Health Equity Assessment Tool (HEAT).

HEAT asks a team to describe, in words, who the work affects, the inequality at the start, and
what could go wrong for whom; to say which groups were considered; and to sign the assessment
off. Here:

* ``who_is_affected``, ``baseline_inequality``, ``unintended_consequences``: free text;
* ``protected_characteristics``: which of the nine protected characteristics of the Equality
  Act 2010 (section 4) were considered;
* ``inclusion_health``: which inclusion health groups (NHS England's list) were considered;
* ``sign_off``: name, role and date.

In an answers file::

    [about]
    who_is_affected = "Adults booked into the outpatient clinic ..."
    baseline_inequality = "DNA rate 14% in the most deprived fifth, 7% in the least ..."
    unintended_consequences = "People without a mobile phone may miss the reminder ..."
    protected_characteristics = ["age", "disability", "race", "sex"]
    inclusion_health = ["homelessness", "migrants_refugees"]

    [sign_off]
    name = "A. Lead"
    role = "Clinical lead"
    date = 2025-03-04

Free text is checked for things that look like e-mail addresses, phone or NHS numbers: these
sections describe groups, never individual patients.

Sources: Office for Health Improvement and Disparities, Health Equity Assessment Tool (HEAT),
GOV.UK; Equality Act 2010 c.15 s.4; NHS England, "A national framework for NHS action on
inclusion health" (2023).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from .keylines import KeyPath
from .problems import Located

PROTECTED_CHARACTERISTICS: Mapping[str, str] = {
    "age": "Age",
    "disability": "Disability",
    "gender_reassignment": "Gender reassignment",
    "marriage_civil_partnership": "Marriage and civil partnership",
    "pregnancy_maternity": "Pregnancy and maternity",
    "race": "Race",
    "religion_belief": "Religion or belief",
    "sex": "Sex",
    "sexual_orientation": "Sexual orientation",
}
INCLUSION_HEALTH: Mapping[str, str] = {
    "homelessness": "People experiencing homelessness",
    "drug_alcohol_dependence": "People with drug and alcohol dependence",
    "migrants_refugees": "Vulnerable migrants and refugees",
    "gypsy_roma_traveller": "Gypsy, Roma and Traveller communities",
    "sex_workers": "Sex workers",
    "justice_system": "People in contact with the justice system",
    "modern_slavery": "Victims of modern slavery",
    "other_excluded": "Other socially excluded groups",
}
TEXT_FIELDS: Mapping[str, str] = {
    "who_is_affected": "Who is affected",
    "baseline_inequality": "The inequality at the start",
    "unintended_consequences": "Unintended consequences",
}
_ABOUT_KEYS = (*TEXT_FIELDS, "protected_characteristics", "inclusion_health")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")
_LONG_NUMBER = re.compile(r"(?:\d[\s-]?){10,}")


@dataclass(frozen=True)
class SignOff:
    name: str
    role: str
    date: dt.date

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "role": self.role, "date": self.date.isoformat()}


@dataclass(frozen=True)
class About:
    """The written sections and the groups considered (all optional)."""

    who_is_affected: str | None = None
    baseline_inequality: str | None = None
    unintended_consequences: str | None = None
    protected_characteristics: tuple[str, ...] = ()
    inclusion_health: tuple[str, ...] = ()
    sign_off: SignOff | None = None

    @property
    def empty(self) -> bool:
        return self == About()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {k: getattr(self, k) for k in TEXT_FIELDS if getattr(self, k)}
        if self.protected_characteristics:
            out["protected_characteristics"] = list(self.protected_characteristics)
        if self.inclusion_health:
            out["inclusion_health"] = list(self.inclusion_health)
        if self.sign_off:
            out["sign_off"] = self.sign_off.to_dict()
        return out


def _codes(
    v: Located, table: Mapping[str, Any], path: KeyPath, key: str, allowed: Mapping[str, str]
) -> tuple[str, ...]:
    values = v.text_list(table, path, key, "about")
    for i, code in enumerate(values):
        if code not in allowed:
            v.add((*path, key, i), f"'{code}' is not one of the {key.replace('_', ' ')}",
                  f"Use: {', '.join(allowed)}.", code)  # fmt: skip
    return tuple(c for c in allowed if c in values)


def read_about(
    v: Located, about: object, sign_off: object, about_path: KeyPath, sign_path: KeyPath
) -> About:
    """Validate the ``[about]`` and ``[sign_off]`` tables, recording problems in ``v``."""
    texts: dict[str, str | None] = {}
    pcs: tuple[str, ...] = ()
    ih: tuple[str, ...] = ()
    if about is not None:
        if not isinstance(about, Mapping):
            v.add(about_path, "'about' must be a table", "Write it as [about].")
        else:
            v.unknown_keys(about, about_path, _ABOUT_KEYS, "about")
            for key, label in TEXT_FIELDS.items():
                text = v.text(about, about_path, key, "about")
                if text and (_EMAIL.search(text) or _LONG_NUMBER.search(text)):
                    v.add((*about_path, key), f"'{label}' looks like it contains personal "
                          "details (an e-mail address or a phone or NHS number)",
                          "Describe groups, never individual patients.")  # fmt: skip
                    text = None
                texts[key] = text
            pcs = _codes(v, about, about_path, "protected_characteristics",
                         PROTECTED_CHARACTERISTICS)  # fmt: skip
            ih = _codes(v, about, about_path, "inclusion_health", INCLUSION_HEALTH)
    signed = None
    if sign_off is not None:
        if not isinstance(sign_off, Mapping):
            v.add(sign_path, "'sign_off' must be a table", "Write it as [sign_off].")
        else:
            v.unknown_keys(sign_off, sign_path, ("name", "role", "date"), "sign_off")
            name = v.text(sign_off, sign_path, "name", "sign_off", required=True)
            role = v.text(sign_off, sign_path, "role", "sign_off", required=True)
            raw = sign_off.get("date")
            when: dt.date | None = None
            if isinstance(raw, dt.datetime):
                when = raw.date()
            elif isinstance(raw, dt.date):
                when = raw
            elif isinstance(raw, str):
                try:
                    when = dt.date.fromisoformat(raw.strip())
                except ValueError:
                    when = None
            if when is None:
                v.add((*sign_path, "date"), "sign_off: 'date' is missing or not a date",
                      "Write it as 2025-03-04.", raw)  # fmt: skip
            if name and role and when:
                signed = SignOff(name, role, when)
    return About(
        texts.get("who_is_affected"),
        texts.get("baseline_inequality"),
        texts.get("unintended_consequences"),
        pcs,
        ih,
        signed,
    )


@dataclass(frozen=True)
class AboutSummary:
    """The written sections in the report's words."""

    sections: tuple[tuple[str, str], ...]  # (heading, text); "Not written yet." when empty
    characteristics_considered: tuple[str, ...]
    characteristics_not_considered: tuple[str, ...]
    inclusion_considered: tuple[str, ...]
    inclusion_not_considered: tuple[str, ...]
    sign_off: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def summarise_about(about: About) -> AboutSummary:
    sections = tuple(
        (label, getattr(about, key) or "Not written yet.") for key, label in TEXT_FIELDS.items()
    )
    s = about.sign_off
    signed = (
        f"Signed off by {s.name} ({s.role}) on {s.date.day} {s.date.strftime('%B %Y')}."
        if s
        else "Not signed off yet."
    )
    return AboutSummary(
        sections,
        tuple(PROTECTED_CHARACTERISTICS[c] for c in about.protected_characteristics),
        tuple(
            v
            for c, v in PROTECTED_CHARACTERISTICS.items()
            if c not in about.protected_characteristics
        ),
        tuple(INCLUSION_HEALTH[c] for c in about.inclusion_health),
        tuple(v for c, v in INCLUSION_HEALTH.items() if c not in about.inclusion_health),
        signed,
    )
