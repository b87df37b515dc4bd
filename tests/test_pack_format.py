"""Packs for any standard without Python: groups, thresholds chosen by a zone attribute, packs kept in a folder
of their own (--rules DIR / PARKCERT_RULES), and no program-specific ids in the engine."""
import copy
import json
import re
import shutil
import subprocess

import pytest
from jsonschema import Draft202012Validator

from engine import load
from engine.paths import SCHEMAS

from .conftest import EXAMPLES, ROOT

PACKS = EXAMPLES / "packs"
DEMO = PACKS / "provincial-demo"
ZONE = PACKS / "provincial-demo-zone-2016.json"


@pytest.fixture
def zone():
    return json.loads(ZONE.read_text(encoding="utf-8"))


def _program(run, path, *extra):
    code, out, err = run("check", "--rules", PACKS, "--format", "json", path, *extra)
    assert code in (0, 1), err
    return code, json.loads(out)["programs"][0]


def test_the_example_pack_tests_pass_and_cover_every_rule(run):
    code, out, _ = run("rules", "test", DEMO)
    assert code == 0, out
    assert "provincial-demo:" in out and "ok" in out and "UNCOVERED" not in out


def test_groups_show_what_they_need_and_the_cheapest_rules(run):
    code, p = _program(run, ZONE)
    assert code == 1 and p["verdict"] == "not_certifiable"
    groups = {g["id"]: g for g in p["groups"]}
    assert (groups["mandatory"]["state"], groups["mandatory"]["needed"]) == ("met", 4)
    assert (groups["economic"]["passing"], groups["economic"]["needed"], groups["economic"]["state"]) == (1, 1, "met")
    res = groups["resources"]
    # 60 % of 5 rules is 3; two pass; PD-R.1 (2 % short) is nearer than PD-R.3 and PD-R.5 (20 % short)
    assert (res["passing"], res["needed"], res["state"]) == (2, 3, "not_met")
    assert [c["rule_id"] for c in res["cheapest"]] == ["PD-R.1"]
    # only the rules of the group that is not met block; the failing economic rules do not
    assert p["blocking"] == ["PD-R.1", "PD-R.3", "PD-R.5"]


def test_missing_data_never_meets_a_group(run, zone, write_dossier):
    for name in ("iav_per_capita", "iav_per_land"):
        zone["reported"][name] = {"value": 1, "unit": {"iav_per_capita": "10^4 RMB/person",
                                                       "iav_per_land": "100 million RMB/km2"}[name]}
    del zone["series"]["rd_expenditure"]                  # PD-E.4, the one economic rule that passed, now missing
    zone["reported"]["water_reuse_ratio"] = {"value": 90, "unit": "%"}
    zone["reported"]["solid_waste_per_iav"] = {"value": 0.05, "unit": "t/10^4 RMB"}
    code, p = _program(run, write_dossier(zone))
    econ = next(g for g in p["groups"] if g["id"] == "economic")
    assert (econ["passing"], econ["missing"], econ["state"]) == (0, 1, "incomplete")
    assert p["verdict"] == "incomplete" and code == 1 and "PD-E.4" in p["blocking"]


@pytest.mark.parametrize("region, status, threshold, branch", [
    ("water_scarce", "fail", 85, "case"),
    ("not_water_scarce", "pass", 75, "default"),
])
def test_the_zone_attribute_chooses_the_threshold(run, zone, write_dossier, region, status, threshold, branch):
    zone["zone"]["attributes"]["water_region"] = region
    _, p = _program(run, write_dossier(zone))
    o = next(o for o in p["outcomes"] if o["rule_id"] == "PD-R.1")
    assert o["status"] == status and o["comparison"]["threshold"] == threshold
    c = o["threshold_choice"]
    assert (c["zone_value"], c["branch"], c["pointer"]) == (region, branch, "/zone/attributes/water_region")
    assert c["value_title"]["zh"] in ("缺水地区", "非缺水地区")
    _, text, _ = run("check", "--rules", PACKS, write_dossier(zone))
    assert f"PD-R.1 threshold ≥ {threshold} % for" in text


def test_an_undeclared_zone_attribute_is_missing_never_the_default(run, zone, write_dossier):
    del zone["zone"]["attributes"]
    code, p = _program(run, write_dossier(zone))
    o = next(o for o in p["outcomes"] if o["rule_id"] == "PD-M.2")
    assert o["status"] == "missing" and "/zone/attributes/water_region" in o["reason"]
    assert p["verdict"] != "certifiable"


def test_an_unknown_zone_attribute_value_is_bad_input(run, zone, write_dossier):
    zone["zone"]["attributes"]["water_region"] = "very_wet"
    path = write_dossier(zone)
    code, out, err = run("check", "--rules", PACKS, path)
    assert code == 2 and out == ""
    assert f"{path} /zone/attributes/water_region: 'very_wet' is not a value of water_region" in err
    assert "Traceback" not in err


def test_result_document_matches_the_schema_and_names_the_pack_source(run):
    code, out, _ = run("check", "--rules", PACKS, "--format", "json", ZONE)
    doc = json.loads(out)
    errors = list(Draft202012Validator(json.loads((SCHEMAS / "result.schema.json").read_text())).iter_errors(doc))
    assert errors == []
    src = doc["programs"][0]["pack_source"]
    assert src["origin"] == "external" and src["folder"].endswith("provincial-demo")
    assert src["sha256"] == doc["programs"][0]["rules_sha256"] and src["illustrative"]["zh"]


def test_shipped_packs_hash_the_same_with_or_without_extra_folders():
    before = {p: load.pack(p).files_sha256 for p in load.pack_ids()}
    load.use_rules([PACKS])
    after = {p: load.pack(p).files_sha256 for p in load.pack_ids()}
    assert "provincial-demo" in after and all(after[p] == h for p, h in before.items())


def test_the_environment_variable_is_the_same_setting(run, monkeypatch):
    code, out, _ = run("rules", "list")
    assert "provincial-demo" not in out
    monkeypatch.setenv(load.RULES_ENV, str(PACKS))
    code, out, _ = run("rules", "list")
    assert code == 0 and "provincial-demo" in out and "ILLUSTRATIVE" in out
    code, out, _ = run("rules", "show", "PD-M.2")
    assert "≤ 7 when water_region = water_scarce; otherwise ≤ 9" in out and "indicators.yaml:" in out


def test_without_the_folder_the_program_is_unknown_and_the_message_says_how(run):
    code, _, err = run("check", ZONE)
    assert code == 2 and "unknown program 'provincial-demo'" in err and "--rules DIR" in err


@pytest.fixture
def user_packs(tmp_path):
    root = tmp_path / "my-packs"
    shutil.copytree(DEMO, root / "demo-copy")
    head = root / "demo-copy" / "pack.yaml"
    head.write_text(head.read_text(encoding="utf-8").replace("id: provincial-demo", "id: demo-copy"), encoding="utf-8")
    # its own metrics would clash with the example pack's: give them new names
    for f in ("metrics.yaml", "indicators.yaml", "tests.yaml"):
        path = root / "demo-copy" / f
        path.write_text(path.read_text(encoding="utf-8").replace("rd_", "rnd_")
                        .replace("environmental_disclosure_rate", "disclosure_rate")
                        .replace("programs: [provincial-demo]", "programs: [demo-copy]"), encoding="utf-8")
    return root


def test_errors_in_a_users_pack_name_file_and_line_all_at_once(run, user_packs):
    rules = user_packs / "demo-copy" / "indicators.yaml"
    text = rules.read_text(encoding="utf-8")
    text = text.replace("metric: cod_per_iav", "metric: cod_per_gdp")
    text = text.replace("cases: {water_scarce: 7}", "cases: {water_scarse: 7}")
    rules.write_text(text, encoding="utf-8")
    head = user_packs / "demo-copy" / "pack.yaml"
    head.write_text(head.read_text(encoding="utf-8").replace("require: {at_least: 1}", "require: {at_least: 5}")
                    .replace("categories: [resources]", "categories: [resources]\n    rules: [PD-X.9]"),
                    encoding="utf-8")
    code, out, err = run("rules", "test", user_packs)
    assert code == 2 and out == ""
    assert re.search(r"indicators\.yaml:\d+ /rules/12/metric: unknown metric 'cod_per_gdp'", err), err
    assert re.search(r"indicators\.yaml:\d+ /rules/1/check: case 'water_scarse' is not a value of water_region", err)
    assert re.search(r"pack\.yaml:\d+ /groups/1/require: at least 5 of 4 rules can never be met", err)
    assert re.search(r"pack\.yaml:\d+ /groups/2/rules/0: unknown rule 'PD-X.9'", err) and "Traceback" not in err


def test_a_users_pack_tests_and_checks_beside_the_example(run, user_packs, zone, write_dossier):
    code, out, _ = run("rules", "test", user_packs)
    assert code == 0 and "demo-copy:" in out, out
    zone["zone"]["programs"] = ["demo-copy", "provincial-demo"]
    zone["series"]["rnd_expenditure"] = zone["series"]["rd_expenditure"]
    zone["reported"]["disclosure_rate"] = zone["reported"]["environmental_disclosure_rate"]
    code, out, err = run("check", "--rules", user_packs, "--rules", PACKS, "--format", "json", write_dossier(zone))
    assert code == 1, err
    verdicts = {p["program"]: p["verdict"] for p in json.loads(out)["programs"]}
    assert verdicts == {"demo-copy": "not_certifiable", "provincial-demo": "not_certifiable"}


@pytest.mark.parametrize("clash, message", [
    ("id", "a pack 'eip-integrated' exists already"),
    ("metric", "'rd_intensity' is defined already in"),
])
def test_a_users_pack_cannot_replace_shipped_names(run, tmp_path, clash, message):
    root = tmp_path / "p"
    if clash == "id":
        shutil.copytree(DEMO, root / "eip-integrated")
        head = root / "eip-integrated" / "pack.yaml"
        head.write_text(head.read_text(encoding="utf-8").replace("id: provincial-demo", "id: eip-integrated"),
                        encoding="utf-8")
        code, _, err = run("rules", "list", "--rules", root)
    else:
        shutil.copytree(DEMO, root / "other-demo")     # the same metrics.yaml as the example pack
        head = root / "other-demo" / "pack.yaml"
        head.write_text(head.read_text(encoding="utf-8").replace("id: provincial-demo", "id: other-demo"),
                        encoding="utf-8")
        code, _, err = run("rules", "list", "--rules", root, "--rules", PACKS)
    assert code == 2 and message in err, err


def test_batch_workers_see_the_extra_folder(run, tmp_path, zone, write_dossier):
    folder = tmp_path / "zones"
    folder.mkdir()
    for i, region in enumerate(("water_scarce", "not_water_scarce", "water_scarce", "not_water_scarce", "wet")):
        z = copy.deepcopy(zone)
        z["zone"]["id"] = f"DEMO-{i}"
        z["zone"]["attributes"]["water_region"] = region
        (folder / f"z{i}.json").write_text(json.dumps(z), encoding="utf-8")
    out = tmp_path / "out"
    code, _, err = run("batch", folder, "-o", out, "--jobs", "2", "--chunk-size", "1", "--full", "--rules", PACKS)
    assert code == 1, err
    lines = [json.loads(x) for x in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 4
    [error] = [json.loads(x) for x in (out / "errors.jsonl").read_text(encoding="utf-8").splitlines()]
    assert error["kind"] == "invalid" and error["problems"][0]["pointer"] == "/zone/attributes/water_region"
    choices = {r["dossier"]["zone"]["id"]: next(o for o in r["programs"][0]["outcomes"] if o["rule_id"] == "PD-R.1")
               ["threshold_choice"]["branch"] for r in (line["result"] if "result" in line else line for line in lines)}
    assert choices == {"DEMO-0": "case", "DEMO-1": "default", "DEMO-2": "case", "DEMO-3": "default"}


def test_report_marks_the_illustrative_pack_on_every_page_and_verify_names_it(run, tmp_path):
    pdf = tmp_path / "demo.pdf"
    code, out, err = run("report", "--rules", PACKS, ZONE, "-o", pdf)
    assert code == 0, err
    pages = int(re.search(r"(\d+) pages", out).group(1))
    for page in range(1, pages + 1):
        text = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), pdf, "-"], capture_output=True,
                              text=True, check=True).stdout
        assert "ILLUSTRATIVE PACK" in text, page
    text = subprocess.run(["pdftotext", pdf, "-"], capture_output=True, text=True, check=True).stdout
    assert "Groups of rules the verdict combines" in text and "at least 60 % of 5 (= 3)" in text
    assert "folder provincial-demo, not shipped with ParkCert" in text
    load._extra.clear()                  # as in a new process, without --rules
    code, out, _ = run("verify", pdf)
    assert code == 1 and "provincial-demo 0.1.0 from folder provincial-demo" in out and "--rules DIR" in out
    code, out, _ = run("verify", "--rules", PACKS, pdf)
    assert code == 0 and "verdict holds" in out and "rules unchanged" in out


def test_no_program_specific_ids_in_the_engine():
    """Every shipped and example pack's id, rule ids and group ids: none appears in engine/ (Python or templates)."""
    load.use_rules([PACKS])
    ids = set()
    for program in load.pack_ids():
        pack = load.pack(program)
        ids |= {pack.id} | {r.id for r in pack.rules} | {g.id for g in pack.decision.groups if "-" in g.id}
    assert {"provincial-demo", "eip-integrated", "ctip", "PD-M.2", "EIP-I-2.2"} <= ids
    sources = [p for p in (ROOT / "engine").rglob("*") if p.suffix in (".py", ".j2", ".html", ".yaml")]
    found = []
    for path in sources:
        text = path.read_text(encoding="utf-8")
        for i in ids:
            for m in re.finditer(rf"(?<![\w.-]){re.escape(i)}(?![\w-]|\.\d)", text):
                found.append(f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, m.start()) + 1} {i}")
    assert found == []


def test_the_guide_names_every_file_kind_it_needs():
    guide = (ROOT / "docs" / "writing-a-pack.md").read_text(encoding="utf-8")
    kinds = json.loads((SCHEMAS / "rulepack.schema.json").read_text())["properties"]["kind"]["enum"]
    assert all(f"kind: {k}" in guide or k == "catalogue" for k in kinds)
    assert "parkcert rules test my-packs/jx-eip" in guide and "IISD (2015)" in guide


@pytest.mark.parametrize("zone_type, status, branch", [("venous", "pass", "case"), ("sector-integrated", "fail", "default")])
def test_the_zone_type_can_choose_a_threshold(run, user_packs, zone, write_dossier, zone_type, status, branch):
    head = user_packs / "demo-copy" / "pack.yaml"
    head.write_text(head.read_text(encoding="utf-8").replace("zone_attributes:\n", (
        "zone_attributes:\n  zone_type:\n    title: {en: Zone type, zh: 园区类型}\n    values:\n"
        "      venous: {en: venous-industry park, zh: 静脉产业类园区}\n"
        "      sector-integrated: {en: sector-integrated park, zh: 综合类园区}\n")), encoding="utf-8")
    rules = user_packs / "demo-copy" / "indicators.yaml"
    rules.write_text(rules.read_text(encoding="utf-8").replace(
        "  check: {le: 1}\n", "  check: {le: {by: zone_type, cases: {venous: 2}, default: 1}}\n"), encoding="utf-8")
    zone["zone"].update(type=zone_type, programs=["demo-copy"])
    zone["series"]["rnd_expenditure"] = zone["series"].pop("rd_expenditure")
    zone["reported"]["disclosure_rate"] = zone["reported"].pop("environmental_disclosure_rate")
    code, out, err = run("check", "--rules", user_packs, "--format", "json", write_dossier(zone))
    o = next(o for o in json.loads(out)["programs"][0]["outcomes"] if o["rule_id"] == "PD-R.5")
    assert (o["status"], o["threshold_choice"]["branch"], o["threshold_choice"]["pointer"]) == (status, branch, "/zone/type")
