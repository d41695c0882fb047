"""The analysis plan: a small declarative description of one QI measure and how to stratify it.

The CLI reads a plan from TOML, the web app writes one, and the registry stores one: all three
speak this model. Parsing is pure (text in, frozen dataclasses out); reading the file is the
caller's job. Every problem names the key (``[measure] kind``) and, where the text is available,
the line, so a user can fix the file in one go.

Example::

    [measure]
    name = "Did not attend (DNA) rate"
    kind = "proportion"        # proportion | rate | mean
    numerator = "dna"          # 0/1 per record, an event count, or the value for a mean
    improvement = "decrease"   # increase | decrease | neutral

    [data]
    date = "appointment_date"
    ethnicity = "ethnic_category"
    imd_decile = "imd_decile"

    [period]
    unit = "month"

    [[dimensions]]
    kind = "imd_quintile"
    compare = ["1 - most deprived", "5 - least deprived"]

    [intervention]
    date = 2024-01-01
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, cast

from equalqi.errors import PlanError, Problem

MeasureKind = Literal["proportion", "rate", "mean"]
Improvement = Literal["increase", "decrease", "neutral"]
PeriodUnit = Literal["week", "month", "quarter", "year", "financial_year"]
DimensionKind = Literal[
    "imd_decile",
    "imd_quintile",
    "core20",
    "ethnicity",
    "ethnic_category",
    "age_band",
    "sex",
    "column",
]

MEASURE_KINDS: tuple[str, ...] = ("proportion", "rate", "mean")
IMPROVEMENTS: tuple[str, ...] = ("increase", "decrease", "neutral")
PERIOD_UNITS: tuple[str, ...] = ("week", "month", "quarter", "year", "financial_year")
DIMENSION_KINDS: tuple[str, ...] = (
    "imd_decile",
    "imd_quintile",
    "core20",
    "ethnicity",
    "ethnic_category",
    "age_band",
    "sex",
    "column",
)
#: Column roles a plan may map in ``[data]``; ``date`` is required.
DATA_ROLES: tuple[str, ...] = (
    "date",
    "ethnicity",
    "lsoa",
    "imd_decile",
    "imd_quintile",
    "age",
    "sex",
)
#: Dimension kinds whose groups have a natural order (SII/RII apply).
ORDERED_KINDS: frozenset[str] = frozenset({"imd_decile", "imd_quintile", "age_band"})
#: Which data role each derived dimension reads.
DIMENSION_ROLE: Mapping[str, tuple[str, ...]] = {
    "imd_decile": ("imd_decile", "lsoa"),
    "imd_quintile": ("imd_decile", "lsoa", "imd_quintile"),
    "core20": ("imd_decile", "lsoa", "imd_quintile"),
    "ethnicity": ("ethnicity",),
    "ethnic_category": ("ethnicity",),
    "age_band": ("age",),
    "sex": ("sex",),
}
DEFAULT_DIMENSION_NAMES: Mapping[str, str] = {
    "imd_decile": "IMD decile",
    "imd_quintile": "IMD quintile",
    "core20": "Core20",
    "ethnicity": "Ethnic group",
    "ethnic_category": "Ethnic category",
    "age_band": "Age band",
    "sex": "Sex",
}
_UNITS: Mapping[str, tuple[float, str]] = {
    "proportion": (100.0, "%"),
    "rate": (1000.0, "per 1,000"),
    "mean": (1.0, ""),
}


@dataclass(frozen=True)
class Measure:
    """What is counted: ``numerator / denominator`` (or the mean of ``numerator``)."""

    name: str
    kind: MeasureKind
    numerator: str
    denominator: str | None = None  # column; None means every record counts once
    improvement: Improvement = "neutral"
    target: float | None = None  # in display units (after ``multiplier``)
    multiplier: float = 100.0
    unit: str = "%"
    decimals: int = 1


@dataclass(frozen=True)
class DataColumns:
    """Which column of the user's records plays each role."""

    date: str
    ethnicity: str | None = None
    lsoa: str | None = None
    imd_decile: str | None = None
    imd_quintile: str | None = None  # a ready-made quintile column (published data)
    age: str | None = None
    sex: str | None = None
    #: Which value of ``imd_decile``/``imd_quintile`` is the most deprived: 1 (IMD's own
    #: convention) or the top value (10 for deciles, 5 for quintiles). Required with
    #: ``imd_quintile``: published quintiles come in both orientations.
    most_deprived: int | None = None
    #: True when each row is already a count for a group (numerator, denominator, period
    #: and group columns), as published data are: the wording says "rows of counts".
    counts: bool = False
    deprivation_reference: str = "imd2019"  # cached reference name used when ``lsoa`` is given
    date_format: str | None = None  # strptime format, e.g. "%d/%m/%Y"; None: ISO or detected
    unknown_codes: Literal["error", "not_known"] = "error"
    delimiter: str = ","  # for CSV files
    sheet: str | None = None  # Excel: the sheet holding the records (default: the first)
    header_row: int = 1  # Excel: the row holding the column names (title rows above it)
    #: Records dated after the day of the analysis: "warn" (analysed, and a note says how
    #: many) or "leave_out" (left out, and a note says how many).
    future_dates: Literal["warn", "leave_out"] = "warn"

    def mapped(self) -> dict[str, str]:
        """Role -> column for every mapped role."""
        return {r: c for r in DATA_ROLES if (c := getattr(self, r)) is not None}

    # The words every output uses for what was counted, so that rows of published counts
    # are never called "records" (one place, used by the CLI, the report and the web app).

    @property
    def rows_noun(self) -> str:
        """What one input row is: "records" or "rows of counts"."""
        return "rows of counts" if self.counts else "records"

    @property
    def counted_noun(self) -> str:
        """Whom a share is of: each record, or each person a row of counts counts."""
        return "people counted" if self.counts else "records"

    @property
    def whole_label(self) -> str:
        """The heading for the whole population (the Overall rows)."""
        return "All groups together" if self.counts else "All records"


@dataclass(frozen=True)
class Dimension:
    """An equity dimension: how records are split into groups, and which gap to watch."""

    name: str
    kind: DimensionKind
    column: str | None = None  # for kind == "column"
    compare: tuple[str, str] | None = None  # (disadvantaged or focus group, reference group)
    age_bands: str | tuple[int, ...] = "nhs_broad"
    order: tuple[str, ...] | None = None  # for kind == "column": the group order, if ordered
    #: For deprivation dimensions: a reference population per group, most deprived first
    #: (e.g. England's population by IMD quintile). The SII/RII then place each group at
    #: its mid-point in that population (national ranks), weighted by the local population.
    reference_population: tuple[float, ...] | None = None

    @property
    def ordered(self) -> bool:
        return self.kind in ORDERED_KINDS or (self.kind == "column" and self.order is not None)


@dataclass(frozen=True)
class Intersection:
    """Two or more dimensions crossed, e.g. ethnic group x IMD quintile."""

    name: str
    of: tuple[str, ...]


@dataclass(frozen=True)
class Phase:
    name: str
    start: dt.date


@dataclass(frozen=True)
class Period:
    unit: PeriodUnit = "month"
    start: dt.date | None = None
    end: dt.date | None = None


@dataclass(frozen=True)
class Output:
    """How results are shown: the disclosure policy (:mod:`equalqi.disclosure.policy`)."""

    suppress_below: int = 10  # "suppress": counts 1..(n-1) hidden; 0 turns protection off
    title: str | None = None
    disclosure: str = "suppress"  # "suppress" (NHS/ONS practice) or "round" (OpenSAFELY)
    redact_at_most: int = 7  # "round": counts 1..this are hidden
    round_to: int = 5  # "round": other counts to the nearest multiple of this


@dataclass(frozen=True)
class AnalysisPlan:
    measure: Measure
    data: DataColumns
    period: Period = field(default_factory=Period)
    dimensions: tuple[Dimension, ...] = ()
    intersections: tuple[Intersection, ...] = ()
    phases: tuple[Phase, ...] = ()  # the first phase is the baseline
    output: Output = field(default_factory=Output)
    #: The plan file's name, for messages about it (not serialised).
    source: str | None = field(default=None, compare=False)

    @property
    def intervention(self) -> dt.date | None:
        """The start of the first phase after the baseline: the before/after split."""
        return self.phases[1].start if len(self.phases) > 1 else None

    def dimension(self, name: str) -> Dimension:
        for d in self.dimensions:
            if d.name == name:
                return d
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("source", None)
        return out

    def to_toml(self) -> str:
        """Serialise back to TOML (round-trips through :func:`parse_plan`)."""
        return _to_toml(self)


# ---------------------------------------------------------------- parsing and validation


def parse_plan(text: str, *, source: str = "plan") -> AnalysisPlan:
    """Parse and validate a TOML plan; raise :class:`PlanError` listing every problem."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = _decode_error_line(exc)
        raise PlanError(
            Problem(
                what=f"the plan is not valid TOML ({exc})",
                fix="Check quotes, brackets and '=' signs on that line; see docs/plan.md.",
                file=source,
                row=line,
            )
        ) from exc
    return plan_from_dict(raw, source=source, text=text)


def plan_from_dict(
    raw: Mapping[str, Any], *, source: str = "plan", text: str | None = None
) -> AnalysisPlan:
    """Build a plan from an already-parsed mapping (the web app's form, a JSON body)."""
    v = _Validator(source, text)
    v.unknown_keys(
        raw,
        "",
        {
            "measure",
            "data",
            "period",
            "dimensions",
            "intersections",
            "intervention",
            "phases",
            "output",
            "project",
        },
    )
    measure = v.measure(v.table(raw, "measure", required=True))
    data = v.data(v.table(raw, "data", required=True))
    if data.counts and not measure.denominator and measure.kind != "mean":
        v.add(
            "[measure]",
            "rows of counts need a denominator column",
            'Add denominator = "<column>" (the people counted in each row) to [measure].',
        )
    period = v.period(v.table(raw, "period"))
    dims = v.dimensions(raw.get("dimensions", []), data)
    inters = v.intersections(raw.get("intersections", []), dims)
    phases = v.phases(raw.get("intervention"), raw.get("phases"))
    output = v.output(v.table(raw, "output"), v.table(raw, "project"))
    v.problems.raise_if_any()
    return AnalysisPlan(
        measure=measure,
        data=data,
        period=period,
        dimensions=dims,
        intersections=inters,
        phases=phases,
        output=output,
        source=None if source == "plan" else source,
    )


def _decode_error_line(exc: tomllib.TOMLDecodeError) -> int | None:
    m = re.search(r"line (\d+)", str(exc))
    return int(m.group(1)) if m else None


class _Collector:
    def __init__(self) -> None:
        self.items: list[Problem] = []

    def raise_if_any(self) -> None:
        if self.items:
            raise PlanError(self.items)


class _Validator:
    def __init__(self, source: str, text: str | None) -> None:
        self.source = source
        self.lines = text.splitlines() if text else []
        self.problems = _Collector()

    # -- helpers
    def line_of(self, key: str, section: str = "") -> int | None:
        """Best-effort line of ``key`` (within ``[section]`` if given) in the plan's text."""
        if not self.lines:
            return None
        in_section = section == ""
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for i, line in enumerate(self.lines, start=1):
            stripped = line.strip()
            if section and stripped.startswith("["):
                in_section = stripped.strip("[]").strip() == section
                continue
            if in_section and pattern.match(line):
                return i
        return None

    def line_in_array(self, key: str, array: str, index: int) -> int | None:
        """Line of ``key`` in the ``index``-th ``[[array]]`` table (1-based), else the header's."""
        count, header = 0, None
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=") if key else None
        for i, line in enumerate(self.lines, start=1):
            stripped = line.strip()
            if stripped.startswith("["):
                if header is not None:
                    break
                if stripped.replace(" ", "") == f"[[{array}]]":
                    count += 1
                    if count == index:
                        header = i
                continue
            if header is not None and pattern is not None and pattern.match(line):
                return i
        return header

    def add(self, where: str, what: str, fix: str, value: object = None, key: str = "") -> None:
        section = where.strip("[]") if where.startswith("[") else ""
        array = re.fullmatch(r"\[\[(\w+)\]\] #(\d+)(?: .*)?", where)
        if array:
            line = self.line_in_array(key, array.group(1), int(array.group(2)))
        else:
            line = self.line_of(key, section) if key else None
        self.problems.items.append(
            Problem(
                what=f"{where} {key}: {what}".replace("  ", " ").strip()
                if key
                else f"{where}: {what}",
                fix=fix,
                file=self.source,
                row=line,
                value=None if value is None else str(value),
            )
        )

    def table(self, raw: Mapping[str, Any], name: str, required: bool = False) -> dict[str, Any]:
        value = raw.get(name)
        if value is None:
            if required:
                self.add(
                    f"[{name}]", "section is missing", f"Add a [{name}] section; see docs/plan.md."
                )
            return {}
        if not isinstance(value, Mapping):
            self.add(f"[{name}]", "must be a table of keys", f"Write it as a [{name}] section.")
            return {}
        return dict(value)

    def unknown_keys(self, raw: Mapping[str, Any], where: str, allowed: set[str]) -> None:
        for key in raw:
            if key not in allowed:
                self.add(
                    where or "plan",
                    f"unknown key '{key}'",
                    f"Use one of: {', '.join(sorted(allowed))}.",
                    key=key,
                )

    def string(
        self, t: Mapping[str, Any], where: str, key: str, required: bool = False
    ) -> str | None:
        value = t.get(key)
        if value is None:
            if required:
                self.add(where, f"'{key}' is required", f'Add {key} = "..." to {where}.')
            return None
        if not isinstance(value, str) or not value.strip():
            self.add(
                where, "must be a non-empty text value", "Put the value in quotes.", value, key
            )
            return None
        return value.strip()

    def choice(
        self, t: Mapping[str, Any], where: str, key: str, allowed: Sequence[str], default: str
    ) -> str:
        value = t.get(key, default)
        if value not in allowed:
            self.add(
                where, "is not a recognised value", f"Use one of: {', '.join(allowed)}.", value, key
            )
            return default
        return str(value)

    def number(self, t: Mapping[str, Any], where: str, key: str) -> float | None:
        value = t.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.add(where, "must be a number", "Write a number without quotes.", value, key)
            return None
        return float(value)

    def date(self, value: object, where: str, key: str) -> dt.date | None:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                pass
        self.add(where, "must be a date written YYYY-MM-DD", "For example 2024-01-01.", value, key)
        return None

    # -- sections
    def measure(self, t: Mapping[str, Any]) -> Measure:
        w = "[measure]"
        self.unknown_keys(
            t,
            w,
            {
                "name",
                "kind",
                "numerator",
                "denominator",
                "improvement",
                "target",
                "multiplier",
                "unit",
                "decimals",
            },
        )
        kind = cast(MeasureKind, self.choice(t, w, "kind", MEASURE_KINDS, "proportion"))
        numerator = self.string(t, w, "numerator", required=bool(t)) or ""
        default_mult, default_unit = _UNITS[kind]
        multiplier = self.number(t, w, "multiplier")
        if multiplier is not None and multiplier <= 0:
            self.add(
                w,
                "must be greater than zero",
                "Use 100 for a percentage.",
                multiplier,
                "multiplier",
            )
            multiplier = None
        decimals = t.get("decimals", 1)
        if not isinstance(decimals, int) or isinstance(decimals, bool) or not 0 <= decimals <= 6:
            self.add(
                w,
                "must be a whole number from 0 to 6",
                "For example decimals = 1.",
                decimals,
                "decimals",
            )
            decimals = 1
        return Measure(
            name=self.string(t, w, "name") or numerator or "Measure",
            kind=kind,
            numerator=numerator,
            denominator=self.string(t, w, "denominator"),
            improvement=cast(
                Improvement, self.choice(t, w, "improvement", IMPROVEMENTS, "neutral")
            ),
            target=self.number(t, w, "target"),
            multiplier=multiplier if multiplier is not None else default_mult,
            unit=str(t.get("unit", default_unit if multiplier in (None, default_mult) else "")),
            decimals=decimals,
        )

    def data(self, t: Mapping[str, Any]) -> DataColumns:
        w = "[data]"
        self.unknown_keys(
            t,
            w,
            {
                *DATA_ROLES,
                "deprivation_reference",
                "date_format",
                "unknown_codes",
                "delimiter",
                "most_deprived",
                "counts",
                "sheet",
                "header_row",
                "future_dates",
            },
        )
        delimiter = t.get("delimiter", ",")
        if delimiter not in (",", ";", "\t", "|"):
            self.add(
                w,
                "must be one of , ; | or a tab",
                'For example delimiter = ";".',
                delimiter,
                "delimiter",
            )
            delimiter = ","
        cols = {
            role: self.string(t, w, role, required=(role == "date" and bool(t)))
            for role in DATA_ROLES
        }
        unknown = self.choice(t, w, "unknown_codes", ("error", "not_known"), "error")
        most = self._most_deprived(t, cols)
        header_row = t.get("header_row", 1)
        if isinstance(header_row, bool) or not isinstance(header_row, int) or header_row < 1:
            self.add(
                w,
                "must be a whole number of 1 or more (the row with the column names)",
                "For example header_row = 4 when three title rows come first.",
                header_row,
                "header_row",
            )
            header_row = 1
        future = self.choice(t, w, "future_dates", ("warn", "leave_out"), "warn")
        counts = t.get("counts", False)
        if not isinstance(counts, bool):
            self.add(w, "must be true or false", "For example counts = true.", counts, "counts")
            counts = False
        return DataColumns(
            date=cols["date"] or "",
            ethnicity=cols["ethnicity"],
            lsoa=cols["lsoa"],
            imd_decile=cols["imd_decile"],
            imd_quintile=cols["imd_quintile"],
            most_deprived=most,
            counts=counts,
            age=cols["age"],
            sex=cols["sex"],
            deprivation_reference=self.string(t, w, "deprivation_reference") or "imd2019",
            date_format=self.string(t, w, "date_format"),
            unknown_codes=cast(Literal["error", "not_known"], unknown),
            delimiter=delimiter,
            sheet=self.string(t, w, "sheet"),
            header_row=header_row,
            future_dates=cast(Literal["warn", "leave_out"], future),
        )

    def _most_deprived(self, t: Mapping[str, Any], cols: Mapping[str, str | None]) -> int | None:
        """Check ``most_deprived`` against the deprivation column it orients."""
        w = "[data]"
        value = t.get("most_deprived")
        decile, quintile = cols.get("imd_decile"), cols.get("imd_quintile")
        if decile and quintile:
            self.add(
                w,
                "maps both imd_decile and imd_quintile",
                "Map one deprivation column: quintiles are derived from deciles.",
                quintile,
                "imd_quintile",
            )
        top = 5 if quintile and not decile else 10
        if value is None:
            if quintile and not decile:
                self.add(
                    w,
                    "a ready-made quintile needs most_deprived = 1 or 5",
                    "Say which value is the most deprived: IMD's convention is 1, but "
                    "some published quintiles put the most deprived at 5. For example "
                    "most_deprived = 1.",
                    quintile,
                    "imd_quintile",
                )
            return None
        if isinstance(value, bool) or value not in (1, top):
            self.add(
                w,
                f"must be 1 or {top} (the value of the most deprived group)",
                f"Write most_deprived = 1 or most_deprived = {top}.",
                value,
                "most_deprived",
            )
            return None
        if not (decile or quintile):
            self.add(
                w,
                "most_deprived needs an imd_decile or imd_quintile column",
                "Map the deprivation column, or remove most_deprived.",
                value,
                "most_deprived",
            )
        return int(value)

    def period(self, t: Mapping[str, Any]) -> Period:
        w = "[period]"
        self.unknown_keys(t, w, {"unit", "start", "end"})
        unit = cast(PeriodUnit, self.choice(t, w, "unit", PERIOD_UNITS, "month"))
        start = self.date(t["start"], w, "start") if "start" in t else None
        end = self.date(t["end"], w, "end") if "end" in t else None
        if start and end and end <= start:
            self.add(w, "end must be after start", "Swap or correct the dates.", end, "end")
        return Period(unit=unit, start=start, end=end)

    def dimensions(self, items: object, data: DataColumns) -> tuple[Dimension, ...]:
        if not isinstance(items, list):
            self.add(
                "[[dimensions]]",
                "must be a list of tables",
                "Write each dimension as a [[dimensions]] section.",
            )
            return ()
        out: list[Dimension] = []
        for i, t in enumerate(items, start=1):
            w = f"[[dimensions]] #{i}"
            if isinstance(t, Mapping):
                label = t.get("name") or t.get("column") or t.get("kind")
                w += f" '{label}'" if isinstance(label, str) else ""
            if not isinstance(t, Mapping):
                self.add(w, "must be a table", "Write it as a [[dimensions]] section.")
                continue
            self.unknown_keys(
                t,
                w,
                {"name", "kind", "column", "compare", "age_bands", "order", "reference_population"},
            )
            kind = self.choice(t, w, "kind", DIMENSION_KINDS, "column")
            column = self.string(t, w, "column", required=(kind == "column"))
            roles = DIMENSION_ROLE.get(kind, ())
            if roles and not any(getattr(data, r) for r in roles):
                self.add(
                    w,
                    f"kind '{kind}' needs a column for {' or '.join(roles)} in [data]",
                    f'Add {roles[0]} = "<your column>" to [data].',
                    kind,
                    "kind",
                )
            name = self.string(t, w, "name") or DEFAULT_DIMENSION_NAMES.get(kind) or column or kind
            compare = t.get("compare")
            pair: tuple[str, str] | None = None
            if compare is not None:
                if (
                    not isinstance(compare, list)
                    or len(compare) != 2
                    or not all(isinstance(c, str) for c in compare)
                    or compare[0] == compare[1]
                ):
                    self.add(
                        w,
                        "must name two different groups",
                        'For example compare = ["1 - most deprived", "5 - least deprived"].',
                        compare,
                        "compare",
                    )
                else:
                    pair = (compare[0], compare[1])
            bands = t.get("age_bands", "nhs_broad")
            if isinstance(bands, list):
                bands = tuple(int(b) for b in bands if isinstance(b, int))
            order = t.get("order")
            reference = self._reference_population(t, w, kind)
            out.append(
                Dimension(
                    name=name,
                    kind=cast(DimensionKind, kind),
                    column=column,
                    compare=pair,
                    age_bands=bands,
                    order=tuple(str(o) for o in order) if isinstance(order, list) else None,
                    reference_population=reference,
                )
            )
        names = [d.name for d in out]
        for dup in sorted({n for n in names if names.count(n) > 1}):
            self.add(
                "[[dimensions]]",
                f"two dimensions are called '{dup}'",
                'Give each dimension its own name = "...".',
            )
        return tuple(out)

    def _reference_population(
        self, t: Mapping[str, Any], w: str, kind: str
    ) -> tuple[float, ...] | None:
        value = t.get("reference_population")
        if value is None:
            return None
        size = {"imd_quintile": 5, "imd_decile": 10}.get(kind)
        ok = (
            size is not None
            and isinstance(value, list)
            and len(value) == size
            and all(isinstance(v, int | float) and not isinstance(v, bool) and v > 0 for v in value)
        )
        if not ok:
            self.add(
                w,
                "reference_population needs one positive number per deprivation group "
                "(5 for imd_quintile, 10 for imd_decile), most deprived first",
                "For example England's population by IMD quintile: "
                "reference_population = [11300000, 11200000, 11300000, 11200000, 11300000].",
                value,
                "reference_population",
            )
            return None
        return tuple(float(v) for v in value)

    def intersections(self, items: object, dims: tuple[Dimension, ...]) -> tuple[Intersection, ...]:
        if not isinstance(items, list):
            self.add(
                "[[intersections]]",
                "must be a list of tables",
                "Write each as an [[intersections]] section.",
            )
            return ()
        known = {d.name for d in dims} | {d.kind for d in dims}
        out = []
        for i, t in enumerate(items, start=1):
            w = f"[[intersections]] #{i}"
            of = t.get("of") if isinstance(t, Mapping) else None
            if not isinstance(of, list) or len(of) < 2:
                self.add(
                    w,
                    "'of' must list at least two dimensions",
                    'For example of = ["Ethnic group", "IMD quintile"].',
                    of,
                    "of",
                )
                continue
            missing = [o for o in of if o not in known]
            if missing:
                self.add(
                    w,
                    f"names dimensions that are not in the plan: {', '.join(map(str, missing))}",
                    "Use the name or kind of a [[dimensions]] entry.",
                    missing,
                    "of",
                )
                continue
            names = [next(d.name for d in dims if o in (d.name, d.kind)) for o in of]
            out.append(Intersection(name=str(t.get("name") or " × ".join(names)), of=tuple(names)))
        return tuple(out)

    def phases(self, intervention: object, phases: object) -> tuple[Phase, ...]:
        if intervention is not None and phases is not None:
            self.add(
                "plan",
                "give either [intervention] or [[phases]], not both",
                "Use [[phases]] when there is more than one change.",
            )
            return ()
        if intervention is not None:
            if not isinstance(intervention, Mapping) or "date" not in intervention:
                self.add("[intervention]", "needs a date", "Write date = 2024-01-01.")
                return ()
            start = self.date(intervention["date"], "[intervention]", "date")
            label = str(intervention.get("name", "After"))
            return (Phase("Before", dt.date.min), Phase(label, start)) if start else ()
        if phases is None:
            return ()
        if not isinstance(phases, list) or not phases:
            self.add(
                "[[phases]]", "must be a list of tables", "Write each as a [[phases]] section."
            )
            return ()
        out = []
        for i, t in enumerate(phases, start=1):
            w = f"[[phases]] #{i}"
            if not isinstance(t, Mapping) or "start" not in t:
                self.add(w, "needs a start date", "Write start = 2024-01-01.")
                continue
            start = self.date(t["start"], w, "start")
            if start:
                out.append(Phase(str(t.get("name", f"Phase {i}")), start))
        for a, b in itertools.pairwise(out):
            if b.start <= a.start:
                self.add(
                    "[[phases]]",
                    "phase start dates must be in order",
                    "List phases from earliest to latest.",
                    b.start,
                    "start",
                )
        if out:
            out[0] = Phase(out[0].name, dt.date.min)
        return tuple(out)

    def output(self, t: Mapping[str, Any], project: Mapping[str, Any]) -> Output:
        w = "[output]"
        self.unknown_keys(
            t, w, {"suppress_below", "title", "disclosure", "redact_at_most", "round_to"}
        )
        below = self.whole(t, "suppress_below", 10, 0, "The NHS default is 10; 0 turns it off.")
        redact = self.whole(t, "redact_at_most", 7, 0, "OpenSAFELY redacts counts up to 7.")
        base = self.whole(t, "round_to", 5, 1, "OpenSAFELY rounds to the nearest 5.")
        rule = t.get("disclosure", "suppress")
        if rule not in ("suppress", "round"):
            self.add(
                w,
                'must be "suppress" (hide small counts and any that would give them away) '
                'or "round" (hide counts up to 7, round the rest to 5)',
                'Write disclosure = "suppress" (the NHS default) or disclosure = "round".',
                rule,
                "disclosure",
            )
            rule = "suppress"
        title = t.get("title") or project.get("title")
        return Output(
            suppress_below=below,
            title=str(title) if title else None,
            disclosure=str(rule),
            redact_at_most=redact,
            round_to=base,
        )

    def whole(self, t: Mapping[str, Any], key: str, default: int, least: int, fix: str) -> int:
        value = t.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < least:
            self.add("[output]", f"must be a whole number of {least} or more", fix, value, key)
            return default
        return value


# ---------------------------------------------------------------- serialising


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _to_toml(plan: AnalysisPlan) -> str:
    lines: list[str] = []
    if plan.output.title:
        lines += ["[project]", f"title = {_toml_value(plan.output.title)}", ""]
    lines.append("[measure]")
    for key, value in asdict(plan.measure).items():
        if value is not None:
            lines.append(f"{key} = {_toml_value(value)}")
    lines += ["", "[data]"]
    for key, value in asdict(plan.data).items():
        if value is not None:
            lines.append(f"{key} = {_toml_value(value)}")
    lines += ["", "[period]", f"unit = {_toml_value(plan.period.unit)}"]
    if plan.period.start:
        lines.append(f"start = {_toml_value(plan.period.start)}")
    if plan.period.end:
        lines.append(f"end = {_toml_value(plan.period.end)}")
    for d in plan.dimensions:
        lines += [
            "",
            "[[dimensions]]",
            f"name = {_toml_value(d.name)}",
            f"kind = {_toml_value(d.kind)}",
        ]
        if d.column:
            lines.append(f"column = {_toml_value(d.column)}")
        if d.compare:
            lines.append(f"compare = {_toml_value(d.compare)}")
        if d.kind == "age_band":
            lines.append(f"age_bands = {_toml_value(d.age_bands)}")
        if d.order:
            lines.append(f"order = {_toml_value(d.order)}")
        if d.reference_population:
            lines.append(f"reference_population = {_toml_value(d.reference_population)}")
    for x in plan.intersections:
        lines += [
            "",
            "[[intersections]]",
            f"name = {_toml_value(x.name)}",
            f"of = {_toml_value(x.of)}",
        ]
    for i, p in enumerate(plan.phases):
        lines += [
            "",
            "[[phases]]",
            f"name = {_toml_value(p.name)}",
            f"start = {_toml_value(p.start if i else dt.date(1900, 1, 1))}",
        ]
    out = plan.output
    lines += [
        "",
        "[output]",
        f"disclosure = {_toml_value(out.disclosure)}",
        f"suppress_below = {out.suppress_below}",
    ]
    if out.disclosure == "round":
        lines += [f"redact_at_most = {out.redact_at_most}", f"round_to = {out.round_to}"]
    return "\n".join(lines) + "\n"
