"""`parkcert rules test`: run the cases kept beside each pack (tests*.yaml), as `opa test` runs policy tests.

Each case merges a dossier fragment onto the file's base dossier (RFC 7386),
checks it with both evaluators (durable_rules and the plain-Python oracle),
and compares outcomes with the expectation (and, where a case gives them, the
program's verdict and the state of its groups). Every rule must have a passing
case, a failing case and a case exactly at its threshold.
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field

from . import load
from .evaluate import check
from .oracle import PythonEvaluator
from .problems import InputError
from .validate import dossier_from_data


@dataclass
class CaseFailure:
    file: str
    line: int | None
    case: str
    message: str

    def __str__(self):
        return f"{self.file}:{self.line} {self.case}: {self.message}"


@dataclass
class PackTestReport:
    program: str
    cases: int = 0
    checks: int = 0
    failures: list[CaseFailure] = field(default_factory=list)
    uncovered: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures and not self.uncovered


def merge_patch(target, patch):
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = dict(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge_patch(out.get(k), v)
    return out


def _program_expectations(report: PackTestReport, doc, i: int, case: dict, result) -> None:
    """A case's expected verdict and group states (packs whose decision combines groups)."""
    if "verdict" in case:
        report.checks += 1
        if result.verdict != case["verdict"]:
            report.failures.append(CaseFailure(doc.path, doc.line(["cases", i, "verdict"]), case["name"],
                                               f"verdict: expected {case['verdict']}, got {result.verdict} "
                                               f"(blocking: {', '.join(result.blocking) or 'none'})"))
    states = {g["id"]: g for g in result.detail.get("groups") or ()}
    for gid, want in (case.get("groups") or {}).items():
        report.checks += 1
        g = states.get(gid)
        if g is None:
            report.failures.append(CaseFailure(doc.path, doc.line(["cases", i, "groups", gid]), case["name"],
                                               f"unknown group {gid}"))
        elif g["state"] != want:
            report.failures.append(CaseFailure(doc.path, doc.line(["cases", i, "groups", gid]), case["name"],
                                               f"group {gid}: expected {want}, got {g['state']} "
                                               f"({g['passing']} of {g['counted']} pass, {g['needed']} needed)"))


def run_pack_tests(program: str, engine=None, root=load.RULES) -> PackTestReport:
    pack = load.pack(program, root)
    cat = load.catalogue(root)
    report = PackTestReport(program)
    coverage = {r.id: set() for r in pack.rules}
    oracle = PythonEvaluator()
    folder = load.pack_folder(program, root)
    for path in load.test_files(folder):
        doc = load._checked(path, "tests")
        for i, case in enumerate(doc.data["cases"]):
            report.cases += 1
            line = doc.line(["cases", i])
            data = merge_patch(doc.data["base"], case["given"])
            if "as_of" in case:
                data["as_of"] = case["as_of"]
            try:
                dossier = dossier_from_data(data, json.dumps(data, sort_keys=True).encode(), cat, load.pack_ids(root),
                                            shown=f"{doc.path} case {case['name']!r}")
            except InputError as e:
                report.failures.append(CaseFailure(doc.path, line, case["name"], "invalid dossier: " +
                                                   "; ".join(f"{p.pointer} {p.message}" for p in e.problems)))
                continue
            try:
                result = check(dossier, [pack], cat, engine=engine)[0]
                ref = {o.rule_id: o.status for o in check(dossier, [pack], cat, engine=oracle)[0].outcomes}
            except InputError as e:
                report.failures.append(CaseFailure(doc.path, line, case["name"], "; ".join(
                    f"{p.pointer} {p.message}" for p in e.problems)))
                continue
            got = {o.rule_id: o for o in result.outcomes}
            _program_expectations(report, doc, i, case, result)
            for rule_id, expected in case["expect"].items():
                report.checks += 1
                if rule_id not in got:
                    report.failures.append(CaseFailure(doc.path, doc.line(["cases", i, "expect", rule_id]), case["name"],
                                                       f"unknown rule {rule_id}"))
                    continue
                o = got[rule_id]
                if o.status != ref[rule_id]:
                    disagree = f"{rule_id}: durable_rules says {o.status}, the Python oracle {ref[rule_id]}"
                    report.failures.append(CaseFailure(doc.path, line, case["name"], disagree))
                if o.status != expected:
                    why = f" ({o.reason})" if o.reason else ""
                    report.failures.append(CaseFailure(
                        doc.path, doc.line(["cases", i, "expect", rule_id]), case["name"],
                        f"{rule_id}: expected {expected}, got {o.status} (value {o.value}, threshold {o.threshold}){why}"))
                    continue
                coverage[rule_id].add(expected)
                if case.get("boundary"):
                    coverage[rule_id].add("boundary")
    for rule_id, seen in coverage.items():
        lacking = [k for k in ("pass", "fail", "boundary") if k not in seen]
        if lacking:
            report.uncovered.append(f"{rule_id}: no {' / '.join(lacking)} case")
    return report

