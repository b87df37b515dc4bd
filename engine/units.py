"""Units: one pint registry for the whole process, with the units of Chinese statistics.

Dossiers and packs write units the way the standards print them ("10^4 RMB",
"亿元", "tce", "m3", "%"); `parse` turns such a spelling into a pint unit and
refuses anything it does not know, so a typo never converts silently.
"""
from __future__ import annotations

import re
from functools import lru_cache

import pint

from .bounds import MAX_UNIT

ureg = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
# Money has no physical dimension: give it one so RMB never cancels against tonnes.
ureg.define("RMB = [currency] = yuan = CNY")
ureg.define("wan_RMB = 10000 * RMB")        # 万元, 10^4 RMB
ureg.define("yi_RMB = 100000000 * RMB")     # 亿元, 10^8 RMB
ureg.define("million_RMB = 1000000 * RMB")
# GB/T 2589-2008: 1 kgce = 29 307.6 kJ (7000 kcal).
ureg.define("tce = 29.3076 * GJ")
ureg.define("kgce = 0.001 * tce")
ureg.define("tCO2 = t")
ureg.define("person = [population] = persons = P")
ureg.define("enterprise = [enterprise] = enterprises")
ureg.define("issue = [publication] = issues")
ureg.define("event = [event] = events")

Quantity = ureg.Quantity

# Spellings used in Chinese statistics and in IISD (2015), mapped to registry names.
# Longest first, so "10^4 RMB" wins over "RMB".
_TOKENS: list[tuple[str, str]] = [
    (r"万吨标准煤", "(10**4*tce)"),
    (r"吨标准煤", "tce"),
    (r"千克标准煤", "kgce"),
    (r"万立方米", "(10**4*m**3)"),
    (r"亿立方米", "(10**8*m**3)"),
    (r"立方米", "m**3"),
    (r"平方公里", "km**2"),
    (r"公顷", "hectare"),
    (r"万吨", "(10**4*t)"),
    (r"吨", "t"),
    (r"万人", "(10**4*person)"),
    (r"人", "person"),
    (r"100\s*million\s*RMB", "yi_RMB"),
    (r"100\s*million\s*yuan", "yi_RMB"),
    (r"10\^8\s*(?:RMB|yuan)", "yi_RMB"),
    (r"10\^4\s*(?:RMB|yuan)", "wan_RMB"),
    (r"10\^6\s*(?:RMB|yuan)", "million_RMB"),
    (r"million\s*(?:RMB|yuan)", "million_RMB"),
    (r"亿元", "yi_RMB"),
    (r"万元", "wan_RMB"),
    (r"元", "RMB"),
    (r"\bkm2\b", "km**2"),
    (r"\bm2\b", "m**2"),
    (r"\bm3\b", "m**3"),
    (r"\b(?:ton|tons|tonne|tonnes)\b", "t"),  # pint's "ton" is the US short ton
    (r"%", "percent"),
    (r"\bP\b", "person"),
    (r"\bpersons\b", "person"),
    (r"\bha\b", "hectare"),
    # any other power of ten before a unit, e.g. "10^4 t" (万吨) or "10^4 tce": a scale, not a unit
    (r"10\^(\d+)\s*([A-Za-z_][A-Za-z_0-9]*(?:\*\*\d)?)", r"(10**\1*\2)"),
]
_COMPILED = [(re.compile(p), r) for p, r in _TOKENS]

DIMENSIONLESS = {"", "1", "--", "-", "—"}


class UnitError(ValueError):
    """A unit spelling ParkCert does not know, or two units that cannot convert."""


@lru_cache(maxsize=512)
def parse(spelling: str) -> pint.Quantity:
    """One of the spelled unit, as a quantity: '10^4 t' is 10000 t, 'tce/10^4 RMB' is 1 tce/wan_RMB."""
    if len(spelling) > MAX_UNIT:   # pint's parser is superlinear: a hostile unit must not reach it
        raise UnitError(f"a unit is at most {MAX_UNIT} characters, found {len(spelling):,}")
    text = spelling.strip()
    if text in DIMENSIONLESS:
        return Quantity(1.0, ureg.dimensionless)
    for pattern, repl in _COMPILED:
        text = pattern.sub(repl, text)
    try:
        q = ureg.parse_expression(text)
    except Exception as exc:  # pint raises several unrelated types
        raise UnitError(f"unknown unit {spelling!r}") from exc
    if not isinstance(q, pint.Quantity) or not q.magnitude > 0 or "[" in text:
        raise UnitError(f"unknown unit {spelling!r}")
    return q


def quantity(value: float, spelling: str) -> pint.Quantity:
    return value * parse(spelling)


def magnitude(q: pint.Quantity, spelling: str) -> float:
    """The number that, written with `spelling`, states q."""
    unit = parse(spelling)
    try:
        return float(q.to(unit.units).magnitude / unit.magnitude)
    except pint.DimensionalityError as exc:
        raise UnitError(f"cannot express {q.units} in {spelling!r}") from exc


@lru_cache(maxsize=4096)
def factor(from_unit: str, to_unit: str) -> float:
    """What one `from_unit` is in `to_unit` (every unit here is linear: no offsets)."""
    if from_unit == to_unit:
        return 1.0
    try:
        return magnitude(quantity(1.0, from_unit), to_unit)
    except UnitError:
        raise UnitError(f"cannot convert {from_unit!r} to {to_unit!r}") from None


def convert(value: float, from_unit: str, to_unit: str) -> float:
    """Convert a magnitude; raises UnitError when the dimensions differ."""
    return value if from_unit == to_unit else value * factor(from_unit, to_unit)


def compatible(from_unit: str, to_unit: str) -> bool:
    try:
        return parse(from_unit).dimensionality == parse(to_unit).dimensionality
    except UnitError:
        return False


MONEY_UNIT = "million RMB"   # subsidies and investments are compared in the unit of Table A1 of IISD (2015)


def money(m: dict) -> float:
    """A dossier amount {value, unit} in million RMB."""
    return convert(float(m["value"]), m["unit"], MONEY_UNIT)
