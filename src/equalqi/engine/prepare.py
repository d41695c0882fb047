"""Validate the records against the plan and derive the columns the analysis groups by.

Everything here is an Ibis expression run by the engine: the checks are one aggregate
scan, the demographic recodes are joins to small mapping tables built by the pure core from
the *distinct* raw values (a few hundred at most), and nothing is pulled into Python row by
row. Problems are collected and raised together, each naming the file, the first row where
it occurs, the column and the value, and saying what to do. Nothing is written here.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd

from equalqi.demographics.age import get_age_bands
from equalqi.demographics.ethnicity import classify_ethnicity
from equalqi.demographics.sex import classify_sex
from equalqi.engine.readers import Records
from equalqi.errors import InputError, Problem, ProblemCollector
from equalqi.plan import AnalysisPlan

EXAMPLES = 3
MISSING_CODE = "99"  # NHS ETHNIC CATEGORY: not known
#: Key columns the prepared table carries (besides plan ``column`` dimensions).
KEY_PERIOD = "period"
KEY_DECILE = "imd_decile"
KEY_ETHNIC = "ethnic_code"
KEY_AGE = "age_band"
KEY_SEX = "sex_code"


@dataclass(frozen=True)
class Prepared:
    """Validated, typed records ready to aggregate, plus what was found on the way."""

    table: ir.Table  # period, numerator, denominator, numerator_sq, and the key columns
    keys: tuple[str, ...]  # grouping keys besides period
    n_rows: int
    n_in_window: int
    first_date: dt.date
    last_date: dt.date
    notes: tuple[str, ...] = field(default_factory=tuple)
    lsoa_unmatched: int = 0


def _column_problem(records: Records, table: ir.Table, wanted: str, role: str) -> Problem:
    lower = {c.lower(): c for c in table.columns}
    close = difflib.get_close_matches(wanted.lower(), list(lower), n=3, cutoff=0.6)
    hint = (
        f" Did you mean {', '.join(repr(lower[c]) for c in close)}?"
        if close
        else f" The file has: {', '.join(table.columns[:12])}"
        + ("..." if len(table.columns) > 12 else ".")
    )
    return Problem(
        what=f"the column for {role} is missing",
        fix=f"Add the column, or change the plan to name the right one.{hint}",
        file=records.name,
        column=wanted,
    )


def required_columns(plan: AnalysisPlan) -> dict[str, str]:
    """Column name -> the role it plays, for every column the plan reads."""
    need: dict[str, str] = {}
    for role, column in plan.data.mapped().items():
        need.setdefault(column, role.replace("_", " "))
    need.setdefault(plan.measure.numerator, "the numerator")
    if plan.measure.denominator:
        need.setdefault(plan.measure.denominator, "the denominator")
    for d in plan.dimensions:
        if d.kind == "column" and d.column:
            need.setdefault(d.column, f"the dimension '{d.name}'")
    return need


def _is_text(expr: ir.Value) -> bool:
    return bool(expr.type().is_string())


def _as_number(expr: ir.Column) -> ir.FloatingColumn:
    if _is_text(expr):
        return expr.strip().nullif("").try_cast("float64")
    return expr.cast("float64")


def _blank(expr: ir.Column) -> ir.BooleanColumn:
    if _is_text(expr):
        return expr.isnull() | (expr.strip() == "")
    return expr.isnull()


def _as_date(expr: ir.Column, fmt: str | None) -> ir.DateColumn:
    """Parse dates: native types as they are; text as ISO or the given day-first format."""
    if expr.type().is_date():
        return expr
    if expr.type().is_timestamp():
        return expr.date()
    if not _is_text(expr):
        return ibis.null("date")
    s = expr.strip()
    if fmt in ("%d/%m/%Y", "%d-%m-%Y"):
        sep = fmt[2]
        parts = s.re_extract(rf"^(\d{{1,2}}){sep}(\d{{1,2}}){sep}(\d{{4}})$", 0)
        day = s.re_extract(rf"^(\d{{1,2}}){sep}", 1).lpad(2, "0")
        month = s.re_extract(rf"^\d{{1,2}}{sep}(\d{{1,2}}){sep}", 1).lpad(2, "0")
        year = s.re_extract(r"(\d{4})$", 1)
        iso = ibis.ifelse(parts != "", year + "-" + month + "-" + day, ibis.null("string"))
        return iso.try_cast("date")
    # ISO dates, optionally with a time: keep the first ten characters.
    return s.substr(0, 10).try_cast("date")


def _detect_date_format(table: ir.Table, column: str) -> str | None:
    expr = table[column]
    if not _is_text(expr):
        return None
    sample = table.select(v=expr.strip()).filter(lambda t: t.v != "").limit(200).to_pandas()["v"]
    if len(sample) and sample.str.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}").mean() > 0.9:
        return "%d/%m/%Y"
    return None


class _Checks:
    """Declares checks as (label, failing-condition, column, what, fix); runs them in one scan."""

    def __init__(self, records: Records, table: ir.Table) -> None:
        self.records = records
        self.table = table
        self.items: list[tuple[str, ir.BooleanValue, str, str, str]] = []

    def add(self, column: str, bad: ir.BooleanValue, what: str, fix: str) -> None:
        self.items.append((f"c{len(self.items)}", bad, column, what, fix))

    def run(self, extra: dict[str, ir.Scalar]) -> tuple[list[Problem], dict[str, Any]]:
        aggs = {label: bad.fill_null(False).cast("int64").sum() for label, bad, *_ in self.items}
        aggs.update(extra)
        counts = self.table.aggregate(**aggs).to_pandas().iloc[0].to_dict()
        problems: list[Problem] = []
        for label, bad, column, what, fix in self.items:
            count = int(counts[label] or 0)
            if count:
                problems.extend(self._examples(bad, column, what, fix, count))
        return problems, counts

    def _examples(
        self, bad: ir.BooleanValue, column: str, what: str, fix: str, count: int
    ) -> list[Problem]:
        numbered = self.table.mutate(_row=ibis.row_number() + 2)
        rows = (
            numbered.filter(_rebind(bad, self.table, numbered).fill_null(False))
            .select("_row", _v=numbered[column].cast("string"))
            .order_by("_row")
            .limit(EXAMPLES)
            .to_pandas()
        )
        plural = f"{count:,} rows" if count != 1 else "1 row"
        out = []
        for _, r in rows.iterrows():
            out.append(
                Problem(
                    what=f"{what} ({plural} in all)",
                    fix=fix,
                    file=self.records.name,
                    row=int(r["_row"]),
                    column=column,
                    value=None if pd.isna(r["_v"]) else str(r["_v"]),
                )
            )
        return out[:1] if count == 1 else out


def _rebind(expr: ir.BooleanValue, old: ir.Table, new: ir.Table) -> ir.BooleanValue:
    """Re-express a condition written against ``old`` on ``new`` (which adds columns)."""
    return expr.op().replace({old.op(): new.op()}).to_expr()


def prepare(
    records: Records,
    plan: AnalysisPlan,
    *,
    reference: pd.DataFrame | None = None,
    progress: Callable[[str], None] | None = None,
) -> Prepared:
    """Validate ``records`` for ``plan`` and return the typed, keyed table; raise on problems."""
    say = progress or (lambda _m: None)
    t = records.table
    collector = ProblemCollector()
    for column, role in required_columns(plan).items():
        if column not in t.columns:
            collector.add(_column_problem(records, t, column, role))
    collector.raise_if_any()

    say("checking the records")
    data, measure = plan.data, plan.measure
    date_fmt = data.date_format or _detect_date_format(t, data.date)
    date = _as_date(t[data.date], date_fmt)
    num_raw = t[measure.numerator]
    num = _as_number(num_raw)
    den_raw = t[measure.denominator] if measure.denominator else None
    den = _as_number(den_raw) if den_raw is not None else None

    checks = _Checks(records, t)
    checks.add(
        data.date,
        _blank(t[data.date]),
        "the date is missing",
        "Fill in the date, or remove the row from the extract.",
    )
    checks.add(
        data.date,
        ~_blank(t[data.date]) & date.isnull(),
        "this is not a date",
        'Write dates as YYYY-MM-DD (or DD/MM/YYYY with date_format = "%d/%m/%Y" in [data]).',
    )
    checks.add(
        measure.numerator,
        _blank(num_raw),
        "the numerator is missing",
        "Fill it in, or remove the row: equalqi does not guess missing outcomes.",
    )
    checks.add(
        measure.numerator,
        ~_blank(num_raw) & num.isnull(),
        "this is not a number",
        "Use numbers only (no units, no text).",
    )
    checks.add(
        measure.numerator,
        num < 0,
        "the numerator is negative",
        "Counts and outcomes cannot be negative: correct the value.",
    )
    if measure.kind == "proportion" and den is None:
        checks.add(
            measure.numerator,
            num.notnull() & ~num.isin([0, 1]),
            "a proportion needs 0 or 1 per record",
            "Use 1 when the outcome happened and 0 when it did not, or give a "
            "denominator column for counts.",
        )
    if measure.kind == "rate" and den is None:
        collector.add(
            Problem(
                what="a rate needs a denominator (population or person-time)",
                fix='Add denominator = "<column>" to [measure].',
                file=records.name,
            )
        )
    if den is not None and den_raw is not None and measure.denominator:
        checks.add(
            measure.denominator,
            _blank(den_raw),
            "the denominator is missing",
            "Fill it in, or remove the row.",
        )
        checks.add(
            measure.denominator,
            ~_blank(den_raw) & den.isnull(),
            "this is not a number",
            "Use numbers only.",
        )
        checks.add(
            measure.denominator,
            den == 0,
            "the denominator is zero",
            "A rate or proportion cannot be computed over zero: remove the row or "
            "correct the denominator.",
        )
        checks.add(
            measure.denominator, den < 0, "the denominator is negative", "Correct the value."
        )
        if measure.kind == "proportion":
            checks.add(
                measure.numerator,
                num > den,
                "the numerator is larger than the denominator",
                "For a proportion the numerator counts a subset of the denominator.",
            )
    decile = None
    if data.imd_decile:
        raw = t[data.imd_decile]
        decile = _as_number(raw)
        checks.add(
            data.imd_decile,
            ~_blank(raw) & (decile.isnull() | ~decile.isin(list(range(1, 11)))),
            "an IMD decile must be a whole number from 1 (most deprived) to 10",
            "Correct the value, or leave it blank if it is not known.",
        )
    age = None
    if data.age:
        raw = t[data.age]
        age = _as_number(raw)
        checks.add(
            data.age,
            ~_blank(raw) & (age.isnull() | (age < 0) | (age > 120)),
            "an age must be a number of years from 0 to 120",
            "Correct the value, or leave it blank if it is not known.",
        )
    extra = {"_n": t.count(), "_first": date.min(), "_last": date.max()}
    problems, counts = checks.run(extra)
    collector.extend(problems)
    n_rows = int(counts["_n"])
    if n_rows == 0:
        collector.add(
            Problem(
                what="the file has a header but no data rows",
                fix="Export the extract again with its records.",
                file=records.name,
            )
        )

    # Categorical codes: classify the distinct values in the core, join back in the engine.
    ethnic_map = sex_map = None
    if data.ethnicity:
        ethnic_map, bad = _code_map(t, data.ethnicity, classify_ethnicity, "code")
        collector.extend(
            _unknown_code_problems(
                checks,
                records,
                data.ethnicity,
                bad,
                "is not a recognised NHS ethnic category",
                plan.data.unknown_codes,
            )
        )
    if data.sex:
        sex_map, bad = _code_map(t, data.sex, classify_sex, "code")
        collector.extend(
            _unknown_code_problems(
                checks,
                records,
                data.sex,
                bad,
                "is not a recognised sex or gender code",
                plan.data.unknown_codes,
            )
        )
    lsoa_unmatched = 0
    lsoa_table = None
    if data.lsoa and not data.imd_decile:
        if reference is None:
            raise InputError(
                Problem(
                    what=f"the plan maps LSOA codes but the deprivation reference "
                    f"'{data.deprivation_reference}' is not loaded",
                    fix=f"Import it once: equalqi reference import PATH --name "
                    f"{data.deprivation_reference}",
                    file=records.name,
                    column=data.lsoa,
                )
            )
        lsoa_table = ibis.memtable(
            reference[["lsoa_code", "imd_decile"]].rename(
                columns={"lsoa_code": "_lsoa", "imd_decile": "_ref_decile"}
            )
        )
        codes = t.select(_lsoa=t[data.lsoa].cast("string").strip()).filter(
            lambda x: x._lsoa.notnull() & (x._lsoa != "")
        )
        unmatched = codes.anti_join(lsoa_table, "_lsoa")
        lsoa_unmatched = int(unmatched.count().to_pandas())
        if lsoa_unmatched and plan.data.unknown_codes == "error":
            cond = ~_blank(t[data.lsoa]) & ~t[data.lsoa].cast("string").strip().isin(
                lsoa_table._lsoa
            )
            collector.extend(
                checks._examples(
                    cond,
                    data.lsoa,
                    f"this LSOA code is not in the imported reference "
                    f"'{data.deprivation_reference}'",
                    "Check the code (LSOA 2011 codes go with IMD 2019, LSOA 2021 codes with IoD "
                    '2025), import the matching reference, or set unknown_codes = "not_known" '
                    "in [data] to count them as 'Not known'.",
                    lsoa_unmatched,
                )
            )
    collector.raise_if_any()

    say("deriving the equity dimensions")
    cols: dict[str, ir.Value] = {
        "_date": date,
        "numerator": num,
        "denominator": den if den is not None else ibis.literal(1.0),
    }
    keys: list[str] = []
    if decile is not None:
        cols[KEY_DECILE] = decile.cast("int8")
        keys.append(KEY_DECILE)
    if age is not None:
        cols["_age"] = age
    for d in plan.dimensions:
        if d.kind == "column" and d.column and d.column not in keys:
            raw = t[d.column]
            text = ibis.ifelse(raw, "Yes", "No") if raw.type().is_boolean() else raw.cast("string")
            cols[d.column] = text.strip().nullif("").fill_null("Not known")
            keys.append(d.column)
    if data.ethnicity:
        cols["_eth"] = t[data.ethnicity].cast("string").strip().fill_null("")
    if data.sex:
        cols["_sex"] = t[data.sex].cast("string").strip().fill_null("")
    if lsoa_table is not None and data.lsoa:
        cols["_lsoa"] = t[data.lsoa].cast("string").strip()
    x = t.select(**cols)
    if lsoa_table is not None:
        x = x.left_join(lsoa_table, "_lsoa").drop("_lsoa", "_lsoa_right")
        x = x.mutate(**{KEY_DECILE: x["_ref_decile"].cast("int8")}).drop("_ref_decile")
        keys.append(KEY_DECILE)
    if ethnic_map is not None:
        x = x.left_join(ethnic_map.rename(_eth="raw", **{KEY_ETHNIC: "code"}), "_eth").drop(
            "_eth", "_eth_right"
        )
        x = x.mutate(**{KEY_ETHNIC: x[KEY_ETHNIC].fill_null(MISSING_CODE)})
        keys.append(KEY_ETHNIC)
    if sex_map is not None:
        x = x.left_join(sex_map.rename(_sex="raw", **{KEY_SEX: "code"}), "_sex").drop(
            "_sex", "_sex_right"
        )
        x = x.mutate(**{KEY_SEX: x[KEY_SEX].fill_null("X")})
        keys.append(KEY_SEX)
    if age is not None:
        age_dims = [d for d in plan.dimensions if d.kind == "age_band"]
        bands = get_age_bands(age_dims[0].age_bands if age_dims else "nhs_broad")
        index = ibis.literal(-1)
        for i, lower in enumerate(bands.lower_bounds):
            index = ibis.ifelse(x._age >= lower, i, index)
        x = x.mutate(**{KEY_AGE: ibis.ifelse(x._age.isnull(), -1, index).cast("int8")}).drop("_age")
        keys.append(KEY_AGE)

    unit = {"week": "W", "month": "M", "quarter": "Q"}[plan.period.unit]
    x = x.mutate(**{KEY_PERIOD: x._date.truncate(unit).cast("date")})
    if plan.period.start:
        x = x.filter(x._date >= plan.period.start)
    if plan.period.end:
        x = x.filter(x._date <= plan.period.end)
    x = x.drop("_date").mutate(numerator_sq=x.numerator * x.numerator)
    first, last = counts["_first"], counts["_last"]
    notes: list[str] = []
    if date_fmt:
        notes.append(f"Dates were read as {date_fmt.replace('%', '')} (day first).")
    if lsoa_unmatched:
        notes.append(
            f"{lsoa_unmatched:,} records had an LSOA code not in the reference and "
            "are counted as 'Not known' deprivation."
        )
    n_window = n_rows
    if plan.period.start or plan.period.end:
        n_window = int(x.count().to_pandas())
        notes.append(f"{n_rows - n_window:,} records outside the plan's period were left out.")
    return Prepared(
        table=x,
        keys=tuple(keys),
        n_rows=n_rows,
        n_in_window=n_window,
        first_date=pd.Timestamp(first).date(),
        last_date=pd.Timestamp(last).date(),
        notes=tuple(notes),
        lsoa_unmatched=lsoa_unmatched,
    )


def _code_map(
    t: ir.Table,
    column: str,
    classify: Callable[[list[object]], pd.DataFrame],
    code_col: str,
) -> tuple[ir.Table, list[str]]:
    """Classify the distinct raw values of ``column`` and return (raw -> code table, unknowns)."""
    distinct = (
        t.select(raw=t[column].cast("string").strip().fill_null("")).distinct().to_pandas()["raw"]
    )
    values = [v if v != "" else None for v in distinct.tolist()]
    mapped = classify(values)
    mapped = mapped.assign(raw=mapped["raw"].fillna(""))
    unknown = mapped.loc[~mapped["recognised"].astype(bool), "raw"].tolist()
    known = mapped.loc[mapped["recognised"].astype(bool), ["raw", code_col]]
    return ibis.memtable(known.astype({"raw": "string", code_col: "string"})), unknown


def _unknown_code_problems(
    checks: _Checks, records: Records, column: str, unknown: list[str], what: str, policy: str
) -> list[Problem]:
    if not unknown or policy != "error":
        return []
    t = records.table
    out: list[Problem] = []
    for value in unknown[:10]:
        cond = t[column].cast("string").strip() == value
        count = int(t.filter(cond).count().to_pandas())
        out.extend(
            checks._examples(
                cond,
                column,
                f"'{value}' {what}",
                'Correct the code, or set unknown_codes = "not_known" in '
                "[data] to count such values as 'Not known'.",
                count,
            )[:1]
        )
    if len(unknown) > 10:
        out.append(
            Problem(
                what=f"{len(unknown) - 10} more unrecognised values",
                fix="See the first ten above.",
                file=records.name,
                column=column,
            )
        )
    return out
