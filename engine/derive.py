"""Facts from a dossier: every metric's value in the catalogue's unit, with how it was obtained.

Reported values are used as reported (converted to the metric's unit); where the
catalogue also has a formula, the derived value cross-checks them. Undefined
cases (no data, zero denominator, no IAV growth for an elasticity) give a
missing fact with the reason, never a number.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import math
from functools import cached_property

from . import bounds, units
from .fmt import number  # the declared target as the zone wrote it, without exponents
from .formula import Formula, Undefined, magnitudes_function, parsed, result_factor
from .model import Catalogue, Dossier, Fact, Input, Metric, Target
from .problems import pointer

CROSS_CHECK_TOLERANCE = 0.01   # reported vs derived: warn beyond 1 %
SIGNIFICANT_DIGITS = 10        # derived values are rounded so float noise never decides a boundary case


def significant(x: float) -> float:
    return float(f"{x:.{SIGNIFICANT_DIGITS}g}")


def resolve(data, ptr: str):
    node = data
    parts = _POINTER_PARTS.get(ptr)
    if parts is None:   # the catalogue's few pointers, read for every dossier
        parts = _POINTER_PARTS[ptr] = tuple(p.replace("~1", "/").replace("~0", "~") for p in ptr.lstrip("/").split("/"))
    for part in parts:
        if isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return None
    return node


_POINTER_PARTS: dict[str, tuple[str, ...]] = {}


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _plausible(v: float) -> bool:
    return math.isfinite(v) and abs(v) < bounds.MAX_NUMBER


def _bounded(fact: Fact) -> Fact:
    """Valid inputs can still give a value no engine can compare (1e14 / 1e-300): such a fact is missing, with
    the reason, for both evaluators alike (durable_rules takes magnitudes below bounds.MAX_NUMBER only)."""
    v = fact.value
    if isinstance(v, float) and not _plausible(v):
        return dataclasses.replace(fact, value=None, method="missing",
                                   reason=f"{fact.method} value {v:.3g} {fact.unit} is implausible "
                                          f"(not finite or ≥ {bounds.MAX_NUMBER:.0e}): check the inputs")
    return fact


_PLANS: dict[tuple[str, str], list] = {}
_ABSENT = object()


def _plan(m: Metric, quantities) -> list:
    """A formula metric's formula, its function of plain magnitudes (None for a period function) and the factor to
    the metric's unit (found at the first value, as before), once per process (measured: looked up per fact, 4 µs
    of each derived fact)."""
    formula = parsed(m.formula, quantities)
    plan = _PLANS[(m.formula, m.unit)] = [formula, None if formula.function else magnitudes_function(formula), None]
    return plan


class Missing(Exception):
    def __init__(self, reason: str, inputs: tuple[Input, ...] = ()):
        super().__init__(reason)
        self.reason = reason
        self.inputs = inputs


class Deriver:
    """Derives facts for one dossier on one assessment date; each fact is computed once."""

    def __init__(self, dossier: Dossier, catalogue: Catalogue, as_of: dt.date, reference_year: int | None = None):
        self.dossier = dossier
        self.cat = catalogue
        self.as_of = as_of
        self._reference_year = reference_year
        # facts by metric name, or (name, period) for the metrics that depend on the program's period
        self._cache: dict[str | tuple[str, int | None], Fact] = {}
        self._quantities: dict[tuple[str, int], tuple[float, Input]] = {}    # a quantity feeds several formulas
        self._bases: dict[int, Deriver] = {}        # declared targets' base years
        self._plans: dict[str | None, dict[str, tuple[int, dict]]] = {}    # work plan -> its target for each metric
        self._reported_values = dossier.data.get("reported") or {}
        self._series = dossier.data.get("series") or {}

    @cached_property
    def reference_year(self) -> int | None:
        if self._reference_year:
            return self._reference_year
        if self.dossier.reference_year:
            return self.dossier.reference_year
        series = self.dossier.data.get("series") or {}
        preferred = series.get("industrial_added_value")
        pool = [preferred] if preferred else list(series.values())
        years = [int(y) for s in pool for y in s["values"] if int(y) <= self.as_of.year]
        return max(years) if years else None

    def fact(self, metric_name: str, period: int | None) -> Fact:
        """The metric's fact, computed once and shared by every program that reads it."""
        got = self._cache.get(metric_name)
        if got is not None:
            return got
        m = self.cat.metrics[metric_name]
        key = (metric_name, period) if m.uses_period else metric_name
        got = self._cache.get(key)
        if got is None:
            try:
                got = self._fact(m, period)
            except OverflowError:   # a growth rate of extreme inputs: (q1 / q0) ** (1 / n) beyond a float
                got = Fact(m.name, None, m.unit, "missing", reason="the inputs give a value beyond any float: check them")
            v = got.value
            if isinstance(v, float) and not -bounds.MAX_NUMBER < v < bounds.MAX_NUMBER:   # NaN, ±inf, too large
                got = _bounded(got)
            self._cache[key] = got
        return got

    # --- the three ways to obtain a value -------------------------------------------

    def _fact(self, m: Metric, period: int | None) -> Fact:
        reported = self._reported_values.get(m.name)
        if m.extract:
            return self._extracted(m)
        derived = self._derived(m, period) if m.formula else None
        if reported is None:
            if derived is not None:
                return derived
            return Fact(m.name, None, m.unit, "missing", None, None, (), f"not reported (expected at /reported/{m.name})")
        fact = self._reported(m, reported)
        if derived is not None and derived.present and isinstance(fact.value, float):
            d, r = derived.value, fact.value
            base = max(abs(d), abs(r))
            if base > 0 and abs(d - r) / base > CROSS_CHECK_TOLERANCE:
                diff = abs(d - r) / abs(d) * 100 if d else math.inf
                warning = (f"reported {r:g} {m.unit} differs by {diff:.1f} % from {d:g} {m.unit} derived "
                           f"as {m.formula} ({self._describe_inputs(derived.inputs)})")
                fact = dataclasses.replace(fact, warnings=fact.warnings + (warning,))
        return fact

    def _reported(self, m: Metric, r: dict) -> Fact:
        ptr = f"/reported/{m.name}"
        inp = Input(m.name, ptr, r["value"], r.get("unit"), r.get("source"))
        warnings = ()
        year = r.get("year")
        if year is not None and self.reference_year is not None and year != self.reference_year:
            warnings = (f"reported for {year}, not for the reference year {self.reference_year}",)
        if m.is_bool:
            return Fact(m.name, bool(r["value"]), m.unit, "reported", year, None, (inp,), None, warnings)
        value = significant(units.convert(float(r["value"]), r["unit"], m.unit))
        return Fact(m.name, value, m.unit, "reported", year, None, (inp,), None, warnings)

    def _derived(self, m: Metric, period: int | None) -> Fact:
        plan = _PLANS.get((m.formula, m.unit))
        if plan is None:
            plan = _plan(m, self.cat.quantities)
        formula, function, factor = plan
        year = self.reference_year
        try:
            if year is None:
                raise Missing("the dossier has no yearly series up to the assessment date")
            if function is None:
                if not period:
                    raise Missing(f"{formula.function} needs a period; the program declares none")
                value, inputs = self._period_function(formula, year, period)
                return Fact(m.name, significant(value), m.unit, "derived", year=year, formula=m.formula,
                            inputs=inputs, period=(year - period, year))
            magnitudes, inputs = [], []
            quantities = self._quantities
            for name in formula.names:
                got = quantities.get((name, year))
                if got is None:
                    got = quantities[(name, year)] = self._read_quantity(name, year)
                magnitudes.append(got[0])
                inputs.append(got[1])
            try:
                # plain floats in each quantity's catalogue unit; one factor takes the result to the metric's unit
                value = function(magnitudes)
                if factor is None:
                    factor = plan[2] = result_factor(formula, self.cat.quantities, m.unit)
                value = value * factor
            except Undefined as u:
                raise Missing(f"{u} for {year}", tuple(inputs)) from None
            return Fact(m.name, significant(value), m.unit, "derived", year, m.formula, tuple(inputs))
        except Missing as miss:
            return Fact(m.name, None, m.unit, "missing", year, m.formula, miss.inputs, miss.reason)

    def _quantity(self, name: str, year: int) -> tuple[float, Input]:
        got = self._quantities.get((name, year))
        if got is None:
            got = self._quantities[(name, year)] = self._read_quantity(name, year)
        return got

    def _read_quantity(self, name: str, year: int) -> tuple[float, Input]:
        s = self._series.get(name)
        # the pointer of every input, most of them plain names: the f-string is RFC 6901 for those
        ptr = f"/series/{name}/values/{year}" if "/" not in name and "~" not in name else \
            pointer(["series", name, "values", str(year)])
        raw = _ABSENT if s is None else s["values"].get(str(year), _ABSENT)
        if raw is _ABSENT:
            raise Missing(f"no value for {name} in {year} (expected at {ptr})")
        if isinstance(raw, dict):
            value, source = raw["value"], raw.get("source")
        else:
            value, source = raw, None
        unit = s["unit"]
        in_catalogue_unit = float(value) * units.factor(unit, self.cat.quantities[name].unit)
        return in_catalogue_unit, Input(f"{name} {year}", ptr, value, unit, source or s.get("source"))

    def _period_function(self, formula: Formula, year: int, period: int):
        start = year - period
        inputs = []
        rates = []
        for name in formula.names:
            q0, i0 = self._quantity(name, start)
            q1, i1 = self._quantity(name, year)
            inputs += [i0, i1]
            if q0 <= 0:
                raise Missing(f"{name} in {start} is {q0:g}: its growth rate is undefined", tuple(inputs))
            rates.append(((q1 / q0) ** (1 / period) - 1, name))
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
            return Fact(m.name, None, m.unit, "missing", None, None, (), f"not in the dossier (expected at {ptr})")
        reading = spec["reading"]
        if reading == "measure":
            inp = Input(m.name, ptr, node["value"], node["unit"], node.get("source"))
            value = significant(units.convert(float(node["value"]), node["unit"], m.unit))
            return Fact(m.name, value, m.unit, "extracted", inputs=(inp,))
        if reading == "flag":
            return Fact(m.name, bool(node), m.unit, "extracted", inputs=(Input(m.name, ptr, node),))
        if reading == "certificate_valid":
            shown = ("certified", "certificate_no", "issuer", "valid_from", "valid_to")
            inp = Input(m.name, ptr, {k: node.get(k) for k in shown}, source=node.get("source"))
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
        if reading == "years_before":
            # which years, not how many: only the `years` calendar years before the dated year count
            day = resolve(self.dossier.data, spec["dated_by"])
            if day is None:
                return Fact(m.name, None, m.unit, "missing", inputs=(Input(m.name, ptr, node),),
                            reason=f"no date at {spec['dated_by']}: the years counted are the {spec['years']} "
                                   "calendar years before it")
            end = dt.date.fromisoformat(day).year
            first, last = end - spec["years"], end - 1
            counted = [y for y in node if first <= y <= last]
            return Fact(m.name, float(len(counted)), m.unit, "extracted",
                        inputs=(Input(m.name, ptr, node), Input(spec["dated_by"].rsplit("/", 1)[-1], spec["dated_by"], day)),
                        formula=f"years described among {first}–{last}, the {spec['years']} calendar years before {day}")
        if reading == "non_empty":
            filled = bool(node) and (not isinstance(node, dict) or any(v not in (None, "", [], {}) for v in node.values()))
            return Fact(m.name, filled, m.unit, "extracted", inputs=(Input(m.name, ptr, _summary(node)),),
                        formula="present and not empty")
        if reading == "count":
            return Fact(m.name, float(len(node)), m.unit, "extracted", inputs=(Input(m.name, ptr, node),),
                        formula="number of entries")
        if reading == "number":
            return Fact(m.name, float(node), m.unit, "extracted", inputs=(Input(m.name, ptr, node),))
        if reading == "date":
            return Fact(m.name, dt.date.fromisoformat(node), m.unit, "extracted", inputs=(Input(m.name, ptr, node),))
        if reading == "projects_with_investment":
            funded = [p for p in node if (p.get("investment") or {}).get("value", 0) > 0]
            return Fact(m.name, bool(funded), m.unit, "extracted",
                        inputs=(Input(m.name, ptr, f"{len(funded)} of {len(node)} projects with a planned investment"),),
                        formula="at least one project with a planned investment")
        if reading == "targets_in_isc_category":
            hits = [t["metric"] for t in node
                    if t["metric"] in self.cat.metrics and self.cat.metrics[t["metric"]].isc == spec["category"]]
            return Fact(m.name, float(len(hits)), m.unit, "extracted", inputs=(Input(m.name, ptr, hits),),
                        formula=f"targets whose metric belongs to the ISC category {spec['category']}")
        if reading == "annual_change_of_target":
            for i, t in enumerate(node):
                if t["metric"] == spec["metric"]:
                    target = self.target(t, f"{ptr}/{i}")
                    if target.value is None or not target.base_value:
                        return Fact(m.name, None, m.unit, "missing", reason=target.reason or "no base value")
                    years = target.target_year - target.base_year
                    if years <= 0:
                        return Fact(m.name, None, m.unit, "missing",
                                    reason=f"target year {target.target_year} is not after the base year {target.base_year}")
                    cut = (1 - (target.value / target.base_value) ** (1 / years)) * 100
                    return Fact(m.name, significant(cut), m.unit, "extracted",
                                inputs=(Input(f"target for {spec['metric']}", f"{ptr}/{i}", target.declared),),
                                formula=f"1 − (target / base)^(1/{years}), {target.base_year}–{target.target_year}")
            return Fact(m.name, None, m.unit, "missing", reason=f"the work plan declares no target for {spec['metric']}")
        raise ValueError(f"unknown reading {reading!r}")  # the schema makes this unreachable

    # --- per-dossier thresholds: benchmarks and declared targets -------------------

    def benchmark(self, metric_name: str) -> Fact:
        m = self.cat.metrics[metric_name]
        ptr = f"/benchmarks/{metric_name}"
        b = (self.dossier.data.get("benchmarks") or {}).get(metric_name)
        if b is None:
            return Fact(metric_name, None, m.unit, "missing", reason=f"no benchmark declared (expected at {ptr})")
        value = significant(units.convert(float(b["value"]), b["unit"], m.unit))
        inp = Input("benchmark", ptr, b["value"], b["unit"], b["source"])
        return _bounded(Fact(metric_name, value, m.unit, "extracted", inputs=(inp,),
                             formula=b.get("level", "declared benchmark")))

    def declared_target(self, work_plan: str | None, metric_name: str) -> Target | None:
        targets = self._plans.get(work_plan)
        if targets is None:
            # the plan's first target for each metric, found once: a pack asks for each of its metrics in turn
            targets = self._plans[work_plan] = {}
            plan = (self.dossier.data.get("work_plans") or {}).get(work_plan or "")
            for i, t in enumerate((plan.get("targets") or []) if plan else ()):
                targets.setdefault(t["metric"], (i, t))
        got = targets.get(metric_name)
        if got is None:
            return None
        return self.target(got[1], f"/work_plans/{work_plan}/targets/{got[0]}")

    def target(self, t: dict, ptr: str) -> Target:
        m = self.cat.metrics[t["metric"]]
        base, goal = t["base"], t["target"]
        warnings: list[str] = []
        base_fact = None
        base_value = None
        if "value" in base:
            base_value = units.convert(float(base["value"]), base.get("unit", m.unit), m.unit)
        else:
            if base["year"] not in self._bases:
                self._bases[base["year"]] = Deriver(self.dossier, self.cat, self.as_of, reference_year=base["year"])
            base_fact = self._bases[base["year"]].fact(m.name, None)
            base_value = base_fact.value if base_fact.present and base_fact.method == "derived" else None
        declared = _declared(goal, m.unit)
        common = dict(metric=m.name, direction=t["direction"], base_year=base["year"], base_value=base_value,
                      target_year=goal["year"], declared=declared, pointer=ptr, base_fact=base_fact)
        value = None
        if "value" in goal:
            value = units.convert(float(goal["value"]), goal.get("unit", m.unit), m.unit)
        elif "range" in goal:
            lo, hi = sorted(goal["range"])
            value = units.convert(hi if t["direction"] == "lower" else lo, goal.get("unit", m.unit), m.unit)
            warnings.append(f"range {lo:g}–{hi:g} declared; the {'upper' if t['direction'] == 'lower' else 'lower'} "
                            f"end is the binding target for a '{t['direction']} is better' indicator")
        relative = None
        if "change_pct" in goal or "change_pt" in goal:
            if base_value is None:
                why = (base_fact.reason if base_fact is not None and base_fact.reason
                       else f"no base value for {base['year']}")
                if value is None:
                    return Target(value=None, reason=f"relative target with no base value: {why}", **common)
            elif "change_pct" in goal:
                relative = base_value * (1 + goal["change_pct"] / 100)
            else:
                relative = base_value + goal["change_pt"]
        if value is None:
            value = relative
        elif relative is not None and relative and abs(value - relative) / abs(relative) > CROSS_CHECK_TOLERANCE:
            warnings.append(f"the absolute target {value:,.6g} and the relative one ({relative:,.6g} from the base "
                            f"value {base_value:,.6g}) differ by more than 1 %; the absolute value is used")
        if not _plausible(value):   # as for facts: no engine can compare it, so it is no target
            return Target(value=None, reason=f"the target resolves to {value:.3g} {m.unit}, which is implausible "
                                             f"(not finite or ≥ {bounds.MAX_NUMBER:.0e}): check the work plan", **common)
        return Target(value=significant(value), warnings=tuple(warnings), **common)

    @staticmethod
    def _describe_inputs(inputs) -> str:
        return ", ".join(f"{i.name} = {i.value:,.10g} {i.unit}" if isinstance(i.value, (int, float)) else f"{i.name}"
                         for i in inputs)


def _summary(node) -> str:
    if isinstance(node, list):
        return f"{len(node)} entries"
    if isinstance(node, dict):
        return ", ".join(k for k, v in node.items() if v not in (None, "", [], {})) or "empty"
    return str(node)


def _declared(goal: dict, unit: str) -> str:
    parts = []
    if "value" in goal:
        parts.append(f"{number(goal['value'])} {goal.get('unit', unit)}")
    if "range" in goal:
        parts.append(f"{number(goal['range'][0])}–{number(goal['range'][1])} {goal.get('unit', unit)}")
    if "change_pct" in goal:
        parts.append(f"{goal['change_pct']:+g} %")
    if "change_pt" in goal:
        parts.append(f"{goal['change_pt']:+g} pt")
    text = parts[0] + (f" ({', '.join(parts[1:])})" if len(parts) > 1 else "")
    return f"{text} by {goal['year']}"
