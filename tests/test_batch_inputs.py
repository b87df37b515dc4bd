"""Inputs as people keep them: folders walked at any depth with the count per folder shown, --glob, JSON Lines
beside JSON files, the output folder inside an input folder never read back (issue 14, item 4)."""
import json
import shutil

from .conftest import EXAMPLES

ZONES = ["certifiable-xinhe-2016", "failing-donghai-2016", "missing-data-qingjiang-2016", "assessed-2011-beilun"]


def _tree(root):
    """zhejiang/2016/*.json, jiangsu/*.json, a JSON Lines file of two zones, a hidden folder, a note."""
    (root / "zhejiang" / "2016").mkdir(parents=True)
    (root / "jiangsu").mkdir()
    (root / ".drafts").mkdir()
    shutil.copy(EXAMPLES / f"{ZONES[0]}.json", root / "zhejiang" / "2016" / f"{ZONES[0]}.json")
    shutil.copy(EXAMPLES / f"{ZONES[1]}.json", root / "zhejiang" / "2016" / f"{ZONES[1]}.json")
    shutil.copy(EXAMPLES / f"{ZONES[2]}.json", root / "jiangsu" / f"{ZONES[2]}.json")
    shutil.copy(EXAMPLES / f"{ZONES[3]}.json", root / ".drafts" / "draft.json")
    lines = [json.dumps(json.loads((EXAMPLES / f"{z}.json").read_text(encoding="utf-8")), ensure_ascii=False)
             for z in ZONES[2:]]
    (root / "jiangsu" / "stream.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "zhejiang" / "notes.txt").write_text("not a dossier", encoding="utf-8")


def _files(out):
    return [json.loads(line)["dossier"]["file"] for line in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()]


def test_folders_are_walked_at_any_depth_and_counted_per_folder(run, tmp_path):
    root = tmp_path / "national"
    _tree(root)
    out = root / "out"                          # inside the input folder: never read back as input
    code, stdout, _ = run("batch", root, "-o", out, "--jobs", 1)
    assert "5 dossiers: 5 checked" in stdout
    assert f"  {root / 'jiangsu'}: 3" in stdout and f"  {root / 'zhejiang' / '2016'}: 2" in stdout
    files = _files(out)
    assert files == [str(root / "jiangsu" / f"{ZONES[2]}.json"), f"{root / 'jiangsu' / 'stream.jsonl'}:1",
                     f"{root / 'jiangsu' / 'stream.jsonl'}:2", str(root / "zhejiang" / "2016" / f"{ZONES[0]}.json"),
                     str(root / "zhejiang" / "2016" / f"{ZONES[1]}.json")]
    # a second run over the same folder: the outputs written inside it are still not inputs
    code, stdout, _ = run("batch", root, "-o", out, "--jobs", 1)
    assert "5 dossiers: 0 checked, 5 up to date" in stdout


def test_glob_picks_files_by_name_or_relative_path(run, tmp_path):
    root = tmp_path / "national"
    _tree(root)
    code, stdout, _ = run("batch", root, "-o", tmp_path / "a", "--jobs", 1, "--glob", "failing-*.json",
                          "--glob", "jiangsu/*.jsonl")
    assert _files(tmp_path / "a") == [f"{root / 'jiangsu' / 'stream.jsonl'}:1", f"{root / 'jiangsu' / 'stream.jsonl'}:2",
                                      str(root / "zhejiang" / "2016" / f"{ZONES[1]}.json")]
    code, _, stderr = run("batch", root, "-o", tmp_path / "b", "--glob", "*.yaml")
    assert code == 2
    assert str(root) in stderr and "no file matching *.yaml" in stderr and "Traceback" not in stderr


def test_workbooks_and_json_files_of_a_folder_alike(run, tmp_path):
    import pyarrow.parquet as pq
    root = tmp_path / "zones"
    (root / "jiangsu").mkdir(parents=True)
    code, _, _ = run("template", "--from", EXAMPLES / "certifiable-xinhe-2016.json", "-o", root / "jiangsu" / "xinhe.xlsx")
    assert code == 0
    shutil.copy(EXAMPLES / "failing-donghai-2016.json", root / "donghai.json")
    out = tmp_path / "out"
    code, stdout, _ = run("batch", root, "-o", out, "--jobs", 1)
    assert "2 dossiers: 2 checked" in stdout
    rows = pq.read_table(out / "verdicts.parquet").to_pylist()
    by_file = {r["file"]: (r["zone_id"], r["verdict"]) for r in rows}
    assert by_file == {str(root / "donghai.json"): ("CN-SD-DHHTZ", "NOT CERTIFIABLE"),
                       str(root / "jiangsu" / "xinhe.xlsx"): ("CN-JS-XHETDZ", "CERTIFIABLE")}


def test_a_broken_json_lines_record_is_reported_at_its_line_of_the_file(run, tmp_path):
    """Record 3 of the file is not JSON: its problem names line 3 (what an editor's "go to line" needs), not the
    parser's line 1 of the record; a record that is JSON but not a dossier points into it, on its line too."""
    good = json.dumps(json.loads((EXAMPLES / f"{ZONES[1]}.json").read_text(encoding="utf-8")), ensure_ascii=False)
    stream = tmp_path / "zones.jsonl"
    stream.write_text("\n".join([good, "", "{not json", '{"zone": 1}']) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    code, _, _ = run("batch", stream, "-o", out, "--jobs", 1)
    assert code == 1
    errors = {e["line"]: e for e in map(json.loads, (out / "errors.jsonl").read_text(encoding="utf-8").splitlines())}
    assert set(errors) == {3, 4}
    (broken,) = errors[3]["problems"]
    assert broken["line"] == 3 and broken["message"].startswith("malformed JSON at line 3, column 2")
    assert errors[4]["problems"] and all(p["line"] == 4 for p in errors[4]["problems"])
