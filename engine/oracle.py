"""The plain-Python evaluator of compiled rules: the test oracle for durable_rules, and the fallback engine."""
from __future__ import annotations

import operator

from .compile import CompiledPack

_OPS = {"ge": operator.ge, "gt": operator.gt, "le": operator.le, "lt": operator.lt, "eq": operator.eq}


class PythonEvaluator:
    name = "python"

    def evaluate(self, pack: CompiledPack, values: dict[str, float]) -> dict[str, str]:
        fired = {}
        for r in pack.rules:
            v = values.get(r.attribute)
            t = values.get(r.ref_attribute) if r.ref_attribute else r.threshold
            if v is None or t is None:
                continue
            fired[r.rule_id] = "pass" if _OPS[r.op](v, t) else "fail"
        return fired

    def evaluate_many(self, pack: CompiledPack, many: list[dict[str, float]]) -> list[dict[str, str]]:
        return [self.evaluate(pack, values) for values in many]
