"""Units: one pint registry for the whole process, with the units of Chinese statistics.

Dossiers and packs write units the way the standards print them ("10^4 RMB",
"亿元", "tce", "m3", "%"); `parse` turns such a spelling into a pint unit and
refuses anything it does not know, so a typo never converts silently.
"""
from __future__ import annotations

import re
from functools import lru_cache

import pint

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

# Spellings used in Chinese statistics and in the seed, mapped to registry names.
# Longest first, so "10^4 RMB" wins over "RMB".
_TOKENS: list[tuple[str, str]] = [
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
]
_COMPILED = [(re.compile(p), r) for p, r in _TOKENS]

DIMENSIONLESS = {"", "1", "--", "-", "—"}


class UnitError(ValueError):
    """A unit spelling ParkCert does not know, or two units that cannot convert."""


@lru_cache(maxsize=512)
def parse(spelling: str) -> pint.Unit:
    text = spelling.strip()
    if text in DIMENSIONLESS:
        return ureg.dimensionless
    for pattern, repl in _COMPILED:
        text = pattern.sub(repl, text)
    try:
        unit = ureg.parse_units(text)
    except Exception as exc:  # pint raises several unrelated types
        raise UnitError(f"unknown unit {spelling!r}") from exc
    return unit


def convert(value: float, from_unit: str, to_unit: str) -> float:
    """Convert a magnitude; raises UnitError when the dimensions differ."""
    src, dst = parse(from_unit), parse(to_unit)
    if src == dst:
        return value
    try:
        return float(Quantity(value, src).to(dst).magnitude)
    except pint.DimensionalityError as exc:
        raise UnitError(f"cannot convert {from_unit!r} to {to_unit!r}") from exc


def compatible(from_unit: str, to_unit: str) -> bool:
    try:
        return parse(from_unit).dimensionality == parse(to_unit).dimensionality
    except UnitError:
        return False
