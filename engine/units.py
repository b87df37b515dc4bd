"""Units: one pint registry for the whole process, with the units of Chinese statistics.

Dossiers and packs write units the way the standards print them ("10^4 RMB",
"亿元", "tce", "m3", "%"); `parse` turns such a spelling into a pint unit and
refuses anything it does not know, so a typo never converts silently.
"""
from __future__ import annotations

import difflib
import re
import unicodedata
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
    (r"万吨标准?煤", "(10**4*tce)"),          # 万吨标煤 is how zone offices abbreviate it
    (r"吨标准?煤", "tce"),
    (r"(?:千克|公斤)标准?煤", "kgce"),
    (r"万立方米", "(10**4*m**3)"),
    (r"亿立方米", "(10**8*m**3)"),
    (r"立方米", "m**3"),
    (r"平方(?:公里|千米)", "km**2"),
    (r"平方米", "m**2"),
    (r"公顷", "hectare"),
    (r"万吨", "(10**4*t)"),
    (r"吨", "t"),
    # money before 人, which 人民币 contains
    (r"亿元(?:人民币)?", "yi_RMB"),
    (r"万元(?:人民币)?", "wan_RMB"),
    (r"元(?:人民币)?", "RMB"),
    (r"人民币", "RMB"),
    (r"万人", "(10**4*person)"),
    (r"人", "person"),
    (r"100\s*million\s*RMB", "yi_RMB"),
    (r"100\s*million\s*yuan", "yi_RMB"),
    (r"10\^8\s*(?:RMB|yuan)", "yi_RMB"),
    (r"10\^4\s*(?:RMB|yuan)", "wan_RMB"),
    (r"10\^6\s*(?:RMB|yuan)", "million_RMB"),
    (r"million\s*(?:RMB|yuan)", "million_RMB"),
    (r"(?:千克|公斤)", "kg"),
    (r"毫克", "mg"),
    (r"升", "l"),
    (r"起", "event"),
    (r"家", "enterprise"),
    # 万 before a Latin unit, as in 万tce or 万t: ten thousand of it
    (r"万\s*([A-Za-z][A-Za-z_0-9]*)", r"(10**4*\1)"),
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
_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
_SUPERSCRIPT_RUN = re.compile(r"[⁰¹²³⁴⁵⁶⁷⁸⁹]+")

# Spellings offered in workbook drop-downs and "did you mean" answers; every one of them parses.
COMMON_SPELLINGS: tuple[str, ...] = (
    "万元", "10^4 RMB", "亿元", "100 million RMB", "million RMB", "元", "RMB",
    "吨标准煤", "tce", "万吨标准煤", "10^4 tce", "kgce", "GJ",
    "吨", "t", "万吨", "10^4 t", "千克", "kg",
    "立方米", "m3", "万立方米", "10^4 m3",
    "平方公里", "km2", "公顷", "ha",
    "人", "person", "万人", "%", "1", "mg/l", "起", "event",
)

DIMENSIONLESS = {"", "1", "--", "-", "—"}


class UnitError(ValueError):
    """A unit spelling ParkCert does not know, or two units that cannot convert."""


@lru_cache(maxsize=512)
def parse(spelling: str) -> pint.Quantity:
    """One of the spelled unit, as a quantity: '10^4 t' is 10000 t, 'tce/10^4 RMB' is 1 tce/wan_RMB."""
    if len(spelling) > MAX_UNIT:   # pint's parser is superlinear: a hostile unit must not reach it
        raise UnitError(f"a unit is at most {MAX_UNIT} characters, found {len(spelling):,}")
    text = normal(spelling)
    if text in DIMENSIONLESS:
        return Quantity(1.0, ureg.dimensionless)
    for pattern, repl in _COMPILED:
        text = pattern.sub(repl, text)
    _small_powers(text.replace("^", "**"), spelling)
    try:
        q = ureg.parse_expression(text)
        magnitude = float(q.magnitude) if isinstance(q, pint.Quantity) else 0.0
    except Exception as exc:  # pint raises several unrelated types; OverflowError for 10^999
        raise UnitError(unknown_message(spelling)) from exc
    if not isinstance(q, pint.Quantity) or not MIN_SCALE <= magnitude <= MAX_SCALE or "[" in text:
        raise UnitError(unknown_message(spelling))
    return q


MIN_SCALE, MAX_SCALE = 1e-12, 1e12   # 亿 is 10^8; no statistics print a unit scaled beyond 10^±12
_POWER = re.compile(r"\*\*")
_EXPONENT = re.compile(r"\s*-?\d{1,2}(?:\.\d+)?(?![\d.]|\s*\*\*)")


def _small_powers(text: str, spelling: str) -> None:
    """Only plain exponents of at most two digits: pint would otherwise compute 10^(10^12) exactly, for hours."""
    for m in _POWER.finditer(text):
        exponent = _EXPONENT.match(text, m.end())
        if not exponent or abs(float(exponent.group())) > 12:
            raise UnitError(f"unknown unit {spelling!r}: exponents are small numbers (m2, 10^4 t)")


def normal(spelling: str) -> str:
    """The spelling with Excel's and IMEs' variants folded: full-width ％ and digits, superscript powers.

    Superscripts become powers first ("10⁴" is 10^4, "m³" is m^3): NFKC alone would read "10⁴" as 104.
    """
    text = _SUPERSCRIPT_RUN.sub(lambda m: "^" + m.group(0).translate(_SUPERSCRIPT), spelling)
    return unicodedata.normalize("NFKC", text).strip()


def suggest(spelling: str, expected: str | None = None, n: int = 3) -> list[str]:
    """The accepted spellings nearest to an unknown one (those convertible to `expected` when given)."""
    pool = list(COMMON_SPELLINGS)
    if expected and expected not in pool:
        pool.insert(0, expected)
    if expected:
        pool = [p for p in pool if compatible(p, expected)] or pool
    return difflib.get_close_matches(normal(spelling), pool, n=n, cutoff=0.3)


def unknown_message(spelling: str, expected: str | None = None) -> str:
    near = suggest(spelling, expected)
    return f"unknown unit {spelling!r}" + (f" (did you mean {', '.join(map(repr, near))}?)" if near else "")


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
