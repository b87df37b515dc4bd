"""durable_rules behind its adapter agrees with the plain-Python oracle, and sessions never leak."""
import importlib.util
import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import durable_adapter, load
from engine.compile import CompiledPack, CompiledRule, compile_pack
from engine.derive import Deriver
from engine.durable_adapter import DurableEvaluator, EngineError, number, to_json
from engine.evaluate import check, check_many, compiled, engine_values
from engine.oracle import PythonEvaluator
from engine.validate import dossier_from_data, load_dossier

from .conftest import EXAMPLES, ROOT

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


# --- many dossiers in one session (evaluate_many, check_many: the batch path) ---------------------

def _generated(n: int, seed: int = 11):
    spec = importlib.util.spec_from_file_location("parkcert_bench_generate", ROOT / "bench" / "generate.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    cat, known = load.catalogue(), load.pack_ids()
    raws = [json.dumps(d, ensure_ascii=False).encode() for d in gen.generate(n, seed)]
    return [dossier_from_data(json.loads(r), r, cat, known, shown=f"gen-{i}") for i, r in enumerate(raws)]


@pytest.fixture(scope="module")
def generated():
    return _generated(240)


def test_many_dossiers_in_one_session_agree_with_the_oracle_for_every_pack(generated):
    cat = load.catalogue()
    lone_reference = {"gdp_growth_provincial": 3.0}         # a fact only the sentinel rule matches
    for pid in load.pack_ids():
        pack = load.pack(pid)
        cp = compiled(pack)
        many = [engine_values(pack, Deriver(d, cat, d.as_of)) for d in generated]
        many += many[:30] + [{}, lone_reference, {}] + many[:3]        # identical dossiers, empty ones
        got = DURABLE.evaluate_many(cp, many)
        assert got == ORACLE.evaluate_many(cp, many), pid
        assert got == [DURABLE.evaluate(cp, v) for v in many], pid


def test_check_many_gives_what_check_gives_each_dossier(generated):
    cat = load.catalogue()
    packs = [load.pack(p) for p in load.pack_ids()]
    jobs = [(d, packs[i % 3:]) for i, d in enumerate(generated[:60])]      # each dossier its own programs
    many = check_many(jobs, cat, engine=DURABLE)
    assert [statuses(r) for r in many] == [statuses(check(d, ps, cat, engine=ORACLE)) for d, ps in jobs]
    assert [statuses(r) for r in check_many(jobs, cat, engine=ORACLE)] == [statuses(r) for r in many]


def test_sessions_larger_than_the_live_session_limit_and_the_cap(monkeypatch):
    # more dossiers than a ruleset's 1,024 live sessions, in one session; then split at MAX_FACTS
    values = [{"energy_per_iav": 0.3 + i / 1000, "water_per_iav": 5.0 + i % 7} for i in range(1500)]
    expected = ORACLE.evaluate_many(COMPILED, values)
    assert DURABLE.evaluate_many(COMPILED, values) == expected
    monkeypatch.setattr(durable_adapter, "MAX_FACTS", 100)
    assert DURABLE.evaluate_many(COMPILED, values) == expected
    for _ in range(1100):                                   # every session deleted: the ruleset still takes more
        DURABLE.evaluate_many(COMPILED, values[:2])
    assert DURABLE.evaluate(COMPILED, values[0]) == expected[0]


def test_dossier_ids_in_a_session_have_distinct_message_hashes():
    # durable_rules knows a fact by the 32-bit FNV-1a hash of its id (state.c): two ids of one
    # session with the same hash would make the second an "already observed" fact
    def fnv1a(text: str) -> int:
        h = 2166136261
        for byte in text.encode():
            h = ((h ^ byte) * 16777619) & 0xFFFFFFFF
        return h
    assert fnv1a("id") == 926444256          # HASH_ID in state.h: the same function as the C core's
    for n in (64, durable_adapter.MAX_FACTS):                  # one character each, then two
        ids = durable_adapter.session_ids(n)
        assert len(ids) == len(set(ids)) == n and len({len(i) for i in ids}) == 1
        assert len({fnv1a(i) for i in ids}) == n


def test_a_failing_batch_is_run_again_dossier_by_dossier_and_only_the_culprit_fails(monkeypatch):
    values = [{"energy_per_iav": 0.4}, {"energy_per_iav": 0.6}, {"energy_per_iav": 0.5}, {"water_per_iav": 9.0}]
    real = durable_adapter.fact_body

    def broken(vals, codes=None):    # text the C parser refuses: as a batch, it answered code 0 and no session
        body = real(vals, codes)
        return body.replace("0.6", "6.0e-1.") if body and "0.6" in body else body

    monkeypatch.setattr(durable_adapter, "fact_body", broken)
    got = DURABLE.evaluate_many(COMPILED, values)
    assert isinstance(got[1], EngineError)
    assert [g for i, g in enumerate(got) if i != 1] == [ORACLE.evaluate(COMPILED, v) for i, v in enumerate(values)
                                                       if i != 1]


def test_one_unsendable_value_fails_only_its_own_dossier():
    cat = load.catalogue()
    values = [{"energy_per_iav": 0.4}, {"energy_per_iav": math.inf}, {"energy_per_iav": 0.7}]
    got = DURABLE.evaluate_many(COMPILED, values)
    assert isinstance(got[1], EngineError) and "inf" in str(got[1])
    assert got[0] == {"EIP-I-2.2": "pass"} and got[2] == {"EIP-I-2.2": "fail"}
    d = load_dossier(sorted(EXAMPLES.glob("*.json"))[0], cat, load.pack_ids())
    first, broken, last = check_many([(d, [PACK]), (d, [PACK, "not a pack"]), (d, [PACK])], cat, engine=DURABLE)
    assert isinstance(broken, Exception)               # the error `check` raises, for that dossier alone
    assert statuses(first) == statuses(last) == statuses(check(d, [PACK], cat, engine=ORACLE))


def test_values_too_large_for_the_engine_fail_only_their_own_dossier():
    every = {a: 1.0 for a in COMPILED.attributes}
    values = [{"energy_per_iav": 0.4}, {"energy_per_iav": 2e15}, {**every, "energy_per_iav": -3e15}, every,
              {"energy_per_iav": 1e-05}]
    got = DURABLE.evaluate_many(COMPILED, values)
    assert isinstance(got[1], EngineError) and isinstance(got[2], EngineError)
    assert [got[0], got[3], got[4]] == ORACLE.evaluate_many(COMPILED, [values[0], values[3], values[4]])
