"""Compile a rule pack into the shapes the evaluators run.

One fact per dossier carries every metric value as an attribute; each rule
becomes a pass condition and its exact complement as a fail condition on
that fact. A value that is absent matches neither: the rule is `missing`.
Rules never use durable_rules arithmetic ($add/$div...): values are computed
in derive.py, in Python, as floats.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .model import RulePack

# guards against limits of the durable_rules C core (see durable_adapter.py)
MAX_RULES = 400
MAX_ATTRIBUTES = 250

_PASS = {"ge": "$gte", "gt": "$gt", "le": "$lte", "lt": "$lt", "eq": None}
_FAIL = {"ge": "$lt", "gt": "$lte", "le": "$gt", "lt": "$gte", "eq": "$neq"}


class CompileError(ValueError):
    pass


@dataclass(frozen=True)
class CompiledRule:
    rule_id: str
    attribute: str
    op: str                      # for declared targets: "ge" (higher is better) or "le" (lower)
    threshold: float | None      # bool thresholds become 1.0 / 0.0, dates their ordinal
    ref_attribute: str | None    # compared against this attribute of the same fact
    variant: str = ""            # declared targets compile to a "hi" and a "lo" variant


def target_attribute(metric: str, direction: str) -> str:
    return f"t_{'hi' if direction == 'higher' else 'lo'}__{metric}"


def benchmark_attribute(metric: str) -> str:
    return f"bm__{metric}"


def threshold_attribute(index: int) -> str:
    """The zone's own threshold for the pack's rule at `index` (thresholds chosen by a zone attribute)."""
    return f"th__{index}"


@dataclass(frozen=True)
class CompiledPack:
    name: str                    # versioned ruleset name: pack id + rule-files hash
    rules: tuple[CompiledRule, ...]
    attributes: tuple[str, ...]

    def durable_definition(self) -> dict:
        definition = {}
        for r in self.rules:
            target = {"$m": r.ref_attribute} if r.ref_attribute else r.threshold
            for outcome, ops in (("pass", _PASS), ("fail", _FAIL)):
                op = ops[r.op]
                cond = {r.attribute: target} if op is None else {op: {r.attribute: target}}
                if r.ref_attribute:
                    # measured: a comparison against an absent attribute fires both pass and fail
                    cond = {"$and": [{"$ex": {r.ref_attribute: 1}}, cond]}
                definition[f"{r.rule_id}|{outcome}|{r.variant}"] = {"all": [{"m": cond}]}
        return definition


def as_number(value) -> float:
    if isinstance(value, dt.date):
        return float(value.toordinal())
    return 1.0 if value is True else 0.0 if value is False else float(value)


def compile_pack(pack: RulePack) -> CompiledPack:
    if len(pack.rules) > MAX_RULES:
        raise CompileError(f"pack {pack.id} has {len(pack.rules)} rules; split it (at most {MAX_RULES} per ruleset)")
    rules, attrs = [], []

    def attr(a):
        if a not in attrs:
            attrs.append(a)
        return a

    for i, r in enumerate(pack.rules):
        attr(r.metric)
        if r.threshold_by is not None:
            rules.append(CompiledRule(r.id, r.metric, r.op, None, attr(threshold_attribute(i))))
        elif r.ref_kind == "target":
            for direction, op in (("higher", "ge"), ("lower", "le")):
                rules.append(CompiledRule(r.id, r.metric, op, None, attr(target_attribute(r.metric, direction)),
                                          variant=direction[:2]))
        elif r.ref_kind == "benchmark":
            rules.append(CompiledRule(r.id, r.metric, r.op, None, attr(benchmark_attribute(r.metric))))
        elif r.ref_kind == "metric":
            rules.append(CompiledRule(r.id, r.metric, r.op, None, attr(r.ref_metric)))
        else:
            rules.append(CompiledRule(r.id, r.metric, r.op, as_number(r.threshold), None))
    if len(attrs) > MAX_ATTRIBUTES:
        raise CompileError(f"pack {pack.id} reads {len(attrs)} metrics; at most {MAX_ATTRIBUTES} fit in one fact")
    return CompiledPack(f"{pack.id}-{pack.files_sha256[:12]}", tuple(rules), tuple(attrs))
