"""Derivation: formulas, units, periods and the undefined cases."""
import datetime as dt
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import load
from engine.derive import Deriver
from engine.formula import FormulaError, parse_formula
from engine.validate import dossier_from_data

from .conftest import EXAMPLES

CAT = load.catalogue()


def deriver(data, as_of=None):
    d = dossier_from_data(data, json.dumps(data).encode(), CAT, load.pack_ids())
    return Deriver(d, CAT, as_of or d.as_of)


def base(**series):
    data = json.loads((EXAMPLES / "certifiable-xinhe-2016.json").read_text(encoding="utf-8"))
    data["series"] = series
    data["reported"] = {}
    return data


def s(unit, **values):
    return {"unit": unit, "values": {k.lstrip("y"): v for k, v in values.items()}}


def test_elasticity_is_ratio_of_average_annual_growth_rates():
    data = base(industrial_added_value=s("亿元", y2012=100, y2015=133.1),
                energy_consumption=s("tce", y2012=1_000_000, y2015=1_157_625))  # +10 %/yr and +5 %/yr
    f = deriver(data).fact("energy_elasticity", 3)
    assert f.value == pytest.approx(0.5, abs=1e-9)
    assert f.period == (2012, 2015) and f.method == "derived"
    assert [i.pointer for i in f.inputs] == ["/series/energy_consumption/values/2012", "/series/energy_consumption/values/2015",
                                             "/series/industrial_added_value/values/2012",
                                             "/series/industrial_added_value/values/2015"]


def test_falling_iav_makes_the_elasticity_undefined():
    data = base(industrial_added_value=s("亿元", y2012=100, y2015=90),
                energy_consumption=s("tce", y2012=1_000_000, y2015=900_000))
    f = deriver(data).fact("energy_elasticity", 3)
    assert f.value is None and "did not grow" in f.reason


def test_reference_year_defaults_to_latest_iav_year_not_after_as_of():
    data = base(industrial_added_value=s("亿元", y2013=100, y2014=110), fresh_water=s("m3", y2016=5))
    del data["reference_year"]
    assert deriver(data).reference_year == 2014


def test_quantities_convert_to_the_catalogue_unit():
    data = base(industrial_added_value=s("10^4 RMB", y2015=2_000_000), industrial_land=s("ha", y2015=2_000))
    f = deriver(data).fact("iav_per_land", 3)
    assert f.value == 10.0 and f.unit == "100 million RMB/km2"  # 200 亿元 / 20 km²


def test_reported_year_other_than_reference_year_is_flagged():
    data = base(industrial_added_value=s("亿元", y2015=100))
    data["reported"] = {"public_satisfaction": {"value": 95, "unit": "%", "year": 2013}}
    f = deriver(data).fact("public_satisfaction", 3)
    assert f.value == 95 and f.warnings == ("reported for 2013, not for the reference year 2015",)


def test_iso_certificate_is_judged_on_the_assessment_date():
    data = base()
    assert deriver(data).fact("iso14001_valid", None).value is True
    late = deriver(data, as_of=dt.date(2017, 3, 1)).fact("iso14001_valid", None)
    assert late.value is False and "not on the assessment date" in late.warnings[0]


@pytest.mark.parametrize("text", ["__import__('os').system('true')", "energy_consumption.real", "open('x')",
                                  "lambda: 1", "energy_consumption ** 2", "unknown_quantity / 2"])
def test_formulas_cannot_run_code(text):
    with pytest.raises(FormulaError):
        parse_formula(text, CAT.quantities)


@settings(max_examples=100, deadline=None)
@given(iav=st.floats(min_value=1, max_value=1e7), ratio=st.floats(min_value=0.01, max_value=5))
def test_energy_intensity_is_energy_over_iav(iav, ratio):
    energy = iav * ratio  # tce per 10^4 RMB by construction
    data = base(industrial_added_value=s("10^4 RMB", y2015=iav), energy_consumption=s("tce", y2015=energy))
    assert deriver(data).fact("energy_per_iav", 3).value == pytest.approx(ratio, rel=1e-9)


_FORMULAS = sorted({m.formula for m in CAT.metrics.values() if m.formula and not m.uses_period}
                   | {"(a + b) / (a - b) * 2", "a / (b / c)", "100 * a / b + 0.5", "a - b - c"})


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(_FORMULAS), st.lists(st.sampled_from([0.0, -0.0, 1.0, 3.0, 1e-300, 7.25e14, 0.1, 2.0 / 3]) |
                                            st.floats(allow_nan=False, allow_infinity=False), min_size=3, max_size=3))
def test_the_compiled_formula_gives_the_same_floats_and_reasons_as_the_tree(text, numbers):
    # derivation runs each formula as closures built once; the tree walk is what the catalogue documents
    from engine.formula import Undefined, evaluate, magnitudes_function, parsed
    quantities = {**CAT.quantities, **{q: None for q in "abc"}}
    f = parsed(text, quantities)
    values = dict(zip(f.names, numbers, strict=False))

    def outcome(run):
        try:
            return "value", run()
        except Undefined as u:
            return "undefined", str(u)
        except (OverflowError, ZeroDivisionError) as e:
            return "error", type(e).__name__
    expected = outcome(lambda: evaluate(f, values))
    got = outcome(lambda: magnitudes_function(f)([values[n] for n in f.names]))
    assert got == expected or (expected[0] == "value" and expected[1] != expected[1] and got[1] != got[1])
