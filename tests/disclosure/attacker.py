"""An analyst trying to work hidden numbers back out of an analysis's shared files.

Written independently of :mod:`equalqi.disclosure` (it imports nothing from it): it reads
what anyone given the outputs can read (``measures.csv``, ``gaps.csv``,
``completeness.csv``, ``summary.json``, ``plan.toml``, and any JSON an API returned) and
knows the published method (which cells add up to which; hidden counts are never
negative and a row has at least one record; rounding is to the nearest 5 with counts of
1-7 redacted). Then, until it learns nothing new:

1. **bounds propagation** over every relation (subtraction from a total, from an
   intersection's margins, from the records analysed over all periods, from the
   completeness counts; ``denominator = numerator + complement``), on integer intervals;
2. **linear algebra**: a hidden count whose unit vector lies in the row space of the
   relations among hidden counts is known exactly, however long the chain;
3. **gap inversion**: a published difference with one group's rate known, or a difference
   and a ratio together, give the other rate; with its denominator, the numerator.

A count (or rate) counts as *recovered* only if the deduced value equals the true one.
"""

from __future__ import annotations

import json
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

SEP = " · "
INF = math.inf


@dataclass
class Published:
    measures: pd.DataFrame
    gaps: pd.DataFrame
    completeness: pd.DataFrame
    summary: dict[str, Any]
    plan: dict[str, Any]

    @property
    def kind(self) -> str:
        return str(self.plan["measure"]["kind"])

    @property
    def rule(self) -> str:
        out = self.plan.get("output", {})
        if out.get("suppress_below", 10) <= 1 and out.get("disclosure", "suppress") == "suppress":
            return "none"
        return str(out.get("disclosure", "suppress"))

    @property
    def multiplier(self) -> float:
        return float(self.plan["measure"].get("multiplier", 1.0))


def read_published(folder: Path, extra_json: Mapping[str, Any] | None = None) -> Published:
    measures = pd.read_csv(folder / "measures.csv", parse_dates=["period"])
    gaps_file = folder / "gaps.csv"
    gaps = (
        pd.read_csv(gaps_file, parse_dates=["period"])
        if gaps_file.stat().st_size > 1
        else pd.DataFrame()
    )
    complete_file = folder / "completeness.csv"  # not among the web app's downloads
    completeness = (
        pd.read_csv(complete_file, parse_dates=["period"])
        if complete_file.exists()
        else pd.DataFrame(columns=["period", "field", "records", "missing"])
    )
    summary = json.loads((folder / "summary.json").read_text())
    if extra_json:
        summary = {**summary, "_api": extra_json}
    plan = tomllib.loads((folder / "plan.toml").read_text())
    return Published(measures, gaps, completeness, summary, plan)


@dataclass
class Knowledge:
    lo: np.ndarray
    hi: np.ndarray
    rate: dict[int, float] = field(default_factory=dict)  # cell -> rate learnt by inversion


class Attacker:
    FIELDS = ("num", "den", "rec", "neg")

    def __init__(self, pub: Published) -> None:
        self.pub = pub
        m = pub.measures.reset_index(drop=True)
        self.m = m
        self.n_cells = len(m)
        self.cell = {
            (pd.Timestamp(p), str(d), str(g)): i
            for i, (p, d, g) in enumerate(zip(m["period"], m["dimension"], m["group"], strict=True))
        }
        self.hidden = m["numerator"].isna().to_numpy() & m["n_records"].isna().to_numpy()
        # variables: (cell, field) for each cell, then extra published totals
        self.var: dict[tuple[int | str, str], int] = {}
        for i in range(self.n_cells):
            for f in self.FIELDS:
                self.var[(i, f)] = len(self.var)
        self.lo: list[float] = [0.0] * len(self.var)
        self.hi: list[float] = [INF] * len(self.var)
        self.relations: list[tuple[int, list[int]]] = []
        self._known_cells()
        self._structure()

    # -------------------------------------------------------------- what is published
    def _interval(self, shown: float) -> tuple[float, float]:
        if self.pub.rule == "round":
            if shown == 0:
                return 0.0, 0.0
            base = int(self.pub.plan["output"].get("round_to", 5))
            least = int(self.pub.plan["output"].get("redact_at_most", 7)) + 1
            return max(shown - base // 2, least), shown + base // 2
        return shown, shown

    def _known_cells(self) -> None:
        kind, rule = self.pub.kind, self.pub.rule
        for i, r in self.m.iterrows():
            i = int(i)
            if not self.hidden[i]:
                for f, col in (("num", "numerator"), ("den", "denominator"), ("rec", "n_records")):
                    if kind == "mean" and f != "rec":
                        continue
                    v = r[col]
                    if pd.notna(v):
                        lo, hi = self._interval(float(v))
                        self._bound(self.var[(i, f)], lo, hi)
            else:
                self._bound(self.var[(i, "rec")], 1, INF)
                if kind == "proportion":
                    self._bound(self.var[(i, "den")], 1, INF)
                primary = str(r.get("suppression_reason", "")) == "small number"
                if rule == "round" and kind != "mean" and primary:
                    least = int(self.pub.plan["output"].get("redact_at_most", 7))
                    self._bound(self.var[(i, "num")], 0, least)

    def _bound(self, v: int, lo: float, hi: float) -> None:
        self.lo[v] = max(self.lo[v], lo)
        self.hi[v] = min(self.hi[v], hi)

    def _extra(self, name: str, value: float) -> int:
        v = len(self.lo)
        self.var[(name, "rec")] = v
        lo, hi = self._interval(value)
        self.lo.append(lo)
        self.hi.append(hi)
        return v

    def _structure(self) -> None:
        plan, kind = self.pub.plan, self.pub.kind
        dims = [d["name"] for d in plan.get("dimensions", [])]
        fields = ["rec"] if kind == "mean" else ["num", "den", "rec"]
        if kind == "proportion":
            fields.append("neg")
            for i in range(self.n_cells):
                self.relations.append(
                    (self.var[(i, "den")], [self.var[(i, "num")], self.var[(i, "neg")]])
                )
        m = self.m
        overall = m[m["dimension"] == "Overall"]
        over_at = {
            pd.Timestamp(p): int(i) for p, i in zip(overall["period"], overall.index, strict=True)
        }
        groups: list[tuple[int, list[int]]] = []
        for d in dims:
            for p, sub in m[m["dimension"] == d].groupby("period"):
                if pd.Timestamp(p) in over_at:
                    groups.append((over_at[pd.Timestamp(p)], [int(i) for i in sub.index]))
        for x in plan.get("intersections", []):
            sub = m[m["dimension"] == x["name"]]
            parts = sub["group"].astype(str).str.split(SEP, regex=False)
            for pos, dim in enumerate(x["of"]):
                comp = parts.str[pos]
                for (p, value), s in sub.groupby([sub["period"], comp]):
                    total = self.cell.get((pd.Timestamp(p), dim, str(value)))
                    if total is not None:
                        groups.append((total, [int(i) for i in s.index]))
        for total, parts_ in groups:
            for f in fields:
                self.relations.append((self.var[(total, f)], [self.var[(c, f)] for c in parts_]))
        # the records analysed, over all periods
        records = self.pub.summary.get("records_analysed")
        if records is not None:
            g = self._extra("grand", float(records))
            self.relations.append((g, [self.var[(int(i), "rec")] for i in overall.index]))
        # completeness: missing records per period are a published total of unknown groups
        kinds = {d["name"]: d["kind"] for d in plan.get("dimensions", [])}
        unknown = {
            "ethnic": (("ethnicity", "ethnic_category"), ("Not stated", "Not known")),
            "decile": (("imd_decile", "imd_quintile", "core20"), ("Not known",)),
            "age": (("age_band",), ("Not known",)),
            "sex": (("sex",), ("Not known",)),
        }
        for _, r in self.pub.completeness.iterrows():
            if pd.isna(r["missing"]):
                continue
            key = next((k for k in unknown if k in str(r["field"])), None)
            if key is None:
                continue
            kinds_, labels = unknown[key]
            dim = next((d for d, k in kinds.items() if k in kinds_), None)
            if dim is None:
                continue
            cells = [
                self.cell[c]
                for c in ((pd.Timestamp(r["period"]), dim, lab) for lab in labels)
                if c in self.cell
            ]
            v = self._extra(f"missing-{dim}-{r['period']}", float(r["missing"]))
            self.relations.append((v, [self.var[(c, "rec")] for c in cells]))

    # -------------------------------------------------------------- the attacks
    def run(self) -> Knowledge:
        lo, hi = np.array(self.lo), np.array(self.hi)
        rates: dict[int, float] = {}
        for _ in range(50):
            before = (lo.copy(), hi.copy(), dict(rates))
            self._propagate(lo, hi)
            self._linear(lo, hi)
            self._invert_gaps(lo, hi, rates)
            if (
                np.array_equal(before[0], lo)
                and np.array_equal(before[1], hi)
                and before[2] == rates
            ):
                break
        return Knowledge(lo, hi, rates)

    def _propagate(self, lo: np.ndarray, hi: np.ndarray) -> None:
        low, high = lo.tolist(), hi.tolist()
        for _ in range(100):
            changed = False
            for t, parts in self.relations:
                plo = sum(low[p] for p in parts)
                phi = sum(high[p] for p in parts)
                if plo > low[t]:
                    low[t], changed = plo, True
                if phi < high[t]:
                    high[t], changed = phi, True
                n_inf = sum(1 for p in parts if high[p] == INF)
                for p in parts:
                    others_lo = plo - low[p]
                    cand_hi = high[t] - others_lo
                    if low[p] - 1e-9 <= cand_hi < high[p] - 1e-9:
                        new = math.floor(cand_hi + 1e-9)
                        phi += new - high[p] if high[p] != INF else 0.0
                        if high[p] == INF:
                            n_inf -= 1
                            phi = sum(high[q] for q in parts)
                        high[p], changed = new, True
                    if n_inf == 0 or (n_inf == 1 and high[p] == INF):
                        others_hi = (
                            phi - high[p] if n_inf == 0 else sum(high[q] for q in parts if q != p)
                        )
                        cand_lo = low[t] - others_hi
                        if high[p] + 1e-9 >= cand_lo > low[p] + 1e-9:
                            new = math.ceil(cand_lo - 1e-9)
                            plo += new - low[p]
                            low[p], changed = new, True
            if not changed:
                break
        lo[:] = low
        hi[:] = high

    def _linear(self, lo: np.ndarray, hi: np.ndarray) -> None:
        unknown = {v for v in range(len(lo)) if lo[v] != hi[v]}
        if not unknown:
            return
        parent = {v: v for v in unknown}

        def find(v: int) -> int:
            while parent[v] != v:
                parent[v] = parent[parent[v]]
                v = parent[v]
            return v

        touching = []
        for t, parts in self.relations:
            cells = [v for v in (t, *parts) if v in unknown]
            if not cells:
                continue
            touching.append((t, parts, cells))
            root = find(cells[0])
            for v in cells[1:]:
                other = find(v)
                if other != root:
                    parent[other] = root
        comps: dict[int, list[tuple[int, list[int]]]] = {}
        for t, parts, cells in touching:
            comps.setdefault(find(cells[0]), []).append((t, parts))
        for rels in comps.values():
            variables = sorted({v for t, parts in rels for v in (t, *parts) if v in unknown})
            col = {v: j for j, v in enumerate(variables)}
            a = np.zeros((len(rels), len(variables)))
            rhs = np.zeros(len(rels))
            for row, (t, parts) in enumerate(rels):
                for v, sign in [(t, -1.0), *[(p, 1.0) for p in parts]]:
                    if v in col:
                        a[row, col[v]] += sign
                    else:
                        rhs[row] -= sign * lo[v]
            _, s, vt = np.linalg.svd(a, full_matrices=True)
            rank = int((s > 1e-9 * max(1.0, s.max(initial=0))).sum())
            null = vt[rank:].T
            fixed = np.abs(null).max(axis=1, initial=0.0) < 1e-7
            if not fixed.any():
                continue
            x, *_ = np.linalg.lstsq(a, rhs, rcond=None)
            for v, j in col.items():
                if fixed[j]:
                    lo[v] = hi[v] = round(float(x[j]))

    def _rate_of(
        self, i: int, lo: np.ndarray, hi: np.ndarray, rates: dict[int, float]
    ) -> float | None:
        if i in rates:
            return rates[i]
        n, d = self.var[(i, "num")], self.var[(i, "den")]
        if lo[n] == hi[n] and lo[d] == hi[d] and lo[d] > 0 and self.pub.rule != "round":
            return float(lo[n] / lo[d])
        if not self.hidden[i]:
            v = self.m.at[i, "value"]
            return float(v) if pd.notna(v) else None
        return None

    def _invert_gaps(self, lo: np.ndarray, hi: np.ndarray, rates: dict[int, float]) -> None:
        g = self.pub.gaps
        if g.empty or self.pub.kind == "mean":
            return
        mult = self.pub.multiplier
        for (p, dim), sub in g.groupby(["period", "dimension"]):
            diff = sub[sub["measure"] == "difference"]
            ratio = sub[sub["measure"] == "ratio"]
            if diff.empty:
                continue
            focus, ref = str(diff["focus"].iloc[0]), str(diff["reference"].iloc[0])
            fi = self.cell.get((pd.Timestamp(p), str(dim), focus))
            ri = self.cell.get((pd.Timestamp(p), str(dim), ref))
            if fi is None or ri is None:
                continue
            d = float(diff["estimate"].iloc[0]) / mult
            rf, rr = self._rate_of(fi, lo, hi, rates), self._rate_of(ri, lo, hi, rates)
            if rf is None and rr is not None:
                rates[fi] = rr + d
            elif rr is None and rf is not None:
                rates[ri] = rf - d
            elif rf is None and rr is None and not ratio.empty:
                r = float(ratio["estimate"].iloc[0])
                if abs(r - 1) > 1e-12:
                    rates[ri] = d / (r - 1)
                    rates[fi] = r * rates[ri]
        for i, rate in rates.items():
            dv, nv = self.var[(i, "den")], self.var[(i, "num")]
            if lo[dv] == hi[dv] and lo[nv] != hi[nv]:
                guess = rate * lo[dv]
                if abs(guess - round(guess)) < 1e-6:
                    lo[nv] = hi[nv] = round(guess)


@dataclass(frozen=True)
class Recovery:
    period: pd.Timestamp
    dimension: str
    group: str
    what: str
    value: float


def recovered(attacker: Attacker, knowledge: Knowledge, truth: pd.DataFrame) -> list[Recovery]:
    """Hidden numerators, denominators and rates the attacker now knows exactly (and rightly)."""
    t = truth.set_index(["period", "dimension", "group"])
    out = []
    kind = attacker.pub.kind
    lo, hi = knowledge.lo, knowledge.hi
    for i in np.flatnonzero(attacker.hidden):
        row = attacker.m.iloc[i]
        key = (pd.Timestamp(row["period"]), str(row["dimension"]), str(row["group"]))
        true = t.loc[key]
        checks = [("records", "rec", "n_records")]
        if kind != "mean":
            checks += [("numerator", "num", "numerator"), ("denominator", "den", "denominator")]
        for what, f, col in checks:
            v = attacker.var[(int(i), f)]
            if lo[v] == hi[v] and abs(lo[v] - float(true[col])) < 1e-6:
                out.append(Recovery(*key, what, float(lo[v])))
        if kind == "proportion":
            n, d, neg = (attacker.var[(int(i), f)] for f in ("num", "den", "neg"))
            rate = None
            if hi[n] == 0:
                rate = 0.0
            elif hi[neg] == 0:
                rate = 1.0
            elif lo[n] == hi[n] and lo[d] == hi[d] and lo[d] > 0:
                rate = lo[n] / lo[d]
            if rate is not None and abs(rate - float(true["value"])) < 1e-9:
                out.append(Recovery(*key, "rate", rate))
        if int(i) in knowledge.rate and abs(knowledge.rate[int(i)] - float(true["value"])) < 1e-9:
            out.append(Recovery(*key, "rate", knowledge.rate[int(i)]))
    return out
