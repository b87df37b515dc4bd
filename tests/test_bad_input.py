"""Bad input: one line per problem naming file and JSON Pointer, exit 2, no traceback, no output file."""
import datetime as dt
import json
import subprocess
import sys

import pytest

from .conftest import EXAMPLES


def bad(run, path, *extra, tmp_path=None):
    out_file = (tmp_path / "result.json") if tmp_path else None
    args = ["check", path, *extra] + (["--format", "json", "-o", out_file] if out_file else [])
    code, out, err = run(*args)
    assert code == 2, (out, err)
    assert "Traceback" not in err + out
    if out_file:
        assert not out_file.exists()
    return err


def test_malformed_json_gives_line_and_column(run, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{\n  "schema_version": "1.0",\n  "zone": {,\n}', encoding="utf-8")
    err = bad(run, path, tmp_path=tmp_path)
    assert f"{path}:3" in err and "line 3, column 12" in err


def test_all_schema_violations_at_once_with_pointers(run, example, write_dossier, tmp_path):
    d = example("certifiable-xinhe-2016")
    d["zone"]["type"] = "mixed"
    d["series"]["energy_consumption"]["values"]["2015"] = "2772000"
    del d["zone"]["name"]["zh"]
    d["eligibility"]["iso14001"]["valid_to"] = "2017-02-30"
    err = bad(run, write_dossier(d), tmp_path=tmp_path)
    assert "/zone/type: expected one of" in err and 'found "mixed"' in err
    assert "/series/energy_consumption/values/2015" in err and 'found "2772000"' in err
    assert "/zone/name: 'zh' is required" in err
    assert "/eligibility/iso14001/valid_to: expected a date" in err
    assert "4 problems" in err


def test_negative_quantity(run, example, write_dossier, tmp_path):
    d = example("certifiable-xinhe-2016")
    d["series"]["fresh_water"]["values"]["2015"] = -5
    err = bad(run, write_dossier(d), tmp_path=tmp_path)
    assert "/series/fresh_water/values/2015: expected a value ≥ 0, found -5 (negative quantity)" in err


def test_unknown_unit_and_wrong_dimension(run, example, write_dossier, tmp_path):
    d = example("certifiable-xinhe-2016")
    d["series"]["energy_consumption"]["unit"] = "tce-ish"
    d["series"]["fresh_water"]["unit"] = "tce"
    d["reported"]["public_satisfaction"]["unit"] = "m3"
    err = bad(run, write_dossier(d), tmp_path=tmp_path)
    assert "/series/energy_consumption/unit: unknown unit 'tce-ish'" in err
    assert "/series/fresh_water/unit: expected a unit convertible to 'm3', found 'tce'" in err
    assert "/reported/public_satisfaction/unit" in err


def test_unknown_names(run, example, write_dossier, tmp_path):
    d = example("certifiable-xinhe-2016")
    d["series"]["enrgy_consumption"] = d["series"].pop("energy_consumption")
    d["reported"]["public_happiness"] = {"value": 1, "unit": "%"}
    d["zone"]["programs"] = ["eip-integrated", "eip-imaginary"]
    err = bad(run, write_dossier(d), tmp_path=tmp_path)
    assert "/series/enrgy_consumption: unknown quantity" in err
    assert "/reported/public_happiness: unknown metric" in err
    assert "/zone/programs/1: unknown program 'eip-imaginary'" in err


def test_unknown_program_option(run, tmp_path):
    err = bad(run, EXAMPLES / "certifiable-xinhe-2016.json", "--program", "eco-town", tmp_path=tmp_path)
    assert "unknown program 'eco-town'" in err and "eip-integrated" in err


def test_as_of_in_the_future(run, example, write_dossier, tmp_path):
    d = example("certifiable-xinhe-2016")
    future = dt.date.today() + dt.timedelta(days=1)
    d["as_of"] = future.isoformat()
    err = bad(run, write_dossier(d), tmp_path=tmp_path)
    assert f"/as_of: the assessment date {future} is in the future" in err
    err = bad(run, EXAMPLES / "certifiable-xinhe-2016.json", "--as-of", future.isoformat(), tmp_path=tmp_path)
    assert "--as-of" in err and "in the future" in err


def test_values_after_the_assessment_date(run, example, write_dossier, tmp_path):
    d = example("certifiable-xinhe-2016")
    d["series"]["fresh_water"]["values"]["2017"] = 1
    err = bad(run, write_dossier(d), tmp_path=tmp_path)
    assert "/series/fresh_water/values/2017: a value for 2017 is after the assessment date" in err


def test_problems_of_several_files_are_all_reported(run, tmp_path, example, write_dossier):
    a = write_dossier({"schema_version": "1.0"}, "a.json")
    d = example("certifiable-xinhe-2016")
    d["as_of"] = "yesterday"
    b = write_dossier(d, "b.json")
    code, _, err = run("check", a, b)
    assert code == 2
    assert f"{a}: 'zone' is required" in err
    assert f"{b}:1 /as_of" in err   # one-line JSON: every value is on line 1


def test_existing_output_is_not_overwritten_on_bad_input(run, tmp_path, example, write_dossier):
    out = tmp_path / "result.json"
    out.write_text("previous result", encoding="utf-8")
    d = example("certifiable-xinhe-2016")
    d["zone"]["type"] = "mixed"
    code, _, _ = run("check", write_dossier(d), "--format", "json", "-o", out)
    assert code == 2 and out.read_text(encoding="utf-8") == "previous result"


def test_validate_reports_only_schema_problems(run, example, write_dossier):
    code, out, _ = run("validate", EXAMPLES / "failing-donghai-2016.json")
    assert code == 0 and "valid" in out
    d = example("failing-donghai-2016")
    d["as_of"] = "2016-13-01"
    code, _, err = run("validate", write_dossier(d))
    assert code == 2 and "/as_of" in err


@pytest.mark.parametrize("args", [["check", "missing-file.json"], ["validate", "nope.json"]])
def test_unreadable_file_in_a_real_process(args, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "engine.cli", *args], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "nope.json" in proc.stderr or "missing-file.json" in proc.stderr


def _mutations(doc):
    """Every way of breaking one field: wrong type, negative, null, removed."""
    import copy
    paths = []

    def walk(node, path):
        if isinstance(node, dict):
            for k, v in node.items():
                paths.append(path + [k])
                walk(v, path + [k])
        elif isinstance(node, list):
            for i, v in enumerate(node):
                paths.append(path + [i])
                walk(v, path + [i])
    walk(doc, [])
    for path in paths:
        for bad in ("text", -1, None, [], {"x": 1}, "DELETE"):
            d = copy.deepcopy(doc)
            parent = d
            for p in path[:-1]:
                parent = parent[p]
            if bad == "DELETE":
                if isinstance(parent, dict):
                    del parent[path[-1]]
                else:
                    continue
            else:
                parent[path[-1]] = bad
            yield d


def test_the_fast_validator_agrees_with_jsonschema(example):
    # the compiled fast path decides only that a dossier is valid; it must never pass one jsonschema rejects
    import fastjsonschema

    from engine import schema
    fast = schema.fast_validator("dossier.schema.json")
    full = schema.validator("dossier.schema.json")
    checked = 0
    for name in ("multi-program-yunxi-2016", "ctip-rizhao-etdz-2016", "sector-specific-nanhai-2016"):
        for d in _mutations(example(name)):
            try:
                fast(d)
                fast_ok = True
            except fastjsonschema.JsonSchemaException:
                fast_ok = False
            assert fast_ok == full.is_valid(d), d
            checked += 1
    assert checked > 1000


def test_outputs_get_the_usual_file_mode(run, tmp_path):
    import os
    import stat
    out = tmp_path / "result.json"
    run("check", "--format", "json", "-o", out, EXAMPLES / "certifiable-xinhe-2016.json")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~umask


def test_schema_and_catalogue_problems_are_reported_together(run, example, write_dossier, tmp_path):
    d = example("ctip-rizhao-etdz-2016")
    del d["work_plans"]["ctip"]["targets"][1]["direction"]
    d["series"]["fresh_water"]["unit"] = "立方"
    d["as_of"] = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    err = bad(run, write_dossier(d), tmp_path=tmp_path)
    assert "/work_plans/ctip/targets/1: 'direction' is required" in err
    assert "/series/fresh_water/unit: unknown unit '立方'" in err
    assert "/as_of: the assessment date" in err and "3 problems" in err


def test_any_broken_dossier_gets_messages_never_a_traceback(example):
    from engine import load
    from engine.problems import InputError
    from engine.validate import dossier_from_data
    cat, known = load.catalogue(), load.pack_ids()
    for name in ("multi-program-yunxi-2016", "ctip-tianjin-teda-2011"):
        for d in _mutations(example(name)):
            try:
                dossier_from_data(d, b"{}", cat, known)
            except InputError as e:
                assert e.problems


def test_schema_and_catalogue_problems_name_the_line_in_the_json_file(run, example, tmp_path):
    d = example("certifiable-xinhe-2016")
    d["zone"]["type"] = "mixed"
    d["series"]["energy_consumption"]["values"]["2015"] = "2772000"
    d["zone"]["programs"] = ["eip-integrated", "eip-imaginary"]
    path = tmp_path / "dossier.json"
    text = json.dumps(d, ensure_ascii=False, indent=2)
    path.write_text(text, encoding="utf-8")
    lines = text.splitlines()

    def line_of(fragment):
        return next(i for i, line in enumerate(lines, 1) if fragment in line)

    kind, value, program = line_of('"mixed"'), line_of('"2772000"'), line_of('"eip-imaginary"')
    err = bad(run, path, tmp_path=tmp_path)
    assert f"{path}:{kind} /zone/type:" in err
    assert f"{path}:{value} /series/energy_consumption/values/2015:" in err
    assert f"{path}:{program} /zone/programs/1: unknown program" in err
    code, _, err = run("validate", path)
    assert code == 2 and f"{path}:{kind} /zone/type:" in err
