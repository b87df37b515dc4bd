"""Hostile input never crashes, hangs or writes half a file (issue 10): each input is made here, in the test.

Every case is bad input (exit 2, the file and the place named, nothing written, no traceback) or, for what
ParkCert itself gets wrong, an internal error (exit 4, one line), never exit 1, the code of "not certifiable".
"""
import copy
import errno
import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import bounds, units

from .conftest import EXAMPLES

DOSSIER = EXAMPLES / "certifiable-xinhe-2016.json"
FAILING = EXAMPLES / "failing-donghai-2016.json"
REVIEW = EXAMPLES / "failing-donghai-2016.review.yaml"


def strict_json(text: str):
    """json.loads refusing what is not RFC 8259 JSON (NaN, Infinity)."""
    def refuse(name):
        raise ValueError(f"{name} is not JSON")
    return json.loads(text, parse_constant=refuse)


def bad_input(run, *args, out=None):
    """Run a command that must refuse its input: exit 2, no traceback, no output file; returns stderr."""
    extra = ["--format", "json", "-o", out] if out else []
    code, stdout, err = run(*args, *extra)
    assert code == 2, (code, stdout, err)
    assert "Traceback" not in stdout + err and "internal error" not in err
    if out:
        assert not out.exists()
        assert not list(out.parent.glob(f".{out.name}.*"))   # no temporary file left behind
    return err


def dossier_text(tmp_path, data, name="dossier.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def raw_dossier(tmp_path, text: str, name="dossier.json"):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    return path


def xinhe():
    return json.loads(DOSSIER.read_text(encoding="utf-8"))


# --- 10.1 deep nesting ----------------------------------------------------------------

@pytest.mark.parametrize("opening", ["[", '{"a":'])
def test_a_document_nested_1500_deep_is_refused_before_parsing(run, tmp_path, opening):
    closing = "]" if opening == "[" else "}"
    text = json.dumps(xinhe())[:-1] + ',\n"x": ' + opening * 1500 + "1" + closing * 1500 + "}"
    path = raw_dossier(tmp_path, text)
    err = bad_input(run, "check", path, out=tmp_path / "r.json")
    assert f"{path}:2: nested more than {bounds.MAX_DEPTH} levels deep" in err


def test_brackets_inside_strings_do_not_count_as_nesting(run, tmp_path):
    d = xinhe()
    d["zone"]["name"]["en"] = "[" * 100 + '\\"{'
    code, _, err = run("check", dossier_text(tmp_path, d))
    assert code == 0, err


def test_the_depth_prescan_is_linear_on_an_unterminated_string(run, tmp_path):
    """A quote followed by a million escaped quotes: scanning again from every quote took hours (quadratic)."""
    path = tmp_path / "quotes.json"
    path.write_bytes(b'["' + b'\\"' * 1_000_000)
    err = bad_input(run, "check", path)
    assert "malformed JSON" in err


def test_a_review_nested_100000_deep_is_refused_with_its_line(run, tmp_path):
    path = tmp_path / "review.yaml"
    path.write_text(REVIEW.read_text(encoding="utf-8") + "extra: " + "[" * 100_000 + "\n", encoding="utf-8")
    lines = path.read_text(encoding="utf-8").count("\n")
    err = bad_input(run, "check", FAILING, "--review", path)
    assert f"{path}:{lines}: nested more than {bounds.MAX_DEPTH} levels deep" in err


# --- 10.2 long strings ------------------------------------------------------------------

@pytest.mark.parametrize("length", [65, 20_000, 100_000])
def test_a_long_unit_is_refused_not_parsed(run, tmp_path, length):
    d = xinhe()
    d["series"]["energy_consumption"]["unit"] = "t" * length
    err = bad_input(run, "check", dossier_text(tmp_path, d))
    assert f"/series/energy_consumption/unit: a unit is at most {bounds.MAX_UNIT} characters, found {length:,}" in err
    assert "t" * 100 not in err   # the unit is not echoed back


def test_the_unit_parser_bounds_its_input():
    with pytest.raises(units.UnitError, match="at most 64 characters"):
        units.parse("10^4 " * 20_000)
    assert units.parse("10^4 t").magnitude == 10_000


def test_a_long_text_and_a_long_name_are_refused_with_their_pointers(run, tmp_path):
    d = xinhe()
    d["zone"]["name"]["en"] = "x" * (bounds.MAX_STRING + 1)
    d["reported"]["y" * 20_000] = {"value": 1, "unit": "%"}
    err = bad_input(run, "check", dossier_text(tmp_path, d))
    assert f"/zone/name/en: a text of {bounds.MAX_STRING + 1:,} characters" in err
    assert "/reported/yyyy" in err and "a field name: a text of 20,000 characters" in err
    assert len(err) < 2_000


def test_formulas_are_bounded_too():
    from engine.formula import FormulaError, parse_formula
    with pytest.raises(FormulaError):
        parse_formula("(" * 5_000 + "a" + ")" * 5_000, {"a": None})
    with pytest.raises(FormulaError):
        parse_formula("a + " * 10_000 + "a", {"a": None})


# --- 10.3 lone surrogates --------------------------------------------------------------

@pytest.mark.parametrize("where", ["value", "key"])
def test_lone_surrogates_are_refused_with_the_pointer(run, tmp_path, where):
    text = json.dumps(xinhe())
    if where == "value":
        text = text.replace('"en": "', '"en": "\\ud800', 1)
    else:
        text = text.replace('"reported": {', '"reported": {"bad\\udfff": {"value": 1, "unit": "%"}, ', 1)
    err = bad_input(run, "check", raw_dossier(tmp_path, text), out=tmp_path / "r.json")
    assert "not valid Unicode text: a lone surrogate" in err
    assert ("/zone/name/en" in err) if where == "value" else ("/reported/bad\\udfff" in err)


def test_surrogate_bytes_are_not_utf8(run, tmp_path):
    path = tmp_path / "d.json"
    path.write_bytes(json.dumps(xinhe()).replace("Xinhe", "X\ud800").encode("utf-8", "surrogatepass"))
    err = bad_input(run, "check", path)
    assert "not UTF-8 text" in err


# --- 10.4 dates -------------------------------------------------------------------------

@pytest.mark.parametrize("day,why", [("0000-01-01", "year 0 is out of range"), ("2016-02-30", "day is out of range"),
                                     ("1949-12-31", "from 1950-01-01 to 2100-12-31"), ("9999-12-31", "from 1950-01-01"),
                                     ("2016-6-1", "expected a date YYYY-MM-DD")])
def test_every_dossier_date_is_range_checked(run, tmp_path, day, why):
    d = xinhe()
    d["as_of"] = day
    d["eligibility"]["iso14001"]["valid_from"] = day
    err = bad_input(run, "check", dossier_text(tmp_path, d), out=tmp_path / "r.json")
    assert "/as_of: expected a date" in err and why in err
    assert "/eligibility/iso14001/valid_from: expected a date" in err


def test_as_of_option_is_range_checked(run):
    err = bad_input(run, "check", DOSSIER, "--as-of", "0000-01-01")
    assert "--as-of" in err and "year 0" in err


# --- 10.5 / 10.6 numbers ----------------------------------------------------------------

@pytest.mark.parametrize("literal,why", [("NaN", "not a finite number (NaN"), ("Infinity", "not a finite number"),
                                         ("-Infinity", "not a finite number"), ("1e15", "implausibly large"),
                                         ("1e400", "implausibly large"), ("9" * 5000, "implausibly large"),
                                         ("-1000000000000000", "implausibly large")])
@pytest.mark.parametrize("engine", ["durable", "python"])
def test_non_finite_and_huge_numbers_are_bad_input_for_both_engines(run, tmp_path, literal, why, engine):
    text = json.dumps(xinhe()).replace('"2015": 2772000', f'"2015": {literal}', 1)
    assert literal in text
    err = bad_input(run, "check", raw_dossier(tmp_path, text), "--engine", engine, out=tmp_path / "r.json")
    assert f"/series/energy_consumption/values/2015: {why}" in err


def test_valid_inputs_whose_derived_value_is_implausible_are_missing_for_both_engines(run, tmp_path):
    d = xinhe()
    d["series"]["industrial_added_value"]["values"]["2015"] = 1e-300
    path = dossier_text(tmp_path, d)
    docs = {}
    for engine in ("durable", "python"):
        code, out, err = run("check", path, "--engine", engine, "--format", "json")
        assert code == 1, err
        docs[engine] = strict_json(out)
    statuses = [{o["rule_id"]: o["status"] for o in docs[e]["programs"][0]["outcomes"]} for e in docs]
    assert statuses[0] == statuses[1]
    energy = next(o for o in docs["durable"]["programs"][0]["outcomes"] if o["rule_id"] == "EIP-I-2.2")
    assert energy["status"] == "missing"


def test_every_json_output_is_strict(run, tmp_path):
    for path in sorted(EXAMPLES.glob("*.json")):
        code, out, err = run("check", path, "--format", "json")
        assert code in (0, 1), err
        strict_json(out)
    code, out, _ = run("summary", EXAMPLES / "ctip-portfolio", "--format", "json")
    assert code == 0
    strict_json(out)


def test_a_nan_reaching_an_output_is_an_internal_error_not_json(run, monkeypatch, tmp_path):
    from engine.cli import check as check_cmd
    real = check_cmd.result_document

    def poisoned(*a, **k):
        doc = real(*a, **k)
        doc["programs"][0]["outcomes"][0]["value"] = float("nan")
        return doc
    monkeypatch.setattr(check_cmd, "result_document", poisoned)
    out = tmp_path / "r.json"
    code, stdout, err = run("check", DOSSIER, "--format", "json", "-o", out)
    assert code == 4 and "internal error" in err and "ValueError" in err and not out.exists()


# --- 10.7 / 10.8 review YAML ------------------------------------------------------------

def review_with(tmp_path, old: str, new: str, name="review.yaml"):
    text = REVIEW.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def line_of(path, needle):
    return next(i for i, ln in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in ln)


@pytest.mark.parametrize("expires", ["2016-13-01", "2016-02-30", "0000-01-01", "2016-01-01 25:00:00",
                                     "2016-01-01T10:00:00Z", "3000-01-01"])
def test_impossible_unquoted_dates_and_times_in_a_review(run, tmp_path, expires):
    path = review_with(tmp_path, 'expires: "2017-06-30"', f"expires: {expires}")
    err = bad_input(run, "check", FAILING, "--review", path)
    assert f"{path}:{line_of(path, 'expires:')} /decisions/EIP-I-4.4/expires: expected a date" in err


def test_a_self_referencing_alias_and_a_billion_laughs_are_refused(run, tmp_path):
    path = review_with(tmp_path, "recommendation:", "loop: &c [*c]\nrecommendation:")
    err = bad_input(run, "check", FAILING, "--review", path)
    assert f"{path}:{line_of(path, 'loop:')}: aliases (*c) are not accepted" in err
    laughs = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    laughs += [f"{c}: &{c} [{', '.join(['*' + p] * 9)}]" for p, c in zip("abcdefgh", "bcdefghi", strict=True)]
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(REVIEW.read_text(encoding="utf-8") + "\n".join(laughs) + "\n", encoding="utf-8")
    err = bad_input(run, "check", FAILING, "--review", bomb)
    assert "aliases (*a) are not accepted" in err


def test_a_duplicate_key_is_refused_with_its_line(run, tmp_path):
    path = review_with(tmp_path, "program: eip-integrated", "program: eip-integrated\nprogram: ctip")
    err = bad_input(run, "check", FAILING, "--review", path)
    assert f"{path}:{line_of(path, 'program: ctip')}: the key 'program' appears twice" in err


def with_decisions(n: int) -> str:
    """The example review with n more decisions for rules that do not exist."""
    extra = "".join(f"  R-{i}: {{decision: confirm}}\n" for i in range(n))
    return REVIEW.read_text(encoding="utf-8").replace("decisions:\n", "decisions:\n" + extra, 1)


def test_a_huge_review_and_too_many_decisions_are_refused(run, tmp_path):
    huge = tmp_path / "huge.yaml"
    huge.write_text(with_decisions(60_000), encoding="utf-8")
    err = bad_input(run, "check", FAILING, "--review", huge)
    assert f"{huge}: larger than 1 MB" in err
    many = tmp_path / "many.yaml"
    many.write_text(with_decisions(2_000), encoding="utf-8")
    err = bad_input(run, "check", FAILING, "--review", many)
    assert "/decisions: 2,0" in err and f"at most {bounds.MAX_DECISIONS:,}" in err


def test_a_long_list_of_problems_is_printed_capped(run, tmp_path):
    path = tmp_path / "unknown.yaml"
    path.write_text(with_decisions(900), encoding="utf-8")
    err = bad_input(run, "check", FAILING, "--review", path)
    assert err.count("unknown rule") == bounds.MAX_ERRORS_SHOWN
    assert f"... and {900 - bounds.MAX_ERRORS_SHOWN:,} more" in err and "900 problems" in err


@pytest.mark.parametrize("quoted", [True, False])
def test_review_dates_quoted_or_not_are_the_same_review(run, tmp_path, quoted):
    """Issue 9.1: `expires: 2017-06-30`, unquoted as anyone writes YAML, is a date, not a crash."""
    text = REVIEW.read_text(encoding="utf-8")
    if not quoted:
        text = re.sub(r'"(\d{4}-\d{2}-\d{2})"', r"\1", text)
    path = tmp_path / "review.yaml"
    path.write_text(text, encoding="utf-8")
    code, out, err = run("check", FAILING, "--review", path, "--format", "json")
    assert code == 1, err
    program = strict_json(out)["programs"][0]
    assert program["review"]["meeting_date"] == "2016-09-20"
    waived = next(o for o in program["outcomes"] if o["rule_id"] == "EIP-I-4.4")
    assert waived["status"] == "waived" and waived["review"]["expires"] == "2017-06-30"


# --- 10.11 full disk: one writer, one message -------------------------------------------

@pytest.mark.parametrize("command", [
    ["check", DOSSIER, "--format", "json", "-o"],
    ["check", DOSSIER, "-o"],
    ["review", "init", FAILING, "-o"],
    ["summary", EXAMPLES / "ctip-portfolio", "-o"],
])
def test_a_full_disk_under_every_output_is_exit_2_and_leaves_nothing(run, tmp_path, monkeypatch, command):
    import engine.atomic

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(engine.atomic.os, "fsync", full)
    out = tmp_path / "out.file"
    code, _, err = run(*command, out)
    assert code == 2, err
    assert f"{out}: cannot write: No space left on device" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_standard_output_on_a_full_device_in_a_real_process():
    import subprocess
    import sys
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "engine.cli", "check", str(DOSSIER), "--format", "json"],
                              stdout=full, stderr=subprocess.PIPE, text=True)
    assert proc.returncode == 2, proc.stderr
    assert "<stdout>: cannot write: No space left on device" in proc.stderr and "Traceback" not in proc.stderr
    assert "Exception ignored" not in proc.stderr


# --- 10.12 one rule for the unexpected --------------------------------------------------

def test_an_unexpected_exception_is_exit_4_in_one_line(run, monkeypatch):
    from engine.cli import check as check_cmd

    def boom(*a, **k):
        raise RuntimeError("something ParkCert did not expect")
    monkeypatch.setattr(check_cmd, "result_document", boom)
    code, out, err = run("check", DOSSIER)
    assert code == 4
    assert err.strip().count("\n") == 0 and "Traceback" not in err
    assert "internal error" in err and "RuntimeError: something ParkCert did not expect" in err and "--debug" in err
    code, out, err = run("--debug", "check", DOSSIER)
    assert code == 4 and "Traceback" in err and "boom" in err
    monkeypatch.setenv("PARKCERT_DEBUG", "1")
    code, out, err = run("check", DOSSIER)
    assert code == 4 and "Traceback" in err


# --- a small fuzz over every class, in the suite ----------------------------------------

HOSTILE_VALUES = st.one_of(
    st.sampled_from([float("nan"), float("inf"), -float("inf"), 1e15, -1e300, 10 ** 40, "\ud800", "\udfff x",
                     "0000-01-01", "2016-02-30", "9999-12-31", "t" * 70, "x" * 10_001, "[/red]", "<b>&amp;",
                     None, True, [], {}, -1, 0, 1e-300]),
    st.text(max_size=20), st.integers(), st.floats(allow_nan=True, allow_infinity=True))


def _paths(node, path=()):
    yield path
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, path + (i,))


BASE = xinhe()
PATHS = [p for p in _paths(BASE) if p]


def _dump(data) -> bytes:
    return json.dumps(data, ensure_ascii=True).encode()   # NaN and lone surrogates written as JSON text does


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(PATHS), HOSTILE_VALUES, st.booleans()), min_size=1, max_size=4),
       st.integers(0, 40), st.sampled_from(["durable", "python"]))
def test_fuzz_check_answers_0_1_or_2_and_strict_json(run, tmp_path, edits, depth, engine):
    data = copy.deepcopy(BASE)
    for path, value, as_key in edits:
        parent = data
        for part in path[:-1]:
            parent = parent[part] if isinstance(parent, (dict, list)) and _has(parent, part) else None
            if parent is None:
                break
        if parent is None or not _has(parent, path[-1]):
            continue
        if as_key and isinstance(parent, dict) and isinstance(value, str):
            parent[value] = parent.pop(path[-1])
        else:
            parent[path[-1]] = value
    raw = _dump(data)
    if depth:
        raw = raw[:-1] + b', "deep": ' + b"[" * depth + b"]" * depth + b"}"
    path = tmp_path / "fuzz.json"
    path.write_bytes(raw)
    code, out, err = run("check", path, "--format", "json", "--engine", engine)
    assert code in (0, 1, 2), err
    assert "Traceback" not in err and "internal error" not in err
    if code == 2:
        assert str(path) in err
    else:
        strict_json(out)


def _has(node, part):
    return (isinstance(node, dict) and part in node) or (isinstance(node, list) and isinstance(part, int)
                                                         and part < len(node))


# --- issue 9.1: YAML dates, quoted or not, everywhere -----------------------------------------------------------

REVIEW_DATES = [("panel", "meeting_date"), ("decisions", "EIP-I-2.8", "date"), ("decisions", "EIP-I-4.4", "date"),
                ("decisions", "EIP-I-4.4", "expires")]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.dates(bounds.DATE_MIN, bounds.DATE_MAX), st.booleans()),
                min_size=len(REVIEW_DATES), max_size=len(REVIEW_DATES)))
def test_every_review_date_reads_the_same_quoted_or_not(drawn):
    import yaml as pyyaml

    from engine.review import review_from_bytes
    data = pyyaml.safe_load(REVIEW.read_text(encoding="utf-8"))
    marks = {}
    for i, (path, (day, quoted)) in enumerate(zip(REVIEW_DATES, drawn, strict=True)):
        node = data
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = f"@{i}@"
        marks[f"'@{i}@'"] = f'"{day}"' if quoted else day.isoformat()
    text = pyyaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    for mark, written in marks.items():
        assert mark in text
        text = text.replace(mark, written)
    review = review_from_bytes(text.encode("utf-8"), "review.yaml")
    days = [d for d, _ in drawn]
    assert review.meeting_date == days[0]
    assert review.decisions["EIP-I-2.8"].date == days[1]
    assert review.decisions["EIP-I-4.4"].date == days[2] and review.decisions["EIP-I-4.4"].expires == days[3]


@pytest.mark.parametrize("quoted", [True, False])
def test_pack_dates_read_the_same_quoted_or_not(tmp_path, quoted):
    import shutil

    from engine import load
    from engine.paths import RULES
    root = tmp_path / "rules"
    shutil.copytree(RULES, root)
    pack_file = root / "eip-integrated" / "pack.yaml"
    text = pack_file.read_text(encoding="utf-8")
    assert 'value: "2012-01-01"' in text
    pack_file.write_text(text if quoted else text.replace('value: "2012-01-01"', "value: 2012-01-01"), encoding="utf-8")
    pack = load.pack("eip-integrated", root=root)
    assert str(pack.parameters["amendment_2012_date"].value) == "2012-01-01"
    import datetime as dt
    assert dt.date(2012, 1, 1) in {r.valid_until for r in pack.rules}     # the rule the parameter ends


# --- a small fuzz over review files: every class of 10.7 / 10.8 ------------------------------------------------

REVIEW_TEXT = REVIEW.read_text(encoding="utf-8")
YAML_PAYLOADS = ["2016-13-01", "2016-02-30", "0000-01-01", "2016-01-01 25:00:00", "2017-06-30", "&c [*c]", "*nope",
                 "[" * 200, "{" * 200, "!!python/object/apply:os.system [ls]", ".nan", ".inf", "1" * 5000, "1e400",
                 "\\ud800", '"\\ud800"', "[/red]", "<script>", "? [a]\n  : b", "'" * 3, "- - - -", "~", "", "0o777",
                 "&a [x, x, x]\nz: [*a, *a, *a]"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, REVIEW_TEXT.count("\n")), st.sampled_from(["value", "key", "line"]),
                          st.one_of(st.sampled_from(YAML_PAYLOADS), st.text(max_size=12))), min_size=1, max_size=3))
def test_fuzz_review_files_load_or_are_refused_with_a_message(edits):
    from engine.problems import InputError
    from engine.review import review_from_bytes
    lines = REVIEW_TEXT.splitlines()
    for n, where, payload in edits:
        n = min(n, len(lines) - 1)
        line = lines[n]
        if where == "value" and ":" in line:
            lines[n] = line.split(":", 1)[0] + ": " + payload
        elif where == "key" and ":" in line:
            lines[n] = line[: len(line) - len(line.lstrip())] + payload + ":" + line.split(":", 1)[1]
        else:
            lines.insert(n, payload)
    raw = "\n".join(lines).encode("utf-8", "surrogatepass")
    try:
        review = review_from_bytes(raw, "review.yaml")
    except InputError as e:
        assert e.problems
        for p in e.problems:
            str(p).encode("utf-8")            # printable, whatever the file held
            assert p.file == "review.yaml"
        return
    assert review.program and review.meeting_date


# --- units with absurd scales: refused at once (pint would compute 10^(10^12) exactly) ------------------------

@pytest.mark.parametrize("unit", ["10^999 RMB", "10^999999999999 RMB", "12**12**12 RMB", "RMB^(10**10)", "1e400 RMB",
                                  "10^13 RMB"])
def test_units_with_absurd_scales_are_unknown_units(run, tmp_path, unit):
    with pytest.raises(units.UnitError):
        units.parse(unit)
    d = xinhe()
    d["series"]["industrial_added_value"]["unit"] = unit
    err = bad_input(run, "check", dossier_text(tmp_path, d))
    assert "/series/industrial_added_value/unit: unknown unit" in err


def test_a_benchmark_beyond_what_the_engine_takes_is_missing_for_both_engines(run, tmp_path):
    """9e14 (within the limit) in 10^4 RMB/person is 9e18 RMB/person: no engine compares it, both say missing."""
    d = json.loads((EXAMPLES / "sector-specific-nanhai-2016.json").read_text(encoding="utf-8"))
    d["benchmarks"]["iav_per_capita"]["value"] = 9e14
    d["benchmarks"]["iav_per_capita"]["unit"] = "100 million RMB/person"
    path = dossier_text(tmp_path, d)
    statuses = []
    for engine in ("durable", "python"):
        code, out, err = run("check", path, "--engine", engine, "--format", "json")
        assert code == 1, err
        statuses.append({o["rule_id"]: o["status"] for p in strict_json(out)["programs"] for o in p["outcomes"]})
    assert statuses[0] == statuses[1]
    assert "missing" in statuses[0].values()


def test_a_file_with_thousands_of_problems_is_checked_in_bounded_work(run, tmp_path):
    d = xinhe()
    d["series"]["energy_consumption"]["values"] = {f"{2000 + i % 15}{'' if i < 15 else f'-{i}'}": float("nan")
                                                   for i in range(1_500)}
    for i in range(1_200):
        d["reported"][f"unknown_{i}"] = {"value": 1, "unit": "%"}
    err = bad_input(run, "check", dossier_text(tmp_path, d))
    assert f"the value check stopped after {bounds.MAX_PROBLEMS:,} problems" in err
    assert f"the catalogue check stopped after {bounds.MAX_PROBLEMS:,} problems" in err
    assert "... and " in err and err.count("\n") < bounds.MAX_ERRORS_SHOWN + 10
