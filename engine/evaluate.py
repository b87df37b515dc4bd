"""Fire a compiled pack against one dossier's facts and turn what fired into explained outcomes."""
from __future__ import annotations

import datetime as dt
import os

from .compile import CompiledPack, as_number, compile_pack
from .decide import decide
from .derive import Deriver
from .durable_adapter import DurableEvaluator, EngineError
from .model import Fact, Outcome, ProgramResult, Rule, RulePack
from .oracle import PythonEvaluator
from .remedy import levers

EVALUATORS = {"durable": DurableEvaluator, "python": PythonEvaluator}


def evaluator(name: str | None = None):
    return EVALUATORS[name or os.environ.get("PARKCERT_ENGINE", "durable")]()


_COMPILED: dict[str, CompiledPack] = {}


def compiled(pack: RulePack) -> CompiledPack:
    key = f"{pack.id}-{pack.files_sha256}"
    if key not in _COMPILED:
        _COMPILED[key] = compile_pack(pack)
    return _COMPILED[key]


def _gap(rule: Rule, value: float, threshold: float) -> tuple[float | None, float | None]:
    """How far the value is from meeting the threshold, in the metric's unit (> 0: short, ≤ 0: headroom)."""
    if rule.op in ("le", "lt"):
        gap = value - threshold
    elif rule.op in ("ge", "gt"):
        gap = threshold - value
    else:
        gap = abs(value - threshold)
    gap = float(f"{gap:.10g}")
    pct = float(f"{gap / abs(threshold) * 100:.6g}") if threshold else None
    return gap, pct


def outcome(rule: Rule, fired: str | None, fact: Fact, ref: Fact | None, in_force: bool) -> Outcome:
    threshold = ref.value if ref is not None else rule.threshold
    common = dict(rule_id=rule.id, value=fact.value, unit=rule.unit, op=rule.op, threshold=threshold,
                  fact=fact, ref_fact=ref, warnings=fact.warnings + (ref.warnings if ref else ()))
    if not in_force:
        when = []
        if rule.valid_from:
            when.append(f"from {rule.valid_from}")
        if rule.valid_until:
            when.append(f"until {rule.valid_until}")
        return Outcome(status="not_applicable", reason=f"in force only {' '.join(when)}", **common)
    for f in (fact, ref):
        if f is not None and not f.present:
            return Outcome(status="missing", reason=f"{f.metric}: {f.reason}", **common)
    if fired is None:
        raise EngineError(f"rule {rule.id}: no outcome fired although {rule.metric} has a value")
    gap = pct = None
    fixes = ()
    if not isinstance(fact.value, bool) and not isinstance(threshold, bool):
        gap, pct = _gap(rule, as_number(fact.value), as_number(threshold))
        if fired == "fail" and ref is None:
            fixes = levers(fact, threshold, rule.unit)
    return Outcome(status=fired, gap=gap, gap_pct=pct, levers=fixes, **common)


def evaluate_program(pack: RulePack, deriver: Deriver, engine=None) -> ProgramResult:
    engine = engine or evaluator()
    cp = compiled(pack)
    as_of = deriver.as_of
    facts: dict[str, Fact] = {}
    for r in pack.rules:
        for name in (r.metric, r.ref_metric):
            if name and name not in facts:
                facts[name] = deriver.fact(name, pack.period_years)
    values = {n: as_number(f.value) for n, f in facts.items() if f.present}
    fired = engine.evaluate(cp, values)
    outcomes = tuple(
        outcome(r, fired.get(r.id), facts[r.metric], facts[r.ref_metric] if r.ref_metric else None, r.in_force(as_of))
        for r in pack.rules)
    verdict, blocking = decide(pack, outcomes)
    used = {p for r in pack.rules for p in r.params}
    if any(deriver.cat.metrics[r.metric].uses_period for r in pack.rules if r.in_force(as_of)):
        used |= set(pack.period_params)
    provisional = tuple(p for n, p in pack.parameters.items() if n in used and p.provisional)
    return ProgramResult(pack=pack, dossier=deriver.dossier, as_of=as_of, outcomes=outcomes, verdict=verdict,
                         blocking=blocking, provisional=provisional,
                         reference_year=deriver.reference_year)


def check(dossier, packs: list[RulePack], catalogue, as_of: dt.date | None = None, engine=None) -> list[ProgramResult]:
    """Every requested program for one dossier; metrics shared by programs are derived once."""
    deriver = Deriver(dossier, catalogue, as_of or dossier.as_of)
    return [evaluate_program(p, deriver, engine) for p in packs]
