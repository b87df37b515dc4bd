"""Load the metric catalogue and rule packs, validated, into model objects.

Packs come from the shipped rules/ and from the extra folders of the one
setting `rules_dirs()` (the `--rules DIR` option of every command, or the
PARKCERT_RULES environment variable): every place that reads packs goes
through `pack_ids()`, `pack()` and `catalogue()` here, so an extra folder is
seen everywhere at once. An extra pack folder may add metrics of its own in
a `metrics.yaml` (kind: metrics) beside its pack.yaml.

Every file is checked against schemas/rulepack.schema.json and then for
cross-references (metrics, categories, parameters, units). A broken file
raises InputError naming the file and the line.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
from functools import cache
from pathlib import Path

from . import schema, units
from .formula import FormulaError, parse_formula, result_factor
from .groups import read_groups
from .model import (
    Catalogue,
    Category,
    Decision,
    GradeBand,
    Grading,
    Metric,
    Parameter,
    Quantity,
    Rule,
    RulePack,
    Text,
    ThresholdBy,
    Tranche,
    ZoneAttribute,
)
from .paths import RULES
from .problems import InputError, Problem, pointer
from .yamlfile import YamlDoc, read

CATALOGUE_FILE = "metrics.yaml"
PACK_FILE = "pack.yaml"
TESTS_PREFIX = "tests"
RULES_ENV = "PARKCERT_RULES"          # extra pack folders, separated by os.pathsep
RULES_OPTION = "--rules"
ZONE_TYPE, ZONE_TYPE_POINTER = "zone_type", "/zone/type"   # the one zone attribute every dossier has

_extra: list[Path] = []               # folders given with --rules in this process


def use_rules(dirs) -> None:
    """Add folders of packs (or single pack folders) for the rest of the process."""
    for d in dirs:
        path = Path(d)
        if path not in _extra:
            _extra.append(path)


def rules_dirs() -> tuple[Path, ...]:
    """The extra folders: PARKCERT_RULES first, then --rules, each once."""
    env = [Path(p) for p in os.environ.get(RULES_ENV, "").split(os.pathsep) if p.strip()]
    out: list[Path] = []
    for d in env + _extra:
        if d not in out:
            out.append(d)
    return tuple(out)


def _shown(path: Path) -> str:
    for base in (RULES.parent, Path.cwd()):
        try:
            return str(path.resolve().relative_to(base.resolve()))
        except ValueError:
            continue
    return str(path)


def _extra_folders(dirs: tuple[Path, ...]) -> list[Path]:
    """Pack folders inside the extra folders: a folder holding pack.yaml is one pack, else each subfolder that does."""
    problems, folders = [], []
    for d in dirs:
        if not d.is_dir():
            problems.append(Problem(str(d), "", f"no such folder of rule packs (given with {RULES_OPTION} or {RULES_ENV})"))
        elif (d / PACK_FILE).is_file():
            folders.append(d)
        else:
            found = sorted(p.parent for p in d.glob(f"*/{PACK_FILE}"))
            if not found:
                problems.append(Problem(str(d), "", f"no pack here: expected {PACK_FILE} in it or in its subfolders"))
            folders += found
    if problems:
        raise InputError(problems)
    return folders


@cache
def _folders(root: Path, dirs: tuple[Path, ...]) -> dict[str, Path]:
    out = {p.parent.name: p.parent for p in sorted(root.glob(f"*/{PACK_FILE}"))}
    problems = []
    for folder in _extra_folders(dirs):
        name = folder.resolve().name
        if name in out and out[name].resolve() != folder.resolve():
            problems.append(Problem(_shown(folder / PACK_FILE), "",
                                    f"a pack {name!r} exists already in {_shown(out[name])}; give the pack another id"))
            continue
        out[name] = folder
    if problems:
        raise InputError(problems)
    return out


def packs_in(folder: Path) -> list[str]:
    """The ids of the packs in one extra folder (a pack folder or a folder of them)."""
    return [f.resolve().name for f in _extra_folders((folder,))]


def pack_folder(program: str, root: Path = RULES) -> Path | None:
    return _folders(root, rules_dirs()).get(program)


def is_shipped(pack: RulePack) -> bool:
    return pack.origin == "shipped"


def _checked(path: Path, kind: str) -> YamlDoc:
    doc = read(path, _shown(path))
    if not isinstance(doc.data, dict):
        raise InputError([Problem(doc.path, "", "expected a YAML mapping at the top level", 1)])
    found = schema.problems("rulepack.schema.json", doc.data, compiled=False)
    if found:
        raise InputError([Problem(doc.path, pointer(p), m, doc.line(p)) for p, m in found])
    if doc.data["kind"] != kind:
        raise InputError([Problem(doc.path, "/kind", f"expected kind {kind!r}, found {doc.data['kind']!r}", doc.line(["kind"]))])
    return doc


def _text(d: dict) -> Text:
    return Text(d["en"], d["zh"])


def _texts(d: str | dict) -> Text:
    """A rule's source or rationale: English alone (zh None, a Chinese report marks it as English) or both."""
    return Text(d, None) if isinstance(d, str) else _text(d)


def _metrics(doc: YamlDoc, crosswalk: dict, isc: dict, known_q: dict, problems: list) -> tuple[dict, dict]:
    """The quantities and metrics one catalogue file defines, checked against the units and the crosswalk."""
    d = doc.data
    quantities = {}
    for name, q in (d.get("quantities") or {}).items():
        try:
            units.parse(q["unit"])
        except units.UnitError as e:
            problems.append(Problem(doc.path, f"/quantities/{name}/unit", str(e), doc.line(["quantities", name, "unit"])))
        quantities[name] = Quantity(name, q["unit"], _text(q["title"]))
    all_q = {**known_q, **quantities}
    metrics = {}
    for name, m in (d.get("metrics") or {}).items():
        where = ["metrics", name]
        if m["unit"] not in ("bool", "date"):
            try:
                units.parse(m["unit"])
            except units.UnitError as e:
                problems.append(Problem(doc.path, pointer(where + ["unit"]), str(e), doc.line(where + ["unit"])))
        if m["crosswalk"] not in crosswalk:
            problems.append(Problem(doc.path, pointer(where + ["crosswalk"]),
                                    f"unknown crosswalk category {m['crosswalk']!r} (known: {', '.join(crosswalk)})",
                                    doc.line(where + ["crosswalk"])))
        metrics[name] = Metric(name=name, title=_text(m["title"]), unit=m["unit"], crosswalk=m["crosswalk"],
                               formula=m.get("formula"), reported_only=bool(m.get("reported")),
                               extract=m.get("extract"), isc=m.get("isc"))
        if m.get("isc") and m["isc"] not in isc:
            problems.append(Problem(doc.path, pointer(where + ["isc"]), f"unknown ISC category {m['isc']!r}",
                                    doc.line(where + ["isc"])))
    # formulas are parsed here so that a broken one is reported at load time, with its line
    for name, m in metrics.items():
        if m.formula:
            try:
                formula = parse_formula(m.formula, all_q)
                if formula.function:
                    metrics[name] = dataclasses.replace(m, uses_period=True)
                elif m.unit not in ("bool", "date"):
                    result_factor(formula, all_q, m.unit)   # the formula's dimension is the metric's
            except units.UnitError as e:
                problems.append(Problem(doc.path, f"/metrics/{name}/formula",
                                        f"{m.formula} does not give {m.unit!r}: {e}", doc.line(["metrics", name, "formula"])))
            except FormulaError as e:
                problems.append(Problem(doc.path, f"/metrics/{name}/formula", str(e), doc.line(["metrics", name, "formula"])))
    return quantities, metrics


def catalogue(root: Path = RULES) -> Catalogue:
    """The shipped catalogue, extended by the metrics.yaml of every extra pack folder."""
    return _catalogue(root, rules_dirs())


@cache
def _catalogue(root: Path, dirs: tuple[Path, ...]) -> Catalogue:
    path = root / CATALOGUE_FILE
    doc = _checked(path, "catalogue")
    d = doc.data
    problems: list[Problem] = []
    crosswalk = {k: _text(v) for k, v in d["crosswalk"].items()}
    isc = {k: _text(v) for k, v in (d.get("isc") or {}).items()}
    quantities, metrics = _metrics(doc, crosswalk, isc, {}, problems)
    shipped_sha = hashlib.sha256(path.read_bytes()).hexdigest()
    extensions: dict[str, str] = {}
    defined = dict.fromkeys(list(quantities) + list(metrics), doc.path)
    for folder in _folders(root, dirs).values():
        ext = folder / CATALOGUE_FILE
        if folder.parent.resolve() == root.resolve() or not ext.is_file():
            continue
        try:
            edoc = _checked(ext, "metrics")
        except InputError as e:
            problems += e.problems
            continue
        q, m = _metrics(edoc, crosswalk, isc, quantities, problems)
        for section, names in (("quantities", q), ("metrics", m)):
            for name in names:
                if name in defined:
                    problems.append(Problem(edoc.path, f"/{section}/{name}",
                                            f"{name!r} is defined already in {defined[name]}; choose another name",
                                            edoc.line([section, name])))
                defined[name] = edoc.path
        quantities.update(q)
        metrics.update(m)
        extensions[folder.resolve().name] = hashlib.sha256(ext.read_bytes()).hexdigest()
    if problems:
        raise InputError(problems)
    combined = shipped_sha
    if extensions:
        combined = hashlib.sha256("\n".join([shipped_sha] + [f"{k}={v}" for k, v in sorted(extensions.items())])
                                  .encode()).hexdigest()
    return Catalogue(version=d["version"], crosswalk=crosswalk, quantities=quantities, metrics=metrics, file=doc.path,
                     sha256=combined, isc=isc, shipped_sha256=shipped_sha, extensions=extensions)


catalogue.cache_clear = lambda: (_catalogue.cache_clear(), _folders.cache_clear())


def pack_ids(root: Path = RULES) -> list[str]:
    """Every program: the shipped packs and those of the extra folders."""
    return sorted(_folders(root, rules_dirs()))


def rule_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.yaml")
                  if p.name not in (PACK_FILE, CATALOGUE_FILE) and not p.name.startswith(TESTS_PREFIX))


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


def pack(program: str, root: Path = RULES) -> RulePack:
    """The pack of one program, from rules/ or an extra folder (see rules_dirs())."""
    dirs = rules_dirs()
    folder = _folders(root, dirs).get(program)
    if folder is None:
        known = ", ".join(pack_ids(root)) or "none"
        hint = "" if dirs else f"; a pack kept in a folder of its own needs {RULES_OPTION} DIR or {RULES_ENV}"
        raise InputError([Problem("--program", "", f"unknown program {program!r} (known: {known}){hint}")])
    return _pack(program, folder, root, dirs)


pack.cache_clear = lambda: (_pack.cache_clear(), _folders.cache_clear())


@cache
def _pack(program: str, folder: Path, root: Path, dirs: tuple[Path, ...]) -> RulePack:
    cat = _catalogue(root, dirs)
    shipped = folder.parent.resolve() == root.resolve()
    head = _checked(folder / PACK_FILE, "pack")
    h = head.data
    problems: list[Problem] = []
    if h["id"] != program:
        problems.append(Problem(head.path, "/id", f"expected the folder name {program!r}, found {h['id']!r}", head.line(["id"])))
    params = {n: Parameter(n, p["value"], " ".join(p["note"].split()), bool(p.get("provisional")), p.get("unit"),
                           " ".join(p["note_zh"].split()) if p.get("note_zh") else None,
                           _text(p["title"]) if p.get("title") else None)
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
    hasher.update((cat.shipped_sha256 or cat.sha256).encode())
    if not shipped and (folder / CATALOGUE_FILE).is_file():
        hasher.update((folder / CATALOGUE_FILE).read_bytes())   # the pack's own metrics
    hasher.update((folder / PACK_FILE).read_bytes())
    attributes = _zone_attributes(h.get("zone_attributes") or {})
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
            threshold, ref, ref_kind, by = None, None, None, None
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
            elif isinstance(target, dict) and "by" in target:
                by = _threshold_by(target, attributes, metric, r["unit"], bad)
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
                              clause=r["clause"], source=_texts(r["source"]), rationale=_texts(r["rationale"]),
                              impact=r.get("impact", "high"), valid_from=vf, valid_until=vu,
                              params=tuple(used), file=doc.path, line=line, ref_kind=ref_kind,
                              applies_if=applies_if, threshold_by=by))
    decision = _decision(h["decision"], params, cat_ids, head, problems)
    group_params: list[str] = []
    groups = read_groups(h.get("groups") or [], rules, cat_ids, params, head, problems, group_params)
    if decision.kind == "groups" and not groups:
        problems.append(Problem(head.path, "/decision/kind", "decision kind 'groups' needs the pack's groups",
                                head.line(["decision", "kind"])))
    if groups:
        decision = dataclasses.replace(decision, groups=groups, params=decision.params + tuple(group_params),
            group_categories=tuple(sorted({r.category for r in rules if any(r.id in g.rules for g in groups)})))
    if problems:
        raise InputError(problems)
    return RulePack(id=h["id"], title=_text(h["title"]), standard=h["standard"], authority=h.get("authority", ""),
                    version=h["version"], source=h["source"], description=h.get("description", "").strip(),
                    categories=categories, parameters=params, period_years=period,
                    period_params=tuple(period_params), decision=decision, rules=tuple(rules),
                    folder=_shown(folder), files_sha256=hasher.hexdigest(),
                    zone_types=tuple(h.get("zone_types") or ()), work_plan=h.get("work_plan"),
                    grading=_grading(h.get("grading")), standard_zh=h.get("standard_zh"),
                    origin="shipped" if shipped else "external",
                    illustrative=_text(h["illustrative"]) if h.get("illustrative") else None,
                    zone_attributes=attributes)


def _zone_attributes(d: dict) -> dict[str, ZoneAttribute]:
    return {name: ZoneAttribute(name, _text(a["title"]),
                                ZONE_TYPE_POINTER if name == ZONE_TYPE else f"/zone/attributes/{name}",
                                {k: _text(v) for k, v in a["values"].items()})
            for name, a in d.items()}


def _threshold_by(target: dict, attributes: dict, metric, unit: str, bad) -> ThresholdBy | None:
    """A threshold chosen by a zone attribute the pack declares; every case a value of that attribute."""
    name = target["by"]
    attr = attributes.get(name)
    if attr is None:
        bad("check", f"unknown zone attribute {name!r}: declare it under zone_attributes in {PACK_FILE}")
        return None
    for case in target["cases"]:
        if case not in attr.values:
            bad("check", f"case {case!r} is not a value of {name} (values: {', '.join(attr.values)})")
    if metric is None or not metric.numeric:
        bad("check", "a threshold chosen by a zone attribute needs a numeric metric")
        return None
    try:
        cases = {k: units.convert(float(v), unit, metric.unit) for k, v in target["cases"].items()}
        default = units.convert(float(target["default"]), unit, metric.unit)
    except units.UnitError as e:
        bad("unit", str(e))
        return None
    return ThresholdBy(name, cases, default, {k: float(v) for k, v in target["cases"].items()},
                       float(target["default"]), unit)


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
