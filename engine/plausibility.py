"""Plausibility warnings on a dossier: values that are valid but probably typed wrong.

The checks and their messages are data (rules/plausibility.yaml). A warning never changes an
outcome: it is listed with the value and its JSON Pointer, in `check`, the result document and the
PDF (and, with the cell instead of the pointer, by the workbook import, which calls `warnings`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache, lru_cache

from . import units
from .formula import Formula, FormulaError, Undefined, magnitudes_function, parsed, result_factor
from .model import Catalogue, Metric
from .paths import RULES
from .problems import pointer
from .yamlfile import read

PERCENT = "%"


@dataclass(frozen=True)
class Warning:  # noqa: A001 - the name the workbook import and the result document use
    pointer: str          # JSON Pointer into the dossier
    code: str             # the check in rules/plausibility.yaml
    message_en: str
    message_zh: str
    value: float

    def as_json(self) -> dict:
        return {"pointer": self.pointer, "code": self.code, "value": self.value,
                "message": {"en": self.message_en, "zh": self.message_zh}}


@cache
def _config() -> dict:
    return read(RULES / "plausibility.yaml").data


def _num(x: float) -> str:
    """A number as typed back to a person: no exponent, no float noise."""
    if x == int(x) and abs(x) < 1e15:
        return f"{int(x):,}" if abs(x) >= 10000 else str(int(x))
    a = abs(x)
    digits = 4 if a < 1 else 6
    text = f"{x:.{digits}g}"
    if "e" in text:
        text = f"{x:.{max(0, digits - int(math.floor(math.log10(a))) - 1)}f}"
    return text


def _warn(out: list, code: str, parts, raw: float, **fields) -> None:
    msg = _config()["checks"][code]["message"]
    out.append(Warning(pointer(parts), code, msg["en"].format(**fields), msg["zh"].format(**fields), raw))


_BY_CATALOGUE: dict[int, tuple] = {}


def _of_catalogue(cat: Catalogue) -> tuple[dict[str, Metric], list[tuple[str, Metric, Formula]]]:
    """The catalogue's shares, and those derived by a formula of yearly quantities with it parsed: the same for
    every dossier (measured: worked out per dossier, a fifth of the checks' time)."""
    got = _BY_CATALOGUE.get(id(cat))
    if got is None or got[0] is not cat:
        skip = set(_config().get("not_shares") or ())
        shares = {n: m for n, m in cat.metrics.items() if m.unit == PERCENT and n not in skip}
        derived = []
        for name, m in shares.items():
            if not m.formula or m.uses_period:
                continue
            try:
                derived.append((name, m, parsed(m.formula, cat.quantities)))
            except FormulaError:
                continue
        if len(_BY_CATALOGUE) > 16:
            _BY_CATALOGUE.clear()
        got = _BY_CATALOGUE[id(cat)] = (cat, shares, derived)
    return got[1], got[2]


def _shares(cat: Catalogue) -> dict[str, Metric]:
    return _of_catalogue(cat)[0]


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _in_percent(m: dict) -> float | None:
    """A {value, unit} as a percentage, or None when it is not a usable percentage."""
    if not isinstance(m, dict) or not _is_number(m.get("value")) or not isinstance(m.get("unit"), str):
        return None
    try:
        return units.convert(float(m["value"]), m["unit"], PERCENT)
    except units.UnitError:
        return None


def _typed_as_percent(unit: str) -> bool:
    try:
        return units.factor(unit, PERCENT) == 1.0
    except units.UnitError:
        return False


def _share_values(data: dict, shares: dict[str, Metric]):
    """(pointer parts, {value, unit}, metric) for every share the dossier states directly."""
    for name, r in (data.get("reported") or {}).items():
        if name in shares:
            yield ["reported", name], r, shares[name]
    for name, b in (data.get("benchmarks") or {}).items():
        if name in shares:
            yield ["benchmarks", name], b, shares[name]
    for prog, plan in (data.get("work_plans") or {}).items():
        for i, t in enumerate((plan or {}).get("targets") or []):
            if not isinstance(t, dict) or t.get("metric") not in shares:
                continue
            for part in ("base", "target"):
                given = t.get(part)
                if isinstance(given, dict) and "value" in given:
                    yield (["work_plans", prog, "targets", i, part],
                           {"value": given["value"], "unit": given.get("unit", PERCENT)}, shares[t["metric"]])


def _check_shares(data: dict, cat: Catalogue, out: list) -> None:
    cfg = _config()["checks"]
    below, above = cfg["percent_as_fraction"]["below"], cfg["share_above_100"]["above"]
    shares = _shares(cat)
    for parts, given, metric in _share_values(data, shares):
        pct = _in_percent(given)
        if pct is None:
            continue
        where = parts + ["value"]
        if 0 < pct < below and _typed_as_percent(given["unit"]):
            _warn(out, "percent_as_fraction", where, given["value"], value=_num(given["value"]), unit=given["unit"],
                  suggestion=_num(round(pct * 100, 6)), below=_num(below))
        elif pct > above:
            _warn(out, "share_above_100", where, given["value"], value=_num(pct), metric=metric.name,
                  title_en=metric.title.en, title_zh=metric.title.zh)
    _check_derived_shares(data, cat, shares, above, out)


def _series_value(data: dict, name: str, year: str, unit: str | None = None) -> float | None:
    """A series value as a plain float in `unit` (default: the series' own); cached unit factors, no pint
    arithmetic per value (batch runs this on every dossier)."""
    s = (data.get("series") or {}).get(name)
    if not isinstance(s, dict) or not isinstance(s.get("values"), dict):
        return None
    v = s["values"].get(year)
    if not _is_number(v) or not isinstance(s.get("unit"), str):
        return None
    try:
        return float(v) * units.factor(s["unit"], unit or s["unit"])
    except units.UnitError:
        return None


@lru_cache(maxsize=256)
def _product_factor(a: str, b: str, to: str) -> float:
    """What one `a` times one `b` is in `to`."""
    return units.magnitude(units.quantity(1.0, a) * units.quantity(1.0, b), to)


def _check_derived_shares(data: dict, cat: Catalogue, shares: dict[str, Metric], above: float, out: list) -> None:
    """A share the engine derives from two series (e.g. solid waste reused / generated) above 100 %."""
    reported = data.get("reported") or {}
    for name, m, f in _of_catalogue(cat)[1]:
        if name in reported or name not in shares:
            continue
        years = set.intersection(*[set(((data.get("series") or {}).get(q) or {}).get("values") or {})
                                   for q in f.names]) if f.names else set()
        for year in sorted(years):
            values = [_series_value(data, q, year, cat.quantities[q].unit) for q in f.names]
            if None in values:
                continue
            try:
                # the same arithmetic as formula.evaluate, on plain floats
                pct = magnitudes_function(f)(values) * result_factor(f, cat.quantities, PERCENT)
            except (Undefined, units.UnitError, ZeroDivisionError):
                continue
            if pct > above:
                _warn(out, "share_above_100", ["series", f.names[0], "values", year], pct,
                      value=_num(round(pct, 2)), metric=name, title_en=f"{m.title.en} {year}",
                      title_zh=f"{year}年{m.title.zh}")


def _check_jumps(data: dict, cat: Catalogue, out: list) -> None:
    factor = _config()["checks"]["series_jump"]["factor"]
    for name, s in (data.get("series") or {}).items():
        if not isinstance(s, dict) or not isinstance(s.get("values"), dict):
            continue
        q = cat.quantities.get(name)
        points = []
        for y, v in s["values"].items():
            if not (isinstance(y, str) and y.isdigit()):
                continue
            t = type(v)
            # measured: _is_number per value was a third of these checks; plain floats and ints are tested inline
            if (t is float or t is int) and math.isfinite(v) or t is not float and t is not int and _is_number(v):
                points.append((int(y), v))
        points.sort()
        for (y0, v0), (y1, v1) in zip(points, points[1:], strict=False):
            if v0 <= 0 or v1 <= 0:
                continue
            ratio = max(v1 / v0, v0 / v1)
            if ratio > factor:
                _warn(out, "series_jump", ["series", name, "values", str(y1)], v1, quantity=name,
                      title_en=q.title.en if q else name, title_zh=q.title.zh if q else name,
                      year=y1, previous_year=y0, value=_num(v1), previous=_num(v0), unit=s.get("unit", ""),
                      ratio=_num(round(v1 / v0, 3 if v1 < v0 else 1)))


def _check_iav_energy(data: dict, out: list) -> None:
    cfg = _config()["checks"]["iav_below_energy_cost"]
    series = data.get("series") or {}
    iav, energy = series.get(cfg["iav"]), series.get(cfg["energy"])
    if not isinstance(iav, dict) or not isinstance(energy, dict):
        return
    price = float(cfg["min_price"]["value"])
    for year in sorted(set(iav.get("values") or {}) & set(energy.get("values") or {})):
        shown, used = _series_value(data, cfg["iav"], year), _series_value(data, cfg["energy"], year)
        if shown is None or used is None or shown <= 0:
            continue
        try:
            floor = used * price * _product_factor(energy["unit"], cfg["min_price"]["unit"], iav["unit"])
        except units.UnitError:
            continue
        if shown < floor:
            _warn(out, "iav_below_energy_cost", ["series", cfg["iav"], "values", year], iav["values"][year],
                  year=year, value=_num(shown), unit=iav["unit"], energy=_num(energy["values"][year]),
                  energy_unit=energy["unit"], floor=_num(round(floor, 2)), floor_unit=iav["unit"],
                  min_price=_num(cfg["min_price"]["value"]))


def warnings(data: dict, catalogue: Catalogue) -> list[Warning]:
    """Every plausibility warning on a dossier (as a dict, schema-valid or not), in pointer order."""
    if not isinstance(data, dict):
        return []
    out: list[Warning] = []
    _check_shares(data, catalogue, out)
    _check_jumps(data, catalogue, out)
    _check_iav_energy(data, out)
    return sorted(out, key=lambda w: (w.pointer, w.code))
