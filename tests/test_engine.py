"""durable_rules behind its adapter agrees with the plain-Python oracle, and sessions never leak."""
import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import load
from engine.compile import CompiledPack, CompiledRule, compile_pack
from engine.durable_adapter import DurableEvaluator, EngineError, number, to_json
from engine.evaluate import check
from engine.oracle import PythonEvaluator
from engine.validate import load_dossier

from .conftest import EXAMPLES

DURABLE, ORACLE = DurableEvaluator(), PythonEvaluator()
PACK = load.pack("eip-integrated")
COMPILED = compile_pack(PACK)


def statuses(results):
    return [(o.rule_id, o.status, o.value, o.gap) for r in results for o in r.outcomes]


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.json")), ids=lambda p: p.stem)
def test_both_evaluators_agree_on_every_example(path):
    cat = load.catalogue()
    d = load_dossier(path, cat, load.pack_ids())
    assert statuses(check(d, [PACK], cat, engine=DURABLE)) == statuses(check(d, [PACK], cat, engine=ORACLE))


def test_interleaved_evaluations_equal_isolated_ones():
    cat = load.catalogue()
    dossiers = [load_dossier(p, cat, load.pack_ids()) for p in sorted(EXAMPLES.glob("*.json"))]
    isolated = [statuses(check(d, [PACK], cat, engine=DURABLE)) for d in dossiers]
    interleaved = [[] for _ in dossiers]
    for _ in range(3):
        for i, d in enumerate(dossiers):
            interleaved[i] = statuses(check(d, [PACK], cat, engine=DURABLE))
            assert interleaved[i] == isolated[i]


def test_thousands_of_sessions_do_not_exhaust_the_ruleset():
    # a ruleset holds at most 1024 live sessions; every evaluation must delete its own
    values = {a: 1.0 for a in COMPILED.attributes}
    first = DURABLE.evaluate(COMPILED, values)
    for _ in range(1500):
        assert DURABLE.evaluate(COMPILED, values) == first


@pytest.mark.parametrize("x,text", [(1e-05, "1.0e-05"), (5e-05, "5.0e-05"), (0.5, "0.5"), (15, "15.0"),
                                    (1.5e14, "150000000000000.0"), (-0.0, "-0.0")])
def test_numbers_are_written_so_the_c_parser_reads_them(x, text):
    assert number(x) == text


@pytest.mark.parametrize("bad", [math.inf, math.nan, 1e15, -2e16])
def test_unsendable_numbers_are_refused_not_mangled(bad):
    with pytest.raises(EngineError):
        number(bad)


def test_definitions_never_carry_exponents_without_fraction():
    pack = CompiledPack("tiny-exp", (CompiledRule("T-1", "x", "le", 1e-05, None),), ("x",))
    assert "1.0e-05" in to_json(pack.durable_definition())
    assert DURABLE.evaluate(pack, {"x": 1e-05}) == {"T-1": "pass"}
    assert DURABLE.evaluate(pack, {"x": 1.00001e-05}) == {"T-1": "fail"}


def test_absent_values_fire_nothing():
    assert DURABLE.evaluate(COMPILED, {}) == {}
    assert DURABLE.evaluate(COMPILED, {"energy_per_iav": 0.4}) == {"EIP-I-2.2": "pass"}


finite = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)
thresholds = {r.attribute: r.threshold for r in COMPILED.rules if r.threshold is not None}


@st.composite
def fact_values(draw):
    """Values at, just around, or far from each threshold; some absent; booleans as 0/1."""
    out = {}
    for attr in COMPILED.attributes:
        choice = draw(st.integers(0, 5))
        t = thresholds.get(attr, 0.0)
        if choice == 0:
            continue
        out[attr] = {1: t, 2: math.nextafter(t, math.inf), 3: math.nextafter(t, -math.inf),
                     4: float(draw(st.sampled_from([0.0, 1.0]))), 5: draw(finite)}[choice]
    return out


@settings(max_examples=300, deadline=None)
@given(fact_values())
def test_durable_matches_the_oracle_on_boundaries(values):
    assert DURABLE.evaluate(COMPILED, values) == ORACLE.evaluate(COMPILED, values)


def test_rulesets_are_versioned_by_content():
    assert COMPILED.name.startswith("eip-integrated-")
    assert json.dumps(COMPILED.durable_definition())  # plain data, no callables


def test_comparison_against_an_absent_metric_fires_nothing():
    # found by the property test above: durable_rules fired both pass and fail of
    # "zone growth > municipal average" when the municipal average was absent
    fired = DURABLE.evaluate(COMPILED, {"gdp_growth_zone": 0.0, "gdp_growth_provincial": 0.0})
    assert fired == {"EIP-I-G.1": "fail"}
