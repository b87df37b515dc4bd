"""Facts from a dossier: every metric's value in the catalogue's unit, with how it was obtained.

Reported values are used as reported (converted to the metric's unit); where the
catalogue also has a formula, the derived value cross-checks them. Undefined
cases (no data, zero denominator, no IAV growth for an elasticity) give a
missing fact with the reason, never a number.
"""
from __future__ import annotations

import datetime as dt
import math
from functools import cached_property

from . import units
from .formula import Formula, Undefined, evaluate, parse_formula
from .model import Catalogue, Dossier, Fact, Input, Metric
from .problems import pointer

CROSS_CHECK_TOLERANCE = 0.01   # reported vs derived: warn beyond 1 %
SIGNIFICANT_DIGITS = 10        # derived values are rounded so float noise never decides a boundary case


def significant(x: float) -> float:
    return float(f"{x:.{SIGNIFICANT_DIGITS}g}")


def resolve(data, ptr: str):
    node = data
    for part in ptr.lstrip("/").split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return None
    return node


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


class Missing(Exception):
    def __init__(self, reason: str, inputs: tuple[Input, ...] = ()):
        super().__init__(reason)
        self.reason = reason
        self.inputs = inputs


class Deriver:
    """Derives facts for one dossier on one assessment date; each fact is computed once."""

    def __init__(self, dossier: Dossier, catalogue: Catalogue, as_of: dt.date):
        self.dossier = dossier
        self.cat = catalogue
        self.as_of = as_of
        self._cache: dict[tuple[str, int | None], Fact] = {}
        self._formulas: dict[str, Formula] = {}

    @cached_property
    def reference_year(self) -> int | None:
        if self.dossier.reference_year:
            return self.dossier.reference_year
        series = self.dossier.data.get("series") or {}
        preferred = series.get("industrial_added_value")
        pool = [preferred] if preferred else list(series.values())
        years = [int(y) for s in pool for y in s["values"] if int(y) <= self.as_of.year]
        return max(years) if years else None

    def fact(self, metric_name: str, period: int | None) -> Fact:
        key = (metric_name, period)
        if key not in self._cache:
            self._cache[key] = self._fact(self.cat.metrics[metric_name], period)
        return self._cache[key]

    # --- the three ways to obtain a value -------------------------------------------

    def _fact(self, m: Metric, period: int | None) -> Fact:
        reported = (self.dossier.data.get("reported") or {}).get(m.name)
        if m.extract:
            return self._extracted(m)
        derived = self._derived(m, period) if m.formula else None
        if reported is None:
            if derived is not None:
                return derived
            return Fact(m.name, None, m.unit, "missing", reason=f"not reported (expected at /reported/{m.name})")
        fact = self._reported(m, reported)
        if derived is not None and derived.present and isinstance(fact.value, float):
            d, r = derived.value, fact.value
            base = max(abs(d), abs(r))
            if base > 0 and abs(d - r) / base > CROSS_CHECK_TOLERANCE:
                diff = abs(d - r) / abs(d) * 100 if d else math.inf
                warning = (f"reported {r:g} {m.unit} differs by {diff:.1f} % from {d:g} {m.unit} derived "
                           f"as {m.formula} ({self._describe_inputs(derived.inputs)})")
                fact = Fact(**{**fact.__dict__, "warnings": fact.warnings + (warning,)})
        return fact

    def _reported(self, m: Metric, r: dict) -> Fact:
        ptr = f"/reported/{m.name}"
        inp = Input(m.name, ptr, r["value"], r.get("unit"), r.get("source"))
        warnings = ()
        year = r.get("year")
        if year is not None and self.reference_year is not None and year != self.reference_year:
            warnings = (f"reported for {year}, not for the reference year {self.reference_year}",)
        if m.is_bool:
            return Fact(m.name, bool(r["value"]), m.unit, "reported", year=year, inputs=(inp,), warnings=warnings)
        value = significant(units.convert(float(r["value"]), r["unit"], m.unit))
        return Fact(m.name, value, m.unit, "reported", year=year, inputs=(inp,), warnings=warnings)

    def _derived(self, m: Metric, period: int | None) -> Fact:
        formula = self._formulas.get(m.name) or parse_formula(m.formula, self.cat.quantities)
        self._formulas[m.name] = formula
        year = self.reference_year
        try:
            if year is None:
                raise Missing("the dossier has no yearly series up to the assessment date")
            if formula.function:
                if not period:
                    raise Missing(f"{formula.function} needs a period; the program declares none")
                value, inputs = self._period_function(formula, year, period)
                return Fact(m.name, significant(value), m.unit, "derived", year=year, formula=m.formula,
                            inputs=inputs, period=(year - period, year))
            quantities, inputs = {}, []
            for name in formula.names:
                q, inp = self._quantity(name, year)
                quantities[name] = q
                inputs.append(inp)
            try:
                result = evaluate(formula, quantities)
            except Undefined as u:
                raise Missing(f"{u} for {year}", tuple(inputs)) from None
            target = units.parse(m.unit)
            value = float(result.to(target).magnitude)
            return Fact(m.name, significant(value), m.unit, "derived", year=year, formula=m.formula,
                        inputs=tuple(inputs))
        except Missing as miss:
            return Fact(m.name, None, m.unit, "missing", year=year, formula=m.formula, inputs=miss.inputs,
                        reason=miss.reason)

    def _quantity(self, name: str, year: int):
        s = (self.dossier.data.get("series") or {}).get(name)
        ptr = pointer(["series", name, "values", str(year)])
        if s is None or str(year) not in s["values"]:
            raise Missing(f"no value for {name} in {year} (expected at {ptr})")
        raw = s["values"][str(year)]
        value, source = (raw["value"], raw.get("source")) if isinstance(raw, dict) else (raw, None)
        q = units.Quantity(float(value), units.parse(s["unit"]))
        canonical = self.cat.quantities[name].unit
        return q.to(units.parse(canonical)), Input(f"{name} {year}", ptr, value, s["unit"], source or s.get("source"))

    def _period_function(self, formula: Formula, year: int, period: int):
        start = year - period
        inputs = []
        rates = []
        for name in formula.names:
            q0, i0 = self._quantity(name, start)
            q1, i1 = self._quantity(name, year)
            inputs += [i0, i1]
            if q0.magnitude <= 0:
                raise Missing(f"{name} in {start} is {q0.magnitude:g}: its growth rate is undefined", tuple(inputs))
            rates.append((float((q1 / q0).to("dimensionless").magnitude) ** (1 / period) - 1, name))
        if formula.function == "cagr":
            return rates[0][0] * 100, tuple(inputs)
        (rate_q, _), (rate_base, base) = rates
        if rate_base <= 0:
            raise Missing(f"{base} did not grow over {start}–{year} ({rate_base * 100:.2f} %/yr): "
                          f"the elasticity coefficient is undefined", tuple(inputs))
        return rate_q / rate_base, tuple(inputs)

    def _extracted(self, m: Metric) -> Fact:
        spec = m.extract
        ptr = spec["pointer"]
        node = resolve(self.dossier.data, ptr)
        if node is None:
            return Fact(m.name, None, m.unit, "missing", reason=f"not in the dossier (expected at {ptr})")
        reading = spec["reading"]
        if reading == "measure":
            inp = Input(m.name, ptr, node["value"], node["unit"], node.get("source"))
            value = significant(units.convert(float(node["value"]), node["unit"], m.unit))
            return Fact(m.name, value, m.unit, "extracted", inputs=(inp,))
        if reading == "flag":
            return Fact(m.name, bool(node), m.unit, "extracted", inputs=(Input(m.name, ptr, node),))
        if reading == "certificate_valid":
            inp = Input(m.name, ptr, {k: node.get(k) for k in ("certified", "certificate_no", "issuer", "valid_from", "valid_to")},
                        source=node.get("source"))
            if not node["certified"]:
                return Fact(m.name, False, m.unit, "extracted", inputs=(inp,), formula="certified")
            valid = dt.date.fromisoformat(node["valid_from"]) <= self.as_of <= dt.date.fromisoformat(node["valid_to"])
            warnings = () if valid else (f"certificate valid {node['valid_from']} to {node['valid_to']}, "
                                         f"not on the assessment date {self.as_of}",)
            return Fact(m.name, valid, m.unit, "extracted", inputs=(inp,), warnings=warnings,
                        formula="certified and valid_from ≤ as_of ≤ valid_to")
        if reading == "events_within_years":
            years = spec["years"]
            window_start = years_before(self.as_of, years)
            complete_since = dt.date.fromisoformat(node["complete_since"])
            inputs = [Input("complete_since", ptr + "/complete_since", node["complete_since"])]
            if complete_since > window_start:
                return Fact(m.name, None, m.unit, "missing", inputs=tuple(inputs),
                            reason=f"the incident record is complete only since {complete_since}; "
                                   f"the {years} years before {self.as_of} start on {window_start}")
            count = 0
            for i, ev in enumerate(node.get("events") or []):
                day = dt.date.fromisoformat(ev["date"])
                if window_start <= day <= self.as_of:
                    count += 1
                    inputs.append(Input(f"{ev['kind']} ({ev['severity']})", f"{ptr}/events/{i}", ev["date"],
                                        source=ev.get("source")))
            return Fact(m.name, float(count), m.unit, "extracted", inputs=tuple(inputs),
                        formula=f"events dated {window_start} to {self.as_of}")
        raise ValueError(f"unknown reading {reading!r}")  # the schema makes this unreachable

    @staticmethod
    def _describe_inputs(inputs) -> str:
        return ", ".join(f"{i.name} = {i.value:,.10g} {i.unit}" if isinstance(i.value, (int, float)) else f"{i.name}"
                         for i in inputs)
