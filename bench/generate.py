"""Seeded generator of realistic synthetic zone dossiers, for benchmarks and batch tests.

    python bench/generate.py N [--seed 2014] [--years 10] (-o FOLDER | --jsonl FILE | --jsonl -)

Zones are generated as ceil(N / years) zones, each assessed every year (reference
years ending in 2015, assessed on 30 June of the following year), like the
1,568 provincial and national zones of 2014 re-checked over ten years.
Dossier i depends only on (seed, i): a larger N adds dossiers, it never changes
the first ones.

Each dossier is one of three profiles, drawn per dossier:
- passing (about 35 %): every indicator on the passing side of its threshold;
- failing (about 45 %): one to five indicators or general requirements past it;
- missing (about 20 %): a passing or failing zone with some data left out
  (a series, a base year, a reported value, a GDP figure, a short incident record).
Series cover the reference year and the years before it (four to six years for
the quantities that grow), in the units Chinese statistics print (亿元 or 万元, ha
or km2, t, m3, tce). Every dossier is valid against schemas/dossier.schema.json.
The indicator targets are those of HJ 274-2009 (eip-integrated); other packs'
rules simply see what a sector-integrated zone reports.
"""
from __future__ import annotations

import argparse
import json
import math
import random
import sys
from pathlib import Path

PROFILES = (("passing", 0.35), ("failing", 0.45), ("missing", 0.20))
LAST_REFERENCE_YEAR = 2015

PROVINCES = [
    ("Jiangsu", "江苏省", [("Suzhou", "苏州市"), ("Wuxi", "无锡市"), ("Changzhou", "常州市"), ("Nanjing", "南京市")]),
    ("Zhejiang", "浙江省", [("Ningbo", "宁波市"), ("Hangzhou", "杭州市"), ("Jiaxing", "嘉兴市")]),
    ("Shandong", "山东省", [("Qingdao", "青岛市"), ("Yantai", "烟台市"), ("Weifang", "潍坊市"), ("Jinan", "济南市")]),
    ("Guangdong", "广东省", [("Guangzhou", "广州市"), ("Shenzhen", "深圳市"), ("Foshan", "佛山市")]),
    ("Tianjin", "天津市", [("Tianjin", "天津市")]),
    ("Shanghai", "上海市", [("Shanghai", "上海市")]),
    ("Hebei", "河北省", [("Tangshan", "唐山市"), ("Shijiazhuang", "石家庄市")]),
    ("Sichuan", "四川省", [("Chengdu", "成都市"), ("Mianyang", "绵阳市")]),
    ("Hubei", "湖北省", [("Wuhan", "武汉市"), ("Xiangyang", "襄阳市")]),
    ("Liaoning", "辽宁省", [("Dalian", "大连市"), ("Shenyang", "沈阳市")]),
]
KINDS = [("Economic and Technological Development Zone", "经济技术开发区", "ETDZ"),
         ("High-Tech Industrial Development Zone", "高新技术产业开发区", "HIDZ"),
         ("Industrial Park", "工业园区", "IP")]
SYLLABLES = ["xin", "he", "dong", "hai", "bei", "lun", "qing", "jiang", "hua", "shan", "nan", "ping", "an",
             "long", "feng", "yang", "ming", "tai", "jin", "ling", "kang", "chang", "xing", "yuan"]
HANZI = dict(zip(SYLLABLES, "新河东海北仑清江华山南平安龙丰阳明泰金陵康昌兴源", strict=True))

# metric: (passing range, failing range); units are the catalogue's (HJ 274-2009, Table 1)
TARGETS = {
    "iav_per_capita": ((16.0, 32.0), (7.0, 14.5)),                  # ≥ 15   10^4 RMB/person
    "iav_growth": ((15.5, 24.0), (5.0, 14.0)),                      # ≥ 15 % (before the 2012 amendment)
    "iav_per_land": ((9.5, 22.0), (4.0, 8.6)),                      # ≥ 9    100 million RMB/km2
    "energy_per_iav": ((0.18, 0.48), (0.53, 1.2)),                  # ≤ 0.5  tce/10^4 RMB
    "energy_elasticity": ((0.15, 0.56), (0.65, 1.2)),               # < 0.6
    "fresh_water_per_iav": ((3.5, 8.6), (9.5, 16.0)),               # ≤ 9    m3/10^4 RMB
    "fresh_water_elasticity": ((0.05, 0.5), (0.6, 1.1)),            # < 0.55
    "wastewater_per_iav": ((2.5, 7.6), (8.5, 14.0)),                # ≤ 8    t/10^4 RMB
    "solid_waste_per_iav": ((0.03, 0.095), (0.11, 0.3)),            # ≤ 0.1  t/10^4 RMB
    "water_reuse_ratio": ((76.0, 93.0), (40.0, 73.0)),              # ≥ 75 %
    "solid_waste_reuse_ratio": ((86.0, 99.5), (50.0, 83.0)),        # ≥ 85 %
    "cod_per_iav": ((0.25, 0.95), (1.1, 3.0)),                      # ≤ 1    kg/10^4 RMB
    "cod_elasticity": ((-0.8, 0.25), (0.35, 0.9)),                  # < 0.3
    "so2_per_iav": ((0.25, 0.95), (1.1, 3.0)),                      # ≤ 1    kg/10^4 RMB
    "so2_elasticity": ((-0.9, 0.15), (0.25, 0.9)),                  # < 0.2
    "hazardous_waste_disposal_rate": ((100.0, 100.0), (82.0, 99.0)),
    "domestic_wastewater_treatment_rate": ((86.0, 100.0), (55.0, 83.0)),
    "domestic_rubbish_safe_treatment_rate": ((100.0, 100.0), (80.0, 99.0)),
    "eco_information_platform_rate": ((100.0, 100.0), (60.0, 95.0)),
    "environmental_reports_per_year": ((1.0, 2.0), (0.0, 0.0)),
    "cleaner_production_audit_rate": ((100.0, 100.0), (55.0, 95.0)),
    "public_satisfaction": ((90.5, 98.5), (70.0, 89.0)),
    "public_awareness": ((90.5, 98.5), (65.0, 89.0)),
    "waste_collection_system": ((1, 1), (0, 0)),
    "information_platform": ((1, 1), (0, 0)),
}
GENERAL = ["gdp_growth", "iso14001", "environmental_agency", "regulations_enforced", "incidents"]


def _round(x: float, digits: int = 4) -> float | int:
    """Values as statistics print them: integers when large, a few significant digits otherwise."""
    if abs(x) >= 1000:
        return int(round(x))
    if x == 0:
        return 0
    return round(x, max(0, digits - int(math.floor(math.log10(abs(x)))) - 1))


class Zone:
    """What stays the same for one zone across its assessment years."""

    def __init__(self, seed: int, index: int):
        rng = random.Random(f"zone-{seed}-{index}")
        self.index = index
        prov_en, prov_zh, cities = rng.choice(PROVINCES)
        self.city = rng.choice(cities)
        self.province = (prov_en, prov_zh)
        kind_en, kind_zh, kind_abbr = rng.choice(KINDS)
        name = [rng.choice(SYLLABLES) for _ in range(2)]
        self.name_en = f"{''.join(name).capitalize()} {kind_en}"
        self.name_zh = "".join(HANZI[s] for s in name) + kind_zh
        self.id = f"CN-{prov_en[:2].upper()}-{''.join(s[0] for s in name).upper()}{kind_abbr}{index:04d}"
        self.level = rng.choice(["national", "national", "provincial"])
        self.iav_2015 = rng.uniform(80, 1500)            # 亿元, comparable prices
        self.quality = rng.random()                       # a better zone fails less often
        self.iav_unit = rng.choice(["亿元", "亿元", "10^4 RMB"])
        self.land_unit = rng.choice(["ha", "ha", "km2"])


def _pick(rng: random.Random, metric: str, passing: bool) -> float:
    lo, hi = TARGETS[metric][0 if passing else 1]
    return lo if lo == hi else rng.uniform(lo, hi)


def dossier(seed: int, i: int, years: int = 10) -> dict:
    """Dossier number i: zone i // years, reference year counting back from 2015."""
    zone = Zone(seed, i // years)
    ref = LAST_REFERENCE_YEAR - (i % years)
    rng = random.Random(f"dossier-{seed}-{i}")
    profile = rng.choices([p for p, _ in PROFILES], [w for _, w in PROFILES])[0]
    failing: set[str] = set()
    if profile == "failing" or (profile == "missing" and rng.random() < 0.5):
        pool = list(TARGETS) + GENERAL
        failing = set(rng.sample(pool, rng.choice([1, 1, 2, 2, 3, 4, 5])))
    ok = {m: m not in failing for m in list(TARGETS) + GENERAL}

    history = rng.choice([4, 4, 4, 5, 6])               # years of series for growing quantities
    first = ref - history + 1
    growth = _pick(rng, "iav_growth", ok["iav_growth"] or ref >= 2012) / 100
    if ref >= 2012 and not ok["iav_growth"]:
        growth = rng.uniform(0.06, 0.14)
    iav_ref = zone.iav_2015 * (1 + 0.1) ** (ref - LAST_REFERENCE_YEAR) * rng.uniform(0.97, 1.03)
    iav = {y: iav_ref / (1 + growth) ** (ref - y) for y in range(first, ref + 1)}   # 亿元
    iav_wan = iav[ref] * 1e4                                                        # 10^4 RMB

    def grown(per_iav: float, elasticity: float) -> dict[int, float]:
        """A quantity whose intensity is per_iav in the reference year and grows with the given elasticity."""
        q_ref = per_iav * iav_wan
        rate = elasticity * growth
        return {y: q_ref / (1 + rate) ** (ref - y) for y in range(first, ref + 1)}

    v = {m: _pick(rng, m, ok[m]) for m in TARGETS if m != "iav_growth"}
    employees = iav_wan / v["iav_per_capita"]
    land_km2 = iav[ref] / v["iav_per_land"]
    energy = grown(v["energy_per_iav"], v["energy_elasticity"])
    fresh = grown(v["fresh_water_per_iav"], v["fresh_water_elasticity"])
    cod = grown(v["cod_per_iav"] / 1000, v["cod_elasticity"])       # kg → t
    so2 = grown(v["so2_per_iav"] / 1000, v["so2_elasticity"])
    reuse = v["water_reuse_ratio"] / 100
    solid = v["solid_waste_per_iav"] * iav_wan
    hazardous = solid * rng.uniform(0.02, 0.06)
    dom_ww = employees * rng.uniform(40, 60)                           # t per person-year
    rubbish = employees * rng.uniform(0.3, 0.45)

    def series(unit, values, source=None, basis=None):
        s = {"unit": unit, "values": {str(y): _round(x) for y, x in sorted(values.items())}}
        if basis:
            s["basis"] = basis
        if source:
            s["source"] = {"document": source, "page": rng.randint(1, 120)}
        return s

    iav_values = iav if zone.iav_unit == "亿元" else {y: x * 1e4 for y, x in iav.items()}
    data_series = {
        "industrial_added_value": series(zone.iav_unit, iav_values, f"Zone statistical yearbook {ref}",
                                         f"comparable prices of {min(first, 2010)}"),
        "employees": series("person", {ref: employees}),
        "industrial_land": series(zone.land_unit, {ref: land_km2 * (100 if zone.land_unit == "ha" else 1)}),
        "energy_consumption": series("tce", energy),
        "fresh_water": series("m3", fresh),
        "water_reused": series("m3", {ref: fresh[ref] * reuse / (1 - reuse)}),
        "industrial_wastewater": series("t", {ref: v["wastewater_per_iav"] * iav_wan}),
        "solid_waste_generated": series("t", {ref: solid}),
        "solid_waste_reused": series("t", {ref: solid * v["solid_waste_reuse_ratio"] / 100}),
        "cod_emissions": series("t", cod),
        "so2_emissions": series("t", so2),
        "hazardous_waste_generated": series("t", {ref: hazardous}),
        "hazardous_waste_disposed": series("t", {ref: hazardous * v["hazardous_waste_disposal_rate"] / 100}),
        "domestic_wastewater_generated": series("t", {ref: dom_ww}),
        "domestic_wastewater_treated": series("t", {ref: dom_ww * v["domestic_wastewater_treatment_rate"] / 100}),
        "domestic_rubbish_generated": series("t", {ref: rubbish}),
        "domestic_rubbish_safely_treated": series("t", {ref: rubbish * v["domestic_rubbish_safe_treatment_rate"] / 100}),
    }
    # rates at 100 % must derive exactly 100 %: disposed = generated after rounding
    for num, den, m in (("hazardous_waste_disposed", "hazardous_waste_generated", "hazardous_waste_disposal_rate"),
                        ("domestic_rubbish_safely_treated", "domestic_rubbish_generated",
                         "domestic_rubbish_safe_treatment_rate")):
        if v[m] >= 100:
            data_series[num]["values"] = dict(data_series[den]["values"])

    survey = f"Public survey {ref} (n = {rng.choice([600, 800, 1000, 1200, 1500]):,})"
    reported = {
        "waste_collection_system": {"value": bool(v["waste_collection_system"]),
                                    "source": {"document": f"EIP construction plan, implementation report {ref}",
                                               "page": rng.randint(5, 40)}},
        "information_platform": {"value": bool(v["information_platform"])},
        "eco_information_platform_rate": {"value": _round(v["eco_information_platform_rate"], 3), "unit": "%"},
        "environmental_reports_per_year": {"value": int(v["environmental_reports_per_year"]), "unit": "issue/year",
                                           "year": ref},
        "cleaner_production_audit_rate": {"value": _round(v["cleaner_production_audit_rate"], 3), "unit": "%", "year": ref},
        "public_satisfaction": {"value": round(v["public_satisfaction"], 1), "unit": "%", "year": ref,
                                "source": {"document": survey, "page": rng.randint(2, 9)}},
        "public_awareness": {"value": round(v["public_awareness"], 1), "unit": "%", "year": ref,
                             "source": {"document": survey, "page": rng.randint(2, 9)}},
    }
    if rng.random() < 0.15:     # some zones also report an indicator the engine can derive (cross-check)
        reported["energy_per_iav"] = {"value": round(v["energy_per_iav"] * rng.uniform(0.98, 1.04), 3),
                                      "unit": "tce/10^4 RMB", "year": ref,
                                      "source": {"document": f"Zone energy audit {ref}", "page": rng.randint(3, 20)}}

    as_of = f"{ref + 1}-06-30"
    prov = round(rng.uniform(7.0, 12.5), 1)
    muni = round(prov + rng.uniform(-1.0, 1.5), 1)
    zone_growth = round(max(prov, muni) + rng.uniform(0.3, 3.0), 1) if ok["gdp_growth"] \
        else round(min(prov, muni) - rng.uniform(0.1, 2.0), 1)
    cert_from = ref - rng.randint(0, 1)
    valid = ok["iso14001"]
    iso = {"certified": True, "certificate_no": f"CNAS-EMS-{cert_from}-{rng.randint(1000, 9999)}",
           "issuer": rng.choice(["China Quality Certification Centre", "China Certification Center Inc.",
                                 "Beijing Zhonghuan Certification Center"]),
           "valid_from": f"{cert_from}-03-01", "valid_to": f"{cert_from + 3}-02-28" if valid else f"{ref}-12-31",
           "source": {"document": "ISO 14001 certificate", "page": 1}}
    if not valid and rng.random() < 0.3:
        iso = {"certified": False}
    events = []
    if not ok["incidents"]:
        events.append({"date": f"{ref - rng.randint(0, 1)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                       "kind": rng.choice(["pollution_accident", "ecological_damage"]),
                       "severity": rng.choice(["large", "general", "major"]),
                       "description": "Discharge above permit reported by the municipal EPB",
                       "source": {"document": f"Provincial environmental emergency register {ref}"}})
    eligibility = {
        "iso14001": iso,
        "environmental_agency": {"established": ok["environmental_agency"],
                                 "name": f"{zone.name_en} Environmental Protection Office",
                                 "staff": rng.randint(8, 60) if ok["environmental_agency"] else 0},
        "regulations_enforced": {"value": ok["regulations_enforced"],
                                 "evidence": f"Municipal EPB inspection report {ref}",
                                 "source": {"document": f"{zone.city[0]} EPB inspection report {ref}",
                                            "page": rng.randint(1, 12)}},
        "incidents": {"complete_since": f"{ref - rng.randint(4, 8)}-01-01", "events": events,
                      "source": {"document": "Provincial environmental emergency register extract"}},
        "gdp_growth": {"year": ref,
                       "zone": {"value": zone_growth, "unit": "%"},
                       "provincial": {"value": prov, "unit": "%",
                                      "source": {"document": f"{zone.province[0]} Statistical Communiqué {ref}"}},
                       "municipal": {"value": muni, "unit": "%"}},
    }

    d = {
        "$schema": "../schemas/dossier.schema.json",
        "schema_version": "1.0",
        "zone": {"id": zone.id, "name": {"en": zone.name_en, "zh": zone.name_zh},
                 "province": {"en": zone.province[0], "zh": zone.province[1]},
                 "city": {"en": zone.city[0], "zh": zone.city[1]},
                 "type": "sector-integrated", "level": zone.level, "programs": ["eip-integrated"]},
        "as_of": as_of,
        "reference_year": ref,
        "eligibility": eligibility,
        "series": data_series,
        "reported": reported,
    }
    _circular_and_low_carbon(zone, rng, d, ref, first, energy, cod, so2, iav, profile)
    if profile == "missing":
        _drop_some(rng, d, ref, first)
    return d


def _change(new: float, old: float) -> float:
    return (new / old - 1) * 100


def _circular_and_low_carbon(zone, rng: random.Random, d: dict, ref: int, first: int, energy: dict, cod: dict,
                             so2: dict, iav: dict, profile: str) -> None:
    """Some zones are also in the CTIP programme (work plan over the three years to the data year, targets it
    meets or misses) and, from 2014, in the first low-carbon pilot batch: every program gets outcomes, not
    only `missing` or `not applicable`."""
    zrng = random.Random(f"programs-{zone.index}")
    in_ctip, in_low_carbon = zrng.random() < 0.45, zrng.random() < 0.35 and ref >= 2014
    if not (in_ctip or in_low_carbon):
        return
    base = ref - 3                      # first ≤ ref - 3: every growing series has the base year
    years = range(first, ref + 1)
    ratio = rng.uniform(2.2, 3.2)      # production value / IAV
    production = {y: iav[y] * ratio * rng.uniform(0.99, 1.01) for y in years}
    gdp = {y: iav[y] * rng.uniform(1.2, 1.5) for y in years}
    co2 = {y: energy[y] * rng.uniform(2.4, 2.8) for y in years}
    unit = lambda values, u: {"unit": u, "values": {str(y): _round(v) for y, v in sorted(values.items())}}  # noqa: E731
    d["series"].update({"production_value": unit(production, "亿元"), "gdp": unit(gdp, "亿元"),
                        "co2_emissions": unit(co2, "t")})
    renewable = round(rng.uniform(2, 12), 1)
    d["reported"].update({"renewable_energy_share": {"value": renewable, "unit": "%", "year": ref},
                          "cleaner_production_enterprise_share": {"value": round(rng.uniform(30, 90)), "unit": "%",
                                                                  "year": ref},
                          "green_building_share": {"value": round(rng.uniform(5, 40)), "unit": "%", "year": ref}})
    meets = profile == "passing" or (profile != "failing" and rng.random() < 0.6)

    def target(metric: str, direction: str, change: float, base_value: dict | None = None) -> dict:
        """A target the zone meets (or, for a failing zone, misses by one to five points)."""
        miss = 0 if meets or rng.random() < 0.5 else rng.uniform(1, 5)
        margin = rng.uniform(0.5, 3) if not miss else -miss
        planned = change + margin if direction == "lower" else change - margin     # met: the actual change is better
        return {"metric": metric, "direction": direction, "base": {"year": base, **(base_value or {})},
                "target": {"year": ref, "change_pct": round(planned, 1)}}

    plans = d.setdefault("work_plans", {})
    programs = d["zone"]["programs"]
    if in_ctip:
        per_value = {y: energy[y] / (production[y] * 1e4) for y in years}
        per_gdp = {y: co2[y] / (gdp[y] * 1e4) for y in years}
        investment = round(rng.uniform(300, 3000))
        approved = f"{base}-{rng.randint(9, 12):02d}-15"
        plans["ctip"] = {
            "title": f"{zone.name_en} circular transformation work plan ({base}–{ref})",
            "submitted": f"{base}-06-20", "approved": approved, "period": {"from": base, "to": ref},
            "measures": ["By-product exchange network", "Waste-heat recovery", "Industrial water recycling"],
            "projects": [{"name": "Waste-heat steam network", "investment": {"value": investment, "unit": "million RMB"},
                          "subsidised": True}],
            "targets": [target("energy_per_production_value", "lower", _change(per_value[ref], per_value[base])),
                        target("so2_emissions_t", "lower", _change(so2[ref], so2[base])),
                        target("cod_emissions_t", "lower", _change(cod[ref], cod[base])),
                        target("co2_per_gdp", "lower", _change(per_gdp[ref], per_gdp[base]))],
            "subsidy": {"approved": {"value": round(investment * rng.uniform(0.05, 0.15)), "unit": "million RMB"},
                        "approval_date": approved, "investment": {"value": investment, "unit": "million RMB"}},
        }
        programs.append("ctip")
    if in_low_carbon:
        late = profile == "failing" and rng.random() < 0.3
        cut = rng.uniform(12, 25) if meets or rng.random() < 0.5 else rng.uniform(5, 10)   # 3 years; > 3.66 %/yr
        plans["low-carbon"] = {
            "title": f"{zone.name_en} low-carbon industrial park pilot work plan (2014–2016)",
            "submitted": "2014-09-25" if late else "2014-09-10", "batch": 1, "period": {"from": 2014, "to": 2016},
            "sections": {"zone_description": {"summary": "Performance 2011–2013", "performance_years": [2011, 2012, 2013]},
                         "cost_benefit_analysis": {"summary": "Net present benefit 2014–2020",
                                                   "net_benefit": {"value": round(rng.uniform(100, 1500)),
                                                                   "unit": "million RMB"}},
                         "safeguard_measures": ["Low-carbon leading group", "Special low-carbon fund"]},
            "projects": [{"name": "Rooftop photovoltaics", "investment": {"value": round(rng.uniform(30, 300)),
                                                                           "unit": "million RMB"}}],
            "targets": [{"metric": "carbon_per_iav", "direction": "lower", "base": {"year": 2013},
                         "target": {"year": 2016, "change_pct": -round(cut, 1)}},
                        {"metric": "green_building_share", "direction": "higher",
                         "base": {"year": 2013, "value": 5, "unit": "%"}, "target": {"year": 2016, "value": 30, "unit": "%"}}],
        }
        programs.append("low-carbon")


def _drop_some(rng: random.Random, d: dict, ref: int, first: int) -> None:
    """Leave out one to four pieces of data, as incomplete submissions do."""
    choices = ["series", "reported", "gdp", "incidents", "employees"]
    if "ctip" not in d.get("work_plans", {}):     # a CTIP target needs its base year: leave it for the others
        choices.append("base_year")
    for what in rng.sample(choices, rng.randint(1, 4)):
        if what == "series":
            del d["series"][rng.choice(["water_reused", "industrial_wastewater", "domestic_rubbish_generated",
                                        "hazardous_waste_generated", "solid_waste_reused"])]
        elif what == "base_year":
            s = d["series"][rng.choice(["cod_emissions", "energy_consumption", "fresh_water", "so2_emissions"])]
            s["values"].pop(str(ref - 3), None)
        elif what == "reported":
            d["reported"].pop(rng.choice(["public_awareness", "public_satisfaction", "cleaner_production_audit_rate",
                                          "eco_information_platform_rate"]), None)
        elif what == "gdp":
            d["eligibility"]["gdp_growth"].pop(rng.choice(["provincial", "municipal"]))
        elif what == "incidents":
            d["eligibility"]["incidents"]["complete_since"] = f"{ref}-01-01"
        elif what == "employees":
            del d["series"]["employees"]


def generate(n: int, seed: int = 2014, years: int = 10):
    for i in range(n):
        yield dossier(seed, i, years)


def file_name(d: dict) -> str:
    return f"{d['zone']['id']}-{d['reference_year']}.json"


def write_folder(folder: Path, n: int, seed: int = 2014, years: int = 10) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for d in generate(n, seed, years):
        p = folder / file_name(d)
        p.write_text(json.dumps(d, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        paths.append(p)
    return paths


def write_jsonl(out, n: int, seed: int = 2014, years: int = 10) -> None:
    for d in generate(n, seed, years):
        out.write(json.dumps(d, ensure_ascii=False) + "\n")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("n", type=int, help="number of dossiers")
    ap.add_argument("--seed", type=int, default=2014)
    ap.add_argument("--years", type=int, default=10, help="assessment years per zone (default 10)")
    where = ap.add_mutually_exclusive_group(required=True)
    where.add_argument("-o", "--output", type=Path, help="folder: one ZONE-YEAR.json per dossier")
    where.add_argument("--jsonl", help="JSON Lines file, or - for stdout")
    a = ap.parse_args(argv)
    if a.output:
        write_folder(a.output, a.n, a.seed, a.years)
    elif a.jsonl == "-":
        write_jsonl(sys.stdout, a.n, a.seed, a.years)
    else:
        with open(a.jsonl, "w", encoding="utf-8") as fh:
            write_jsonl(fh, a.n, a.seed, a.years)


if __name__ == "__main__":
    main()
