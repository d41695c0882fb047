"""Validate the records against the plan and derive the columns the analysis groups by.

Everything here is an Ibis expression run by the engine, and nothing is pulled into Python
row by row. A valid file costs one pass: an aggregate scan that groups the records by period
and every key (raw values) with the row checks and the date range folded in (a second one
counts unmatched LSOA codes, or dates after today when the scan found some). Checks that
depend only on a key (the codes, a whole-number IMD column's range) are made on the cube's
distinct values instead of row by row; only a file with a problem is read again, to say
where. The pure core classifies the distinct values (a few hundred at most); the cube is
recoded afterwards on its few thousand cells (:class:`Recode`, in
:mod:`equalqi.engine.aggregate`), so the records are never joined to a mapping table.
The expressions are portable across DuckDB and PySpark; the two places that must differ
(:func:`_strip` and :func:`_numbered`) say why. Problems are collected and raised together,
each naming the file, the first row where it occurs, the column and the value, and saying
what to do. Nothing is written here.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.operations as ops
import ibis.expr.types as ir
import numpy as np
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


#: What Ibis's ``strip()`` removes (Python's ``string.whitespace``); used the same everywhere.
WHITESPACE = " \t\n\r\x0b\x0c"
_EDGE_SPACE = r"^[ \t\n\r\x0b\x0c]+|[ \t\n\r\x0b\x0c]+$"


@dataclass(frozen=True)
class Recode:
    """How a raw key value in the cube becomes its group label (applied to the small cube).

    The value is stripped of :data:`WHITESPACE`; an empty value becomes ``default``;
    with a ``mapping`` (raw -> code, built from the distinct values), unmapped values
    become ``default`` too.
    """

    default: str
    mapping: dict[str, str] | None = None

    def apply(self, raw: pd.Series) -> pd.Series:
        text = raw.astype("string").fillna("")
        if self.mapping is not None:
            return text.map(self.mapping).fillna(self.default).astype("string")
        text = text.str.strip(WHITESPACE)
        return text.where(text != "", self.default).astype("string")


@dataclass(frozen=True)
class Prepared:
    """Validated, typed records ready to aggregate, plus what was found on the way.

    ``cube`` is the one scan's result: counts by period and every key with the categorical
    keys still raw; ``recodes`` says how to label them (on the cube, never per row).
    """

    keys: tuple[str, ...]  # grouping keys besides period
    n_rows: int
    n_in_window: int
    first_date: dt.date
    last_date: dt.date
    notes: tuple[str, ...] = field(default_factory=tuple)
    lsoa_unmatched: int = 0
    recodes: dict[str, Recode] = field(default_factory=dict)
    cube: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)


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


def _on_spark(expr: ir.Expr) -> bool:
    try:
        return str(expr._find_backend().name) == "pyspark"
    except Exception:  # an unbound expression (memtable only): not Spark
        return False


def _strip(expr: ir.StringValue) -> ir.StringValue:
    """Remove leading and trailing :data:`WHITESPACE`.

    Ibis compiles ``strip()`` to ``TRIM(x, ' \\t\\n\\r\\v\\f')``; Spark SQL does not read
    ``\\v`` and ``\\f`` as escapes, so on Spark it would also strip the *letters* v and f
    ('f' -> ''). On Spark the same characters are removed with a regular expression instead
    (the one backend branch here; TRIM is about three times faster on DuckDB).
    """
    if _on_spark(expr):
        return expr.re_replace(_EDGE_SPACE, "")
    return expr.strip()


def _raw_text(expr: ir.Column) -> ir.StringValue:
    """A key column as text, not stripped (that happens on the cube): null becomes ''."""
    if expr.type().is_boolean():  # a null flag is not known, not "No"
        text = ibis.cases((expr, "Yes"), (~expr, "No"), else_=ibis.null("string"))
    else:
        text = expr.cast("string")
    return text.fill_null("")


def _scan_key(expr: ir.Column) -> ir.Value:
    """A key column as the scan groups it: text and booleans as they are (nulls too; the
    cube is labelled afterwards), anything else as text. No per-row string work."""
    if expr.type().is_boolean() or _is_text(expr):
        return expr
    return expr.cast("string")


#: How the cube labels a boolean column dimension.
BOOLEAN_LABELS = {"True": "Yes", "False": "No"}


_NUMBER = r"^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?$"
_ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def _try_cast(text: ir.StringValue, to: str, pattern: str) -> ir.Value:
    """``try_cast`` where the backend has it; elsewhere (SQLite, say) a cast guarded by the
    pattern a readable value must match, so an unreadable value becomes null, not an error."""
    try:
        backend = text._find_backend()
    except Exception:  # an unbound expression: every in-process engine has TRY_CAST
        return text.try_cast(to)
    if backend.has_operation(ops.TryCast):
        return text.try_cast(to)
    return ibis.ifelse(text.re_search(pattern), text.cast(to), ibis.null(to))


def _as_number(expr: ir.Column) -> ir.FloatingColumn:
    if _is_text(expr):
        return _try_cast(_strip(expr).nullif(""), "float64", _NUMBER)
    return expr.cast("float64")


def _native_number(raw: ir.Column, number: ir.NumericValue) -> ir.NumericValue:
    """An integer column as it is (comparisons need no cast to float); else ``number``."""
    return raw if raw.type().is_integer() else number


def _outside(
    raw: ir.Column, number: ir.FloatingValue, low: int, high: int, *, whole: bool
) -> ir.BooleanValue:
    """Filled in but unreadable, outside ``low..high``, or (``whole``) not a whole number.

    Null where the value is blank (not a failure: see :class:`_Checks`). Integer columns are
    compared as they are and skip the tests they cannot fail, which keeps the one scan cheap.
    """
    native = _native_number(raw, number)
    bad = (native < low) | (native > high)
    if whole and not raw.type().is_integer():
        bad = bad | (number != number.floor())
    unread = _unparsed(raw, number)
    return bad if unread is None else bad | unread


def _unparsed(raw: ir.Column, parsed: ir.Value) -> ir.BooleanValue | None:
    """Filled in but not readable; None when the column's own type makes that impossible."""
    native = raw.type()
    if parsed.type().is_date() and (native.is_date() or native.is_timestamp()):
        return None
    if parsed.type().is_numeric() and native.is_numeric():
        return None
    return ~_blank(raw) & parsed.isnull()


def _blank(expr: ir.Column) -> ir.BooleanColumn:
    if _is_text(expr):
        return expr.isnull() | (_strip(expr) == "")
    return expr.isnull()


def _as_date(expr: ir.Column, fmt: str | None) -> ir.DateColumn:
    """Parse dates: native types as they are; text as ISO or the given day-first format."""
    if expr.type().is_date():
        return expr
    if expr.type().is_timestamp():
        return expr.date()
    if not _is_text(expr):
        return ibis.null("date")
    s = _strip(expr)
    if fmt in PERIOD_FORMATS:
        return _period_label_date(s, fmt)
    if fmt in ("%d/%m/%Y", "%d-%m-%Y"):
        sep = fmt[2]
        parts = s.re_extract(rf"^(\d{{1,2}}){sep}(\d{{1,2}}){sep}(\d{{4}})$", 0)
        day = s.re_extract(rf"^(\d{{1,2}}){sep}", 1).lpad(2, "0")
        month = s.re_extract(rf"^\d{{1,2}}{sep}(\d{{1,2}}){sep}", 1).lpad(2, "0")
        year = s.re_extract(r"(\d{4})$", 1)
        iso = ibis.ifelse(parts != "", year + "-" + month + "-" + day, ibis.null("string"))
        return _try_cast(iso, "date", _ISO_DATE)
    # ISO dates, optionally with a time: keep the first ten characters.
    return _try_cast(s.substr(0, 10), "date", _ISO_DATE)


#: Period labels published data use instead of dates, and how each is read (first day).
#: "2023 Q1" is a calendar quarter (Q1 = January to March); "2023/24 Q1" is a financial
#: quarter (Q1 = April to June 2023); "2023/24" (or "2023-24") is a financial year (from
#: 1 April 2023). The pseudo-format names are what ``date_format`` accepts for them.
PERIOD_FORMATS: dict[str, str] = {
    "quarter": r"^(\d{4})[ -]?Q([1-4])$",
    "financial_quarter": r"^(\d{4})[/-](\d{2}) ?Q([1-4])$",
    "financial_year": r"^(\d{4})[/-](\d{2})$",
}


def _period_label_date(s: ir.StringValue, fmt: str) -> ir.DateValue:
    """The first day of a quarter or financial-year label (null when it does not match)."""
    pattern = PERIOD_FORMATS[fmt]
    text = s.upper()
    year = text.re_extract(pattern, 1)
    if fmt == "quarter":
        q = text.re_extract(pattern, 2)
        month = ibis.cases((q == "1", "01"), (q == "2", "04"), (q == "3", "07"), else_="10")
        iso = year + "-" + month + "-01"
    elif fmt == "financial_quarter":
        q = text.re_extract(pattern, 3)
        next_year = (_try_cast(year, "int64", r"^\d{4}$") + 1).cast("string")
        month = ibis.cases((q == "1", "04"), (q == "2", "07"), (q == "3", "10"), else_="01")
        iso = ibis.ifelse(q == "4", next_year, year) + "-" + month + "-01"
    else:
        iso = year + "-04-01"
    iso = ibis.ifelse(year != "", iso, ibis.null("string"))
    return _try_cast(iso, "date", _ISO_DATE)


def _detect_date_format(table: ir.Table, column: str) -> str | None:
    expr = table[column]
    if not _is_text(expr):
        return None
    sample = table.select(v=_strip(expr)).filter(lambda t: t.v != "").limit(200).to_pandas()["v"]
    if not len(sample):
        return None
    if sample.str.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}").mean() > 0.9:
        return "%d/%m/%Y"
    for name, pattern in PERIOD_FORMATS.items():
        if sample.str.upper().str.fullmatch(pattern.strip("^$")).mean() > 0.9:
            return name
    return None


class _Checks:
    """Declares checks as (label, failing-condition, column, what, fix); runs them in one scan.

    A condition that is null for a row (a comparison with a blank value) does not fail it:
    SQL's OR and ``any()`` ignore nulls, so the scan folds the conditions as they are.
    """

    def __init__(self, records: Records, table: ir.Table) -> None:
        self.records = records
        self.table = table
        self.items: list[tuple[str, ir.BooleanValue, str, str, str]] = []
        #: Checks the scan does not test row by row: they depend only on a grouping key,
        #: so the cube's few distinct values of that key are checked instead.
        self.on_cube: set[str] = set()

    def add(
        self,
        column: str,
        bad: ir.BooleanValue | None,
        what: str,
        fix: str,
        *,
        on_cube: bool = False,
    ) -> None:
        """Declare a check; ``bad`` is None when no row can fail it (nothing to scan for)."""
        if bad is None:
            return
        label = f"c{len(self.items)}"
        self.items.append((label, bad, column, what, fix))
        if on_cube:
            self.on_cube.add(label)

    def in_scan(self) -> list[ir.BooleanValue]:
        """The failing conditions the one scan folds together, row by row."""
        return [bad for label, bad, *_ in self.items if label not in self.on_cube]

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
        numbered = _numbered(self.table)
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


def _numbered(table: ir.Table) -> ir.Table:
    """``table`` plus ``_row``, the line of the file each record came from (header = 1).

    DuckDB numbers rows in scan order with ``row_number()``. Spark's ``row_number()`` needs
    an order and Ibis gives it ``ORDER BY NULL``, which numbers rows arbitrarily; there the
    rows are ordered by ``monotonically_increasing_id()`` (increasing in file order: by
    partition, then within it). Only used to show where a problem is, never on valid data.
    """
    if not _on_spark(table):
        return table.mutate(_row=ibis.row_number() + 2)
    # In Spark SQL, not pyspark.sql.functions: the same text works on a classic session and
    # over Spark Connect (whose Column objects differ).
    backend: Any = table._find_backend()
    frame = backend._session.sql(
        "SELECT *, row_number() OVER (ORDER BY _mid) + 1 AS _row FROM "
        f"(SELECT *, monotonically_increasing_id() AS _mid FROM ({backend.compile(table)}) t) m"
    )
    view = f"equalqi_numbered_{abs(hash(str(table.op()))) % 10**12}"
    frame.drop("_mid").createOrReplaceTempView(view)
    return backend.table(view)


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
    num_native = _native_number(num_raw, num)
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
        _unparsed(t[data.date], date),
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
        _unparsed(num_raw, num),
        "this is not a number",
        "Use numbers only (no units, no text).",
    )
    checks.add(
        measure.numerator,
        num_native < 0,
        "the numerator is negative",
        "Counts and outcomes cannot be negative: correct the value.",
    )
    if measure.kind == "proportion" and den is None:
        checks.add(
            measure.numerator,
            (num_native != 0) & (num_native != 1),  # null is not a failure (see _Checks)
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
            _unparsed(den_raw, den),
            "this is not a number",
            "Use numbers only.",
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
    deprivation = data.imd_decile or data.imd_quintile
    # A column of whole numbers is grouped as it is, and its few distinct values are checked
    # and turned into the key on the cube: a per-row test and CASE cost about 7% of the scan
    # at 100 million rows. Any other column is read and checked row by row.
    decile_on_cube = False
    if deprivation:
        raw = t[deprivation]
        decile = _as_number(raw)
        top = 10 if data.imd_decile else 5
        most = data.most_deprived or 1
        decile_on_cube = bool(raw.type().is_integer())
        checks.add(
            deprivation,
            _outside(raw, decile, 1, top, whole=True),
            f"an IMD {'decile' if top == 10 else 'quintile'} must be a whole number from 1 to "
            f"{top} ({most} = most deprived, as the plan says)",
            "Correct the value, or leave it blank if it is not known.",
            on_cube=decile_on_cube,
        )
    age = None
    if data.age:
        raw = t[data.age]
        age = _as_number(raw)
        checks.add(
            data.age,
            _outside(raw, age, 0, 120, whole=False),
            "an age must be a number of years from 0 to 120",
            "Correct the value, or leave it blank if it is not known.",
        )
    lsoa_table = None
    if data.lsoa and not (data.imd_decile or data.imd_quintile):
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

    # The keys, in a fixed order; ethnicity and sex stay raw until the cube is recoded.
    column_keys: list[str] = []
    for d in plan.dimensions:
        if d.kind == "column" and d.column and d.column not in column_keys:
            column_keys.append(d.column)
    keys: list[str] = [KEY_DECILE] if decile is not None else []
    keys.extend(column_keys)
    if lsoa_table is not None:
        keys.append(KEY_DECILE)
    coded: list[tuple[str, str]] = [
        (key, name) for key, name in ((KEY_ETHNIC, data.ethnicity), (KEY_SEX, data.sex)) if name
    ]
    keys.extend(key for key, _ in coded)
    age_bounds: list[float] | None = None
    if age is not None:
        age_dims = [d for d in plan.dimensions if d.kind == "age_band"]
        age_bounds = list(
            get_age_bands(age_dims[0].age_bands if age_dims else "nhs_broad").lower_bounds
        )
        keys.append(KEY_AGE)

    base: dict[str, ir.Value] = {"_date": date, "numerator": num}
    if den is not None:
        base["denominator"] = den
    if age is not None and data.age:
        base["_age"] = _native_number(t[data.age], age)
    if lsoa_table is not None and data.lsoa:
        base["_lsoa"] = _strip(t[data.lsoa].cast("string"))
    scan = dict(base)
    if decile is not None and deprivation and decile_on_cube:
        scan[KEY_DECILE] = t[deprivation]  # keyed on the cube (see decile_on_cube)
    elif decile is not None and deprivation:
        # Out-of-range values are reported by the checks; here they must not break the cast.
        d = _decile_key(_native_number(t[deprivation], decile), data)
        top = 10 if data.imd_decile else 5
        scan[KEY_DECILE] = ibis.ifelse((d >= 1) & (d <= 2 * top - 1), d, None).cast("int8")
    for column in column_keys:
        scan[column] = _scan_key(t[column])
    for key, name in coded:
        scan[key] = _scan_key(t[name])

    # ONE scan of the records: the cube by period x every key (raw codes) with the number of
    # rows failing any check and the date range. Only when some row fails are the checks
    # counted one by one and located (more scans, on the error path only).
    say("aggregating (one scan of the records)")
    scan["_bad"] = ibis.or_(*checks.in_scan())
    today = dt.date.today()
    leave_future = data.future_dates == "leave_out"
    window = plan.period.start is not None or plan.period.end is not None or leave_future
    if window:
        inside: ir.BooleanValue = ibis.literal(True)
        if plan.period.start:
            inside = inside & (date >= plan.period.start)
        if plan.period.end:
            inside = inside & (date <= plan.period.end)
        if leave_future:
            inside = inside & (date <= today)
        scan["_in"] = inside.fill_null(False)
    if den is not None:
        # Rows over a zero denominator are counted in the same scan and left out with a
        # note (published data often carry empty groups); they are not an error.
        scan["_zero"] = (den == 0).fill_null(False)
    y = t.select(**scan)
    if lsoa_table is not None:
        y = _join_lsoa(y, lsoa_table)
    y = _with_period(y, plan, age_bounds)
    groups = [
        KEY_PERIOD,
        *keys,
        *(["_in"] if window else []),
        *(["_zero"] if den is not None else []),
    ]
    sums: dict[str, ir.Scalar] = {"numerator": y.numerator.sum()}
    if den is not None:
        sums["denominator"] = y.denominator.sum()
    if measure.kind == "mean":  # only a mean's standard deviation needs the sum of squares
        sums["numerator_sq"] = (y.numerator * y.numerator).sum()
    raw_cube = (
        y.group_by(groups)
        .aggregate(
            **sums,
            n_records=y.count(),
            _bad=y._bad.any(),
            _first=y._date.min(),
            _last=y._date.max(),
        )
        .to_pandas()
    )
    n_rows = int(raw_cube["n_records"].sum())
    cube_bad = False
    if decile_on_cube:
        raw_cube[KEY_DECILE], cube_bad = _decile_on_cube(raw_cube[KEY_DECILE], data)
    if cube_bad or raw_cube["_bad"].eq(True).any():  # null (no failing row) is not True
        problems, _counts = checks.run({})
        collector.extend(problems)
    if n_rows == 0:
        collector.add(
            Problem(
                what="the file has a header but no data rows",
                fix="Export the extract again with its records.",
                file=records.name,
            )
        )

    # Categorical codes: classify the distinct raw values (read off the cube) in the core.
    maps: list[tuple[str, str, dict[str, str], str]] = []
    for key, name in coded:
        classify, what, default = (
            (classify_ethnicity, "is not a recognised NHS ethnic category", MISSING_CODE)
            if key == KEY_ETHNIC
            else (classify_sex, "is not a recognised sex or gender code", "X")
        )
        values = raw_cube[key].astype("string").fillna("").unique().tolist()
        mapping, bad_codes = _code_map(values, classify, "code")
        collector.extend(
            _unknown_code_problems(checks, records, name, bad_codes, what, plan.data.unknown_codes)
        )
        maps.append((key, name, mapping, default))
    lsoa_unmatched = 0
    if lsoa_table is not None and data.lsoa:
        codes = t.select(_lsoa=_strip(t[data.lsoa].cast("string"))).filter(
            lambda x: x._lsoa.notnull() & (x._lsoa != "")
        )
        unmatched = codes.anti_join(lsoa_table, "_lsoa")
        lsoa_unmatched = int(unmatched.count().to_pandas())
        if lsoa_unmatched and plan.data.unknown_codes == "error":
            cond = ~_blank(t[data.lsoa]) & ~_strip(t[data.lsoa].cast("string")).isin(
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
    recodes: dict[str, Recode] = {
        c: Recode(default="Not known", mapping=BOOLEAN_LABELS if t[c].type().is_boolean() else None)
        for c in column_keys
    }
    recodes.update({key: Recode(default=d, mapping=m) for key, _c, m, d in maps})
    cube = raw_cube[raw_cube["_in"].astype(bool)] if window else raw_cube
    n_zero = 0
    if den is not None:
        zero = cube["_zero"].astype(bool)
        n_zero = int(cube.loc[zero, "n_records"].sum())
        cube = cube[~zero]
    if den is None:
        cube = cube.assign(denominator=cube["n_records"].astype("float64"))
    if "numerator_sq" not in cube.columns:
        cube = cube.assign(numerator_sq=np.nan)
    cube = cube[[KEY_PERIOD, *keys, "numerator", "denominator", "numerator_sq", "n_records"]]

    first, last = raw_cube["_first"].min(), raw_cube["_last"].max()
    notes: list[str] = []
    rows = data.rows_noun
    if date_fmt in PERIOD_FORMATS:
        notes.append(f"Dates were read as {PERIOD_LABELS[date_fmt]}.")
    elif date_fmt:
        notes.append(f"Dates were read as {date_fmt.replace('%', '')} (day first).")
    if lsoa_unmatched:
        # No count here: it would be a total of the (possibly hidden) "Not known" cells.
        notes.append(
            "Some records had an LSOA code not in the reference; they are counted as "
            "'Not known' deprivation (the completeness section shows how many)."
        )
    n_window = n_rows
    n_future = 0
    if pd.notna(last) and pd.Timestamp(last) > pd.Timestamp(today):
        # Rare, so not counted in the one scan (a per-row test there costs every file):
        # only a file with dates after today is read again to count them.
        n_future = int(t.filter(date > today).count().to_pandas())
    if window:
        n_window = int(cube["n_records"].sum()) + n_zero
    outside = n_rows - n_window - (n_future if leave_future else 0)
    if plan.period.start or plan.period.end:
        notes.append(f"{outside:,} {rows} outside the plan's period were left out.")
    if n_future:
        what = f"{n_future:,} {rows} {'is' if n_future == 1 else 'are'} dated after today ({today})"
        notes.append(
            f'{what}: left out (future_dates = "leave_out").'
            if leave_future
            else f"{what} and were analysed as they are: check the dates, or set "
            'future_dates = "leave_out" in [data] to leave them out.'
        )
    if n_zero:
        n_window -= n_zero
        where = _first_row(checks, den == 0, plan.measure.denominator or "")
        notes.append(
            f"{n_zero:,} {'row' if n_zero == 1 else 'rows'} with a zero denominator "
            f"({plan.measure.denominator}{where}) {'was' if n_zero == 1 else 'were'} left out: no "
            f"{'rate' if measure.kind == 'rate' else 'proportion'} can be computed over zero."
        )
    return Prepared(
        keys=tuple(keys),
        n_rows=n_rows,
        n_in_window=n_window,
        first_date=pd.Timestamp(first).date(),
        last_date=pd.Timestamp(last).date(),
        notes=tuple(notes),
        lsoa_unmatched=lsoa_unmatched,
        recodes=recodes,
        cube=cube.reset_index(drop=True),
    )


PERIOD_LABELS = {
    "quarter": "calendar quarters (2023 Q1 = January to March 2023)",
    "financial_quarter": "financial quarters (2023/24 Q1 = April to June 2023)",
    "financial_year": "financial years (2023/24 = April 2023 to March 2024)",
}


def _first_row(checks: _Checks, cond: ir.BooleanValue, column: str) -> str:
    """ ", first at row N" for the first row meeting ``cond`` (a scan, on that path only)."""
    found = checks._examples(cond, column, "", "", 1)
    return f", first at row {found[0].row}" if found and found[0].row else ""


def _decile_key(d: Any, data: Any) -> Any:
    """The key of a deprivation value, on an engine column or a pandas Series alike.

    Published the other way round (``most_deprived`` = the top), the value is turned so
    that 1 is the most deprived. A ready-made quintile q stands for deciles 2q-1 and 2q;
    the key carries 2q-1, from which the quintile (and Core20 = quintile 1) is read back
    exactly (the plan refuses decile dimensions on quintile data)."""
    top = 10 if data.imd_decile else 5
    if data.most_deprived == top:
        d = top + 1 - d
    if not data.imd_decile:
        d = 2 * d - 1
    return d


def _decile_on_cube(raw: pd.Series, data: Any) -> tuple[pd.Series, bool]:
    """(key, whether any value is out of range) from the cube's raw whole-number values.

    The key has the type the scan would have given it: int8, or float with NaN for a
    blank value (a cell of blanks)."""
    top = 10 if data.imd_decile else 5
    values = raw.astype("float64")
    bad = bool((values.notna() & ((values < 1) | (values > top))).any())
    key = _decile_key(values.where((values >= 1) & (values <= top)), data)
    return (key if key.isna().any() else key.astype("int8")), bad


def _join_lsoa(x: ir.Table, lsoa_table: ir.Table) -> ir.Table:
    x = x.left_join(lsoa_table, "_lsoa").drop("_lsoa", "_lsoa_right")
    return x.mutate(**{KEY_DECILE: x["_ref_decile"].cast("int8")}).drop("_ref_decile")


def _with_period(x: ir.Table, plan: AnalysisPlan, age_bounds: list[float] | None) -> ir.Table:
    """Add the age band (from ``_age``) and the period (from ``_date``)."""
    if age_bounds is not None and KEY_AGE not in x.columns:
        # The highest band whose lower bound the age reaches; -1 if none or not known.
        bands = [(x._age >= lower, i) for i, lower in reversed(list(enumerate(age_bounds)))]
        band = ibis.cases((x._age.isnull(), -1), *bands, else_=-1)
        x = x.mutate(**{KEY_AGE: band.cast("int8")})
    if plan.period.unit == "financial_year":  # from 1 April (the NHS and UK government year)
        start_year = x._date.year() - ibis.ifelse(x._date.month() < 4, 1, 0)
        return x.mutate(**{KEY_PERIOD: ibis.date(start_year, 4, 1)})
    unit = {"week": "W", "month": "M", "quarter": "Q", "year": "Y"}[plan.period.unit]
    return x.mutate(**{KEY_PERIOD: x._date.truncate(unit).cast("date")})


def _code_map(
    values: Any,
    classify: Callable[[list[object]], pd.DataFrame],
    code_col: str,
) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Classify distinct raw values: (raw -> code for the recognised, stripped unknown -> raws).

    Raw values are the column's text with nulls as ''; each is classified stripped of
    :data:`WHITESPACE`, so ' A' and 'A' get the same code.
    """
    raw = sorted({str(v) for v in (values if values is not None else [])} | {""})
    stripped = [r.strip(WHITESPACE) for r in raw]
    unique = sorted(set(stripped))
    mapped = classify([v if v != "" else None for v in unique])
    recognised = mapped["recognised"].astype(bool).tolist()
    codes = mapped[code_col].tolist()
    code_of = {u: str(c) for u, c, ok in zip(unique, codes, recognised, strict=True) if ok}
    mapping = {r: code_of[s] for r, s in zip(raw, stripped, strict=True) if s in code_of}
    unknown: dict[str, list[str]] = {}
    for r, s_ in zip(raw, stripped, strict=True):
        if s_ not in code_of:
            unknown.setdefault(s_, []).append(r)
    return mapping, unknown


def _unknown_code_problems(
    checks: _Checks,
    records: Records,
    column: str,
    unknown: dict[str, list[str]],
    what: str,
    policy: str,
) -> list[Problem]:
    if not unknown or policy != "error":
        return []
    t = records.table
    out: list[Problem] = []
    values = list(unknown)
    for value in values[:10]:
        cond = _raw_text(t[column]).isin(unknown[value])
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
    if len(values) > 10:
        out.append(
            Problem(
                what=f"{len(values) - 10} more unrecognised values",
                fix="See the first ten above.",
                file=records.name,
                column=column,
            )
        )
    return out
