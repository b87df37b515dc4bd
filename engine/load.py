"""Load the metric catalogue and rule packs from rules/, validated, into model objects.

Every file is checked against schemas/rulepack.schema.json and then for
cross-references (metrics, categories, parameters, units). A broken file
raises InputError naming the file and the line.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from functools import cache
from pathlib import Path

from . import schema, units
from .formula import FormulaError, parse_formula, result_factor
from .model import Catalogue, Category, Decision, GradeBand, Grading, Metric, Parameter, Quantity, Rule, RulePack, Text, Tranche
from .paths import RULES
from .problems import InputError, Problem, pointer
from .yamlfile import YamlDoc, read

CATALOGUE_FILE = "metrics.yaml"
PACK_FILE = "pack.yaml"
TESTS_PREFIX = "tests"


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(RULES.parent))
    except ValueError:
        return str(path)


def _checked(path: Path, kind: str) -> YamlDoc:
    doc = read(path, _shown(path))
    if not isinstance(doc.data, dict):
        raise InputError([Problem(doc.path, "", "expected a YAML mapping at the top level", 1)])
    found = schema.problems("rulepack.schema.json", doc.data)
    if found:
        raise InputError([Problem(doc.path, pointer(p), m, doc.line(p)) for p, m in found])
    if doc.data["kind"] != kind:
        raise InputError([Problem(doc.path, "/kind", f"expected kind {kind!r}, found {doc.data['kind']!r}", doc.line(["kind"]))])
    return doc


def _text(d: dict) -> Text:
    return Text(d["en"], d["zh"])


@cache
def catalogue(root: Path = RULES) -> Catalogue:
    path = root / CATALOGUE_FILE
    doc = _checked(path, "catalogue")
    d = doc.data
    problems = []
    quantities = {}
    for name, q in d["quantities"].items():
        try:
            units.parse(q["unit"])
        except units.UnitError as e:
            problems.append(Problem(doc.path, f"/quantities/{name}/unit", str(e), doc.line(["quantities", name, "unit"])))
        quantities[name] = Quantity(name, q["unit"], _text(q["title"]))
    metrics = {}
    for name, m in d["metrics"].items():
        where = ["metrics", name]
        if m["unit"] not in ("bool", "date"):
            try:
                units.parse(m["unit"])
            except units.UnitError as e:
                problems.append(Problem(doc.path, pointer(where + ["unit"]), str(e), doc.line(where + ["unit"])))
        if m["crosswalk"] not in d["crosswalk"]:
            problems.append(Problem(doc.path, pointer(where + ["crosswalk"]),
                                    f"unknown crosswalk category {m['crosswalk']!r}", doc.line(where + ["crosswalk"])))
        metrics[name] = Metric(name=name, title=_text(m["title"]), unit=m["unit"], crosswalk=m["crosswalk"],
                               formula=m.get("formula"), reported_only=bool(m.get("reported")),
                               extract=m.get("extract"), isc=m.get("isc"))
        if m.get("isc") and m["isc"] not in (d.get("isc") or {}):
            problems.append(Problem(doc.path, pointer(where + ["isc"]), f"unknown ISC category {m['isc']!r}",
                                    doc.line(where + ["isc"])))
    # formulas are parsed here so that a broken one is reported at load time, with its line
    for name, m in metrics.items():
        if m.formula:
            try:
                formula = parse_formula(m.formula, quantities)
                if formula.function:
                    metrics[name] = dataclasses.replace(m, uses_period=True)
                elif m.unit not in ("bool", "date"):
                    result_factor(formula, quantities, m.unit)   # the formula's dimension is the metric's
            except units.UnitError as e:
                problems.append(Problem(doc.path, f"/metrics/{name}/formula",
                                        f"{m.formula} does not give {m.unit!r}: {e}", doc.line(["metrics", name, "formula"])))
            except FormulaError as e:
                problems.append(Problem(doc.path, f"/metrics/{name}/formula", str(e), doc.line(["metrics", name, "formula"])))
    if problems:
        raise InputError(problems)
    return Catalogue(version=d["version"], crosswalk={k: _text(v) for k, v in d["crosswalk"].items()},
                     quantities=quantities, metrics=metrics, file=doc.path,
                     sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
                     isc={k: _text(v) for k, v in (d.get("isc") or {}).items()})


def pack_ids(root: Path = RULES) -> list[str]:
    return sorted(p.parent.name for p in root.glob(f"*/{PACK_FILE}"))


def rule_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.yaml") if p.name != PACK_FILE and not p.name.startswith(TESTS_PREFIX))


def test_files(folder: Path) -> list[Path]:
    return sorted(folder.glob(f"{TESTS_PREFIX}*.yaml"))


def _param_date(value, params: dict[str, Parameter], doc: YamlDoc, parts, used: list, problems: list):
    if isinstance(value, dict):
        name = value["param"]
        if name not in params:
            problems.append(Problem(doc.path, pointer(parts), f"unknown parameter {name!r}", doc.line(parts)))
            return None
        used.append(name)
        value = params[name].value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        problems.append(Problem(doc.path, pointer(parts), f"expected a date YYYY-MM-DD, found {value!r}", doc.line(parts)))
        return None


@cache
def pack(program: str, root: Path = RULES) -> RulePack:
    folder = root / program
    if not (folder / PACK_FILE).is_file():
        known = ", ".join(pack_ids(root)) or "none"
        raise InputError([Problem("--program", "", f"unknown program {program!r} (known: {known})")])
    cat = catalogue(root)
    head = _checked(folder / PACK_FILE, "pack")
    h = head.data
    problems: list[Problem] = []
    if h["id"] != program:
        problems.append(Problem(head.path, "/id", f"expected the folder name {program!r}, found {h['id']!r}", head.line(["id"])))
    params = {n: Parameter(n, p["value"], " ".join(p["note"].split()), bool(p.get("provisional")), p.get("unit"),
                           " ".join(p["note_zh"].split()) if p.get("note_zh") else None)
              for n, p in (h.get("parameters") or {}).items()}
    period, period_params = None, []
    if "derivation" in h and "period_years" in h["derivation"]:
        pv = h["derivation"]["period_years"]
        if isinstance(pv, dict):
            if pv["param"] in params:
                period_params.append(pv["param"])
                period = int(params[pv["param"]].value)
            else:
                problems.append(Problem(head.path, "/derivation/period_years", f"unknown parameter {pv['param']!r}",
                                        head.line(["derivation", "period_years"])))
        else:
            period = int(pv)
    categories = tuple(Category(c["id"], _text(c["title"]), c.get("section", "indicators")) for c in h["categories"])
    cat_ids = {c.id for c in categories}

    rules: list[Rule] = []
    seen: dict[str, str] = {}
    hasher = hashlib.sha256()
    hasher.update(cat.sha256.encode())
    hasher.update((folder / PACK_FILE).read_bytes())
    files = rule_files(folder)
    if not files:
        problems.append(Problem(_shown(folder), "", "the pack has no rule files"))
    for path in files:
        hasher.update(path.name.encode())
        hasher.update(path.read_bytes())
        doc = _checked(path, "rules")
        for i, r in enumerate(doc.data["rules"]):
            base = ["rules", i]
            line = doc.line(base)

            def bad(field, msg, _base=base, _doc=doc):
                problems.append(Problem(_doc.path, pointer(_base + [field]), msg, _doc.line(_base + [field])))

            if r["id"] in seen:
                bad("id", f"duplicate rule id {r['id']!r} (first in {seen[r['id']]})")
            seen[r["id"]] = doc.path
            metric = cat.metrics.get(r["metric"])
            if metric is None:
                bad("metric", f"unknown metric {r['metric']!r} (not in {cat.file})")
            if r["category"] not in cat_ids:
                bad("category", f"unknown category {r['category']!r} (pack categories: {', '.join(sorted(cat_ids))})")
            used: list[str] = []
            (op, target), = r["check"].items()
            threshold, ref, ref_kind = None, None, None
            if op == "declared_target":
                ref_kind = "target"
                if metric and not metric.numeric:
                    bad("check", "declared targets need a numeric metric")
            elif isinstance(target, dict) and "metric" in target:
                ref, ref_kind = target["metric"], "metric"
                other = cat.metrics.get(ref)
                if other is None:
                    bad("check", f"unknown metric {ref!r} in comparison")
                elif metric and metric.unit != other.unit and not units.compatible(metric.unit, other.unit):
                    bad("check", f"cannot compare {metric.unit!r} with {other.unit!r}")
            elif isinstance(target, dict) and "benchmark" in target:
                ref_kind = "benchmark"
                if metric and not metric.numeric:
                    bad("check", "benchmarks need a numeric metric")
            elif isinstance(target, dict) and "param" in target:
                if target["param"] not in params:
                    bad("check", f"unknown parameter {target['param']!r}")
                else:
                    used.append(target["param"])
                    threshold = params[target["param"]].value
            else:
                threshold = target
            if metric:
                if metric.is_bool != (r["unit"] == "bool") or metric.is_date != (r["unit"] == "date"):
                    bad("unit", f"metric {metric.name!r} is in {metric.unit!r}; unit {r['unit']!r} does not fit")
                elif metric.numeric and not units.compatible(r["unit"], metric.unit):
                    bad("unit", f"unit {r['unit']!r} does not convert to the metric's unit {metric.unit!r}")
                if metric.is_bool and (not isinstance(threshold, bool) or op != "eq"):
                    bad("check", "a yes/no metric is checked with eq: true or eq: false")
                if metric.is_date:
                    try:
                        threshold = dt.date.fromisoformat(str(threshold))
                    except ValueError:
                        bad("check", f"a date metric needs a date threshold YYYY-MM-DD, found {threshold!r}")
                if metric.numeric and isinstance(threshold, (bool, str)):
                    bad("check", f"a numeric metric needs a numeric threshold, found {threshold!r}")
            if threshold is not None and metric and metric.numeric and isinstance(threshold, (int, float)):
                # thresholds are written in the rule's unit; the engine compares in the metric's unit
                try:
                    threshold = units.convert(float(threshold), r["unit"], metric.unit)
                except units.UnitError as e:
                    bad("unit", str(e))
            applies_if = None
            if "applies_if" in r:
                a = r["applies_if"]
                if a["metric"] not in cat.metrics:
                    bad("applies_if", f"unknown metric {a['metric']!r}")
                applies_if = (a["metric"], a["eq"])
            vf = vu = None
            if "in_force" in r:
                if "from" in r["in_force"]:
                    vf = _param_date(r["in_force"]["from"], params, doc, base + ["in_force", "from"], used, problems)
                if "until" in r["in_force"]:
                    vu = _param_date(r["in_force"]["until"], params, doc, base + ["in_force", "until"], used, problems)
            rules.append(Rule(id=r["id"], title=_text(r["title"]), metric=r["metric"], op=op, threshold=threshold,
                              ref_metric=ref, unit=r["unit"] if not metric else metric.unit, category=r["category"],
                              clause=r["clause"], source=r["source"], rationale=r["rationale"],
                              impact=r.get("impact", "high"), valid_from=vf, valid_until=vu,
                              params=tuple(used), file=doc.path, line=line, ref_kind=ref_kind,
                              applies_if=applies_if))
    decision = _decision(h["decision"], params, cat_ids, head, problems)
    if problems:
        raise InputError(problems)
    return RulePack(id=h["id"], title=_text(h["title"]), standard=h["standard"], authority=h.get("authority", ""),
                    version=h["version"], source=h["source"], description=h.get("description", "").strip(),
                    categories=categories, parameters=params, period_years=period,
                    period_params=tuple(period_params), decision=decision, rules=tuple(rules),
                    folder=_shown(folder), files_sha256=hasher.hexdigest(),
                    zone_types=tuple(h.get("zone_types") or ()), work_plan=h.get("work_plan"),
                    grading=_grading(h.get("grading")), standard_zh=h.get("standard_zh"))


def _grading(g: dict | None) -> Grading | None:
    if not g:
        return None
    bands = sorted((GradeBand(b["grade"], float(b["min_score"]), _text(b["title"])) for b in g["bands"]),
                   key=lambda b: -b.min_score)
    return Grading(tuple(bands), " ".join(g["note"].split()), bool(g.get("provisional")),
                   " ".join(g["note_zh"].split()) if g.get("note_zh") else None)


def _decision(d: dict, params: dict[str, Parameter], cat_ids: set[str], doc: YamlDoc, problems: list) -> Decision:
    used: list[str] = []

    def value(v, field):
        if isinstance(v, dict):
            if v["param"] not in params:
                problems.append(Problem(doc.path, f"/decision/{field}", f"unknown parameter {v['param']!r}",
                                        doc.line(["decision", field])))
                return None
            used.append(v["param"])
            return float(params[v["param"]].value)
        return None if v is None else float(v)

    for key in ("blocking_categories", "required_categories", "counted_categories"):
        for i, c in enumerate(d.get(key) or []):
            if c not in cat_ids:
                problems.append(Problem(doc.path, f"/decision/{key}/{i}", f"unknown category {c!r}",
                                        doc.line(["decision", key, i])))
    sub = d.get("subsidy") or {}
    refund = sub.get("refund") or {}
    if d["kind"] == "share_met" and "share_pct" not in d:
        problems.append(Problem(doc.path, "/decision", "share_met needs share_pct", doc.line(["decision"])))
    return Decision(
        kind=d["kind"], text=_text(d["description"]),
        blocking_categories=tuple(d.get("blocking_categories") or ()),
        required_categories=tuple(d.get("required_categories") or ()),
        counted_categories=tuple(d.get("counted_categories") or ()),
        share_pct=value(d.get("share_pct"), "share_pct"),
        verdict_labels={k: _text(v) for k, v in (d.get("verdict_labels") or {}).items()},
        tranches=tuple(Tranche(t["id"], _text(t["title"]), float(t["share_pct"]), t["due_when"])
                       for t in sub.get("tranches") or ()),
        refund_after_years=refund.get("after_years"),
        refund_progress_pct=value(refund.get("progress_pct"), "subsidy"),
        refund_title=_text(refund["title"]) if refund.get("title") else None,
        params=tuple(used))
