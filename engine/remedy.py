"""What would close a failing gap, in the units of the dossier's own quantities.

For a ratio indicator `a / b` that misses its threshold T, the zone can move
either term: change a by T·b − a, or change b by a / T − b. Values are in the
units the dossier uses, so a zone reads "cut energy_consumption by 528,000 tce".
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

from . import units
from .model import Fact


@dataclass(frozen=True)
class Lever:
    quantity: str
    year: int | None
    current: float
    target: float
    change: float         # target − current, in `unit`
    unit: str


def levers(fact: Fact, threshold: float, metric_unit: str) -> tuple[Lever, ...]:
    if fact.method != "derived" or not fact.formula or not threshold:
        return ()
    tree = ast.parse(fact.formula, mode="eval").body
    if not (isinstance(tree, ast.BinOp) and isinstance(tree.op, ast.Div)
            and isinstance(tree.left, ast.Name) and isinstance(tree.right, ast.Name)):
        return ()
    by_name = {i.name.rsplit(" ", 1)[0]: i for i in fact.inputs}
    num, den = by_name.get(tree.left.id), by_name.get(tree.right.id)
    if num is None or den is None:
        return ()
    a = units.quantity(float(num.value), num.unit)
    b = units.quantity(float(den.value), den.unit)
    t = units.quantity(threshold, metric_unit)
    need_a = units.magnitude(t * b, num.unit)
    need_b = units.magnitude(a / t, den.unit)
    return (Lever(tree.left.id, fact.year, float(num.value), need_a, need_a - float(num.value), num.unit),
            Lever(tree.right.id, fact.year, float(den.value), need_b, need_b - float(den.value), den.unit))
