"""The text durable_rules' C core is sent: numbers it parses exactly, and dossier facts' bodies.

Its JSON parser reads an exponent only after a fraction (`1e-05` fails), NaN as null, and numbers
in strings as text (../shared/notes/durable-rules.md): every value is a finite float, |x| < 1e15,
written by `repr` (the shortest text that reads back as the same double) or with a fraction
before any exponent.
"""
from __future__ import annotations

import math
import operator
import string
from functools import partial
from itertools import compress

MAX_MAGNITUDE = 1e15


class EngineError(RuntimeError):
    """durable_rules refused or mis-handled an evaluation."""


def number(x: float) -> str:
    """A float as durable_rules' JSON parser accepts it."""
    x = float(x)
    if not math.isfinite(x) or abs(x) >= MAX_MAGNITUDE:
        raise EngineError(f"value {x!r} cannot be sent to durable_rules (non-finite or ≥ 1e15)")
    text = repr(x)
    if "e" in text:
        mantissa, exponent = text.split("e")
        if "." not in mantissa:
            text = f"{mantissa}.0e{exponent}"
    return text


def to_json(obj) -> str:
    """JSON text with every number written by `number` (json.dumps would write 1e-05)."""
    if isinstance(obj, dict):
        return "{" + ",".join(f"{to_json(str(k))}:{to_json(v)}" for k, v in obj.items()) + "}"
    if isinstance(obj, list):
        return "[" + ",".join(to_json(v) for v in obj) + "]"
    if isinstance(obj, bool) or obj is None:
        raise EngineError("booleans and nulls are not sent to durable_rules")
    if isinstance(obj, (int, float)):
        return number(obj)
    if isinstance(obj, str):
        if '"' in obj or "\\" in obj:
            raise EngineError(f"unexpected character in {obj!r}")
        return f'"{obj}"'
    raise EngineError(f"cannot send {type(obj).__name__} to durable_rules")


def fact_body(values: dict[str, float], codes: Codes | None = None) -> str | None:
    """The dossier's values as the members of one JSON object, without braces; None when no value is present.

    Every value is a finite float below 1e15 in magnitude, written by `repr` (the shortest text that reads
    back as the same double), or by `number` where repr would write a bare exponent (|x| < 1e-4).
    With `codes`, attributes are renamed (metric name → short code) and those no rule reads are left out.
    """
    if isinstance(codes, Codes):
        # measured: one format string per body is a third cheaper than formatting member by member
        try:
            vals = tuple(map(float, map(values.get, codes.names)))
            template = codes.template
        except TypeError:           # float(None): some attributes have no value
            present = tuple(map(_HAS_VALUE, map(values.get, codes.names)))
            vals = tuple(map(float, compress(map(values.get, codes.names), present)))
            template = codes.template_for(present)
        text = template % vals
        # the usual case, checked on the text (codes hold no "e" or "n"): no exponent, nan or inf, and
        # nothing ≥ 1e15 (measured: a regex over the text for 16-digit integer parts cost 3 µs)
        if "e" not in text and "n" not in text and (not vals or -MAX_MAGNITUDE < min(vals) and max(vals) < MAX_MAGNITUDE):
            return text or None
    if codes is not None:        # anything else is written value by value
        present = {codes[k]: float(v) for k, v in values.items() if v is not None and k in codes}
    else:
        present = {k: float(v) for k, v in values.items() if v is not None}
    if not present:
        return None
    vals = present.values()
    total = sum(vals)
    if total - total != 0 or max(map(abs, vals)) >= MAX_MAGNITUDE:     # NaN, ±inf, or too large
        for v in vals:
            number(v)                                                  # raises EngineError naming the value
    if min(map(abs, vals)) < 1e-4:      # zeros, or values repr would write as 1e-05
        return ",".join([f'"{k}":{number(v) if 0 < abs(v) < 1e-4 else repr(v)}' for k, v in present.items()])
    return ",".join([f'"{k}":{v!r}' for k, v in present.items()])


_HAS_VALUE = partial(operator.is_not, None)

# attribute codes hold no "e" or "n" (the text of a body is checked for exponents, nan and inf), and never
# "s", the sentinel: one letter, then a letter and a digit (measured: a tenth less text than a0, a1, …)
_LETTERS = [c for c in string.ascii_uppercase + string.ascii_lowercase if c not in "ens"]
CODES = _LETTERS + [c + d for c in _LETTERS for d in string.digits]


class Codes(dict):
    """Metric name → short attribute code (A, B, …), with the body of a fact that has every attribute."""

    MAX_TEMPLATES = 4096

    def __init__(self, attributes):
        super().__init__(zip(attributes, CODES, strict=False))
        if len(self) < len(attributes):
            raise EngineError(f"{len(attributes)} attributes: more than the {len(CODES)} codes")
        self.names = tuple(self)
        self.template = ",".join(f'"{c}":%r' for c in self.values())
        self._templates: dict[tuple[bool, ...], str] = {}

    def template_for(self, present: tuple[bool, ...]) -> str:
        """The body's format string when only the attributes marked present have a value."""
        template = self._templates.get(present)
        if template is None:
            template = ",".join(f'"{c}":%r' for c, p in zip(self.values(), present, strict=True) if p)
            if len(self._templates) < self.MAX_TEMPLATES:
                self._templates[present] = template
        return template
