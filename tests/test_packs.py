"""Rule packs: the tests beside them pass, every rule is covered, broken files are reported with file and line."""
import shutil

import pytest

from engine import load
from engine.packtest import run_pack_tests
from engine.paths import RULES
from engine.problems import InputError


def test_rules_test_passes_for_every_pack(run):
    code, out, _ = run("rules", "test")
    assert code == 0, out
    assert "eip-integrated:" in out and "ok" in out


@pytest.mark.parametrize("program", load.pack_ids())
def test_every_rule_has_pass_fail_and_boundary_cases(program):
    report = run_pack_tests(program)
    assert report.failures == []
    assert report.uncovered == []
    assert report.cases >= 3 * len(load.pack(program).rules) - 10


def test_eip_integrated_transcribes_table_1():
    pack = load.pack("eip-integrated")
    table = {r.id: (r.op, r.threshold) for r in pack.rules}
    expected = {  # IISD 2015, Table 1 (HJ 274-2009 as amended in 2012)
        "EIP-I-1.1": ("ge", 15), "EIP-I-2.1": ("ge", 9), "EIP-I-2.2": ("le", 0.5), "EIP-I-2.3": ("lt", 0.6),
        "EIP-I-2.4": ("le", 9), "EIP-I-2.5": ("lt", 0.55), "EIP-I-2.6": ("le", 8), "EIP-I-2.7": ("le", 0.1),
        "EIP-I-2.8": ("ge", 75), "EIP-I-2.9": ("ge", 85), "EIP-I-3.1": ("le", 1), "EIP-I-3.2": ("lt", 0.3),
        "EIP-I-3.3": ("le", 1), "EIP-I-3.4": ("lt", 0.2), "EIP-I-3.5": ("ge", 100), "EIP-I-3.6": ("ge", 85),
        "EIP-I-3.7": ("ge", 100), "EIP-I-3.8": ("eq", True), "EIP-I-4.0": ("eq", True), "EIP-I-4.1": ("ge", 100),
        "EIP-I-4.2": ("ge", 1), "EIP-I-4.3": ("ge", 100), "EIP-I-4.4": ("ge", 90), "EIP-I-4.5": ("ge", 90),
        "EIP-I-1.2": ("ge", 15),
    }
    for rule_id, want in expected.items():
        assert table[rule_id] == want, rule_id
    assert len([r for r in pack.rules if r.clause.startswith("HJ 274-2009 Table 1")]) == 24
    growth = pack.rule("EIP-I-1.2")
    assert growth.valid_until.isoformat() == "2012-01-01" and "amendment_2012_date" in growth.params
    assert all(r.clause and r.source and r.rationale and r.title.zh for r in pack.rules)


def test_rules_show_names_clause_and_file(run):
    code, out, _ = run("rules", "show", "EIP-I-2.3")
    assert code == 0
    assert "HJ 274-2009 Table 1, 2.3" in out and "elasticity(energy_consumption, industrial_added_value)" in out
    assert "rules/eip-integrated/indicators.yaml:" in out
    code, out, _ = run("rules", "list")
    assert code == 0 and "EIP-I-4.5" in out


@pytest.fixture
def rules_copy(tmp_path):
    root = tmp_path / "rules"
    shutil.copytree(RULES, root)
    yield root
    load.pack.cache_clear()
    load.catalogue.cache_clear()


def test_malformed_yaml_names_file_and_line(rules_copy):
    f = rules_copy / "eip-integrated" / "indicators.yaml"
    lines = f.read_text(encoding="utf-8").splitlines()
    lines[10] = "  check: {ge: 15"
    f.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(InputError) as e:
        load.pack("eip-integrated", rules_copy)
    p = e.value.problems[0]
    assert p.file.endswith("indicators.yaml") and p.line is not None and "malformed YAML" in p.message


def test_schema_and_reference_errors_name_the_line(rules_copy):
    f = rules_copy / "eip-integrated" / "indicators.yaml"
    text = f.read_text(encoding="utf-8")
    text = text.replace("metric: energy_per_iav", "metric: energy_per_gdp", 1)
    text = text.replace("  category: pollution_control\n", "  category: pollution\n", 1)
    text = text.replace("    le: 0.5\n", "    lte: 0.5\n", 1)
    f.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as e:
        load.pack("eip-integrated", rules_copy)
    shown = [str(p) for p in e.value.problems]
    assert any("/rules/" in s and "check" in s and "indicators.yaml:" in s for s in shown), shown
    # reference errors are reported once the file's shape is right
    f.write_text(text.replace("    lte: 0.5\n", "    le: 0.5\n"), encoding="utf-8")
    with pytest.raises(InputError) as e:
        load.pack("eip-integrated", rules_copy)
    shown = [str(p) for p in e.value.problems]
    assert any("unknown metric 'energy_per_gdp'" in s for s in shown), shown
    assert any("unknown category 'pollution'" in s for s in shown), shown
    assert all(p.line for p in e.value.problems)


def test_a_wrong_expectation_is_reported_with_its_line(rules_copy):
    f = rules_copy / "eip-integrated" / "tests.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("expect: {EIP-I-G.5: fail}", "expect: {EIP-I-G.5: pass}"),
                 encoding="utf-8")
    report = run_pack_tests("eip-integrated", root=rules_copy)
    assert not report.ok
    [failure] = report.failures
    assert "EIP-I-G.5: expected pass, got fail" in failure.message and failure.line


def test_a_rule_without_a_boundary_case_is_uncovered(rules_copy):
    f = rules_copy / "eip-integrated" / "tests.yaml"
    text = f.read_text(encoding="utf-8")
    start = text.index("- name: 'EIP-I-2.4 exactly at the threshold")
    end = text.index("- name:", start + 5)
    f.write_text(text[:start] + text[end:], encoding="utf-8")
    report = run_pack_tests("eip-integrated", root=rules_copy)
    assert report.uncovered == ["EIP-I-2.4: no boundary case"]
