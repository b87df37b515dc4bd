"""Fire a compiled pack against one dossier's facts and turn what fired into explained outcomes."""
from __future__ import annotations

import datetime as dt
import os

from . import review as panel
from .compile import CompiledPack, as_number, benchmark_attribute, compile_pack, target_attribute, threshold_attribute
from .decide import decide
from .derive import Deriver
from .durable_adapter import DurableEvaluator, EngineError
from .model import Dossier, Fact, Outcome, ProgramResult, Rule, RulePack, Target, ThresholdChoice
from .oracle import PythonEvaluator
from .problems import InputError, Problem
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


def _gap(op: str, value: float, threshold: float) -> tuple[float | None, float | None]:
    """How far the value is from meeting the threshold, in the metric's unit (> 0: short, ≤ 0: headroom)."""
    if op in ("le", "lt"):
        gap = value - threshold
    elif op in ("ge", "gt"):
        gap = threshold - value
    else:
        gap = abs(value - threshold)
    gap = float(f"{gap:.10g}")
    pct = float(f"{gap / abs(threshold) * 100:.6g}") if threshold else None
    return gap, pct


def _progress(target: Target, value: float) -> float | None:
    if target.base_value is None or target.value is None or target.value == target.base_value:
        return None
    return float(f"{(value - target.base_value) / (target.value - target.base_value) * 100:.6g}")


def _not_in_force(rule: Rule) -> str:
    when = []
    if rule.valid_from:
        when.append(f"from {rule.valid_from}")
    if rule.valid_until:
        when.append(f"until {rule.valid_until}")
    return f"in force only {' '.join(when)}"


def outcome(rule: Rule, fired: str | None, fact: Fact, ref: Fact | None, in_force: bool,
            target: Target | None = None, applies: tuple[bool | None, str] = (True, ""),
            data_year: int | None = None, choice: ThresholdChoice | None = None, remedies: bool = True) -> Outcome:
    # one Outcome built at the end from positional fields (measured: building a dict of the common fields and
    # passing it as keywords was a third of the outcome's cost, at 73 outcomes per dossier)
    op = rule.op
    kind = rule.ref_kind
    threshold = ref.value if ref is not None else choice.threshold if choice is not None else rule.threshold
    if kind == "target" and target is not None:
        op = "ge" if target.direction == "higher" else "le"
        threshold = target.value
    warnings = fact.warnings
    if ref is not None:
        warnings = warnings + ref.warnings
    if target is not None:
        warnings = warnings + target.warnings
    status, reason, gap, pct, fixes, progress = None, None, None, None, (), None
    ok, why = applies
    if not in_force:
        status, reason = "not_applicable", _not_in_force(rule)
    elif ok is False:
        status, reason = "not_applicable", why
    elif ok is None:
        status, reason = "missing", why
    elif choice is not None and choice.threshold is None:
        status, reason = "missing", (f"the threshold depends on {choice.attribute}, which the dossier does "
                                     f"not declare ({choice.pointer})")
    elif kind == "target" and target is None:
        status, reason = "not_applicable", f"the work plan declares no target for {rule.metric}"
    elif kind == "target" and target.value is None:
        status, reason = "missing", f"{rule.metric} target: {target.reason}"
    elif fact.value is None:
        name = "benchmark" if fact is ref and kind == "benchmark" else fact.metric
        status, reason = "missing", f"{name}: {fact.reason}"
    elif ref is not None and ref.value is None:
        status, reason = "missing", f"{'benchmark' if kind == 'benchmark' else ref.metric}: {ref.reason}"
    elif target is not None and data_year is not None and target.target_year > data_year:
        # a milestone not yet due is not judged; the progress so far is still shown
        progress = _progress(target, as_number(fact.value))
        so_far = f" (progress so far {progress:.0f} %)" if progress is not None else ""
        status, reason = "not_applicable", f"target due in {target.target_year}; the data year is {data_year}{so_far}"
    else:
        if fired is None:
            raise EngineError(f"rule {rule.id}: no outcome fired although {rule.metric} has a value")
        status = fired
        value = fact.value
        if not isinstance(value, bool) and not isinstance(threshold, bool):
            gap, pct = _gap(op, as_number(value), as_number(threshold))
            if isinstance(value, dt.date):
                pct = None  # a gap in days has no meaningful share of a date
            elif fired == "fail" and kind is None and remedies:
                fixes = levers(fact, threshold, rule.unit)
            if target is not None:
                progress = _progress(target, as_number(value))
    return Outcome(rule.id, status, fact.value, rule.unit, op, threshold, gap, pct, fact, ref, reason, warnings,
                   fixes, target, progress, None, None, choice)


_APPLIES = (True, "")


def _applies(rule: Rule, deriver: Deriver) -> tuple[bool | None, str]:
    if rule.applies_if is None:
        return True, ""
    metric, want = rule.applies_if
    f = deriver.fact(metric, None)
    if not f.present:
        return None, f"applies only when {metric} = {want}; {metric}: {f.reason}"
    if as_number(f.value) != as_number(want):
        return False, f"applies only when {metric} = {want} (the dossier has {f.value})"
    return True, ""


def zone_attribute(pack: RulePack, name: str, dossier: Dossier) -> str | None:
    """The zone's value of an attribute the pack declares; a value the pack does not know is bad input."""
    attr = pack.zone_attributes[name]
    parts = attr.pointer.strip("/").split("/")
    value = dossier.data
    for part in parts:
        value = value.get(part) if isinstance(value, dict) else None
    if value is not None and value not in attr.values:
        raise InputError([Problem(dossier.path, attr.pointer,
                                  f"{value!r} is not a value of {name} that pack {pack.id} knows "
                                  f"(expected one of: {', '.join(attr.values)})")])
    return value


def _choice(pack: RulePack, rule: Rule, dossier: Dossier) -> ThresholdChoice | None:
    by = rule.threshold_by
    if by is None:
        return None
    value = zone_attribute(pack, by.attribute, dossier)
    pointer = pack.zone_attributes[by.attribute].pointer
    if value is None:
        return ThresholdChoice(by.attribute, pointer, None, "undeclared", None)
    if value in by.cases:
        return ThresholdChoice(by.attribute, pointer, value, "case", by.cases[value])
    return ThresholdChoice(by.attribute, pointer, value, "default", by.default)


def _gather(pack: RulePack, deriver: Deriver):
    """Every fact, benchmark and declared target the pack's rules read, and the values sent to the engine."""
    facts: dict[str, Fact] = {}
    refs: dict[str, Fact] = {}
    targets: dict[str, Target | None] = {}
    values: dict[str, float] = {}
    choices: dict[str, ThresholdChoice] = {}
    fact, period = deriver.fact, pack.period_years
    for i, r in enumerate(pack.rules):
        if r.threshold_by is not None:
            c = choices[r.id] = _choice(pack, r, deriver.dossier)
            if c.threshold is not None:
                values[threshold_attribute(i)] = c.threshold
        metric, kind = r.metric, r.ref_kind
        if metric not in facts:
            facts[metric] = fact(metric, period)
        if kind is None:
            continue
        if kind == "metric":
            if r.ref_metric not in facts:
                facts[r.ref_metric] = fact(r.ref_metric, period)
        elif kind == "benchmark":
            b = refs[r.id] = deriver.benchmark(metric)
            if b.value is not None:
                values[benchmark_attribute(metric)] = as_number(b.value)
        elif kind == "target":
            t = targets[r.id] = deriver.declared_target(pack.work_plan, metric)
            if t is not None and t.value is not None:
                values[target_attribute(metric, t.direction)] = as_number(t.value)
    for n, f in facts.items():
        v = f.value
        if v is not None:
            values[n] = v if type(v) is float else as_number(v)
    return facts, refs, targets, values, choices


def engine_values(pack: RulePack, deriver: Deriver) -> dict[str, float]:
    """What an evaluator receives for one dossier (benchmarks use this to time the engines alone)."""
    return _gather(pack, deriver)[3]


def evaluate_program(pack: RulePack, deriver: Deriver, engine=None, review=None) -> ProgramResult:
    engine = engine or evaluator()
    gathered = _gather(pack, deriver)
    return _program_result(pack, deriver, gathered, engine.evaluate(compiled(pack), gathered[3]), review)


_DATED: dict[tuple, tuple[RulePack, tuple[bool, ...], tuple]] = {}


def _dated(pack: RulePack, as_of: dt.date, cat) -> tuple[tuple[bool, ...], tuple]:
    """Which of the pack's rules are in force on a date, and the provisional parameters they use: the same for
    every dossier assessed that day (measured: 15 µs per program when worked out per dossier)."""
    key = (id(pack), as_of, cat.sha256)
    got = _DATED.get(key)
    if got is None or got[0] is not pack:
        if len(_DATED) > 256:       # packs read again and again (a server's uploads) do not pile up
            _DATED.clear()
        in_force = tuple(r.in_force(as_of) for r in pack.rules)
        used = {p for r in pack.rules for p in r.params} | set(pack.decision.params)
        if any(cat.metrics[r.metric].uses_period for r, f in zip(pack.rules, in_force, strict=True) if f):
            used |= set(pack.period_params)
        provisional = tuple(p for n, p in pack.parameters.items() if n in used and p.provisional)
        got = _DATED[key] = (pack, in_force, provisional)
    return got[1], got[2]


def _program_result(pack: RulePack, deriver: Deriver, gathered, fired: dict[str, str], review=None,
                    remedies: bool = True) -> ProgramResult:
    """Outcomes, review and decision of one program, from what the engine fired for the dossier."""
    as_of = deriver.as_of
    facts, refs, targets, _, choices = gathered
    in_force, provisional = _dated(pack, as_of, deriver.cat)
    year = deriver.reference_year
    out = []
    for r, f in zip(pack.rules, in_force, strict=True):
        # refs, targets and choices hold only rules of their kind (ids are unique in a pack): looked up only for those
        kind, rid = r.ref_kind, r.id
        out.append(outcome(r, fired.get(rid), facts[r.metric],
                           facts[r.ref_metric] if kind == "metric" else refs.get(rid) if kind == "benchmark" else None,
                           f, targets.get(rid) if kind == "target" else None,
                           _applies(r, deriver) if r.applies_if is not None else _APPLIES, year,
                           choices.get(rid) if r.threshold_by is not None else None, remedies))
    outcomes = tuple(out)
    review_meta = None
    if review is not None:
        panel.check_against(review, pack, deriver.dossier.sha256, outcomes)
        outcomes = panel.apply(outcomes, review, as_of)
        review_meta = panel.meta(review, pack)
    plan = (deriver.dossier.data.get("work_plans") or {}).get(pack.work_plan or "") or {}
    verdict, blocking, detail = decide(pack, outcomes, plan, as_of)
    return ProgramResult(pack=pack, dossier=deriver.dossier, as_of=as_of, outcomes=outcomes, verdict=verdict,
                         blocking=blocking, provisional=provisional, reference_year=deriver.reference_year,
                         detail=detail, review=review_meta)


def check(dossier, packs: list[RulePack], catalogue, as_of: dt.date | None = None, engine=None,
          reviews=()) -> list[ProgramResult]:
    """Every requested program for one dossier; metrics shared by programs are derived once.

    `reviews`: panel reviews (engine.review.Review); each applies to the program it names.
    """
    deriver = Deriver(dossier, catalogue, as_of or dossier.as_of)
    by_program = {r.program: r for r in reviews}
    unknown = [r for r in reviews if r.program not in {p.id for p in packs}]
    if unknown:
        raise InputError([Problem(r.file, "/program", f"the review is for {r.program!r}, which is not being checked "
                                  f"({', '.join(p.id for p in packs)})") for r in unknown])
    return [evaluate_program(p, deriver, engine, by_program.get(p.id)) for p in packs]


def check_many(dossiers: list[tuple[Dossier, list[RulePack]]], catalogue, as_of: dt.date | None = None,
               engine=None, remedies: bool = True) -> list[list[ProgramResult] | Exception]:
    """`check` for many dossiers, each against its own packs: one `evaluate_many` per pack for them all.

    Each dossier gets its results, or the exception `check` would have raised for it (the first, in the
    order `check` meets them: derivation and outcomes program by program), so one dossier's bad input or
    engine failure never touches another's results. remedies=False: no levers (the changes that would close
    a gap, a fifth of the outcomes' time), for outputs that do not show them.
    """
    engine = engine or evaluator()
    out: list[list[ProgramResult] | Exception | None] = [None] * len(dossiers)
    prepared = []          # per dossier: its deriver, the gathered values of its packs, the exception met after them
    for i, (d, packs) in enumerate(dossiers):
        gathered, stop = [], None
        try:
            deriver = Deriver(d, catalogue, as_of or d.as_of)
            for p in packs:
                gathered.append(_gather(p, deriver))
        except Exception as e:  # noqa: BLE001 - raised again for this dossier alone, where `check` would have
            stop = e
            if not gathered:
                out[i] = e
                continue
        prepared.append((i, deriver, gathered, stop))
    by_pack: dict[str, tuple[RulePack, list[tuple[int, int]]]] = {}
    for k, (i, _, gathered, _) in enumerate(prepared):
        for j, p in enumerate(dossiers[i][1][:len(gathered)]):
            by_pack.setdefault(f"{p.id}-{p.files_sha256}", (p, []))[1].append((k, j))
    fired: dict[tuple[int, int], dict[str, str] | Exception] = {}
    many = getattr(engine, "evaluate_many", None) or (lambda cp, vs: [engine.evaluate(cp, v) for v in vs])
    for p, where in by_pack.values():
        got = many(compiled(p), [prepared[k][2][j][3] for k, j in where])
        fired.update(zip(where, got, strict=True))
    for k, (i, deriver, gathered, stop) in enumerate(prepared):
        results = []
        try:
            for j, g in enumerate(gathered):
                f = fired[(k, j)]
                if isinstance(f, Exception):
                    raise f
                results.append(_program_result(dossiers[i][1][j], deriver, g, f, remedies=remedies))
            if stop is not None:
                raise stop
        except Exception as e:  # noqa: BLE001 - this dossier's failure, reported for it alone
            out[i] = e
            continue
        out[i] = results
    return out
