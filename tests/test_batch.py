"""parkcert batch: equals per-file checks, reports bad inputs and goes on, skips what is up to date, resumes."""
import csv
import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from engine import verdict
from engine.compact import compact_document

from .conftest import ROOT

N = 24          # small, but several chunks per worker with --chunk-size 4


def _generator():
    spec = importlib.util.spec_from_file_location("parkcert_bench_generate", ROOT / "bench" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    path = tmp_path_factory.mktemp("dossiers")
    _generator().write_folder(path, N, seed=7)
    return path


def outputs(out: Path) -> dict[str, bytes | list]:
    """Every output file: the text ones as bytes, the Parquet tables as their rows."""
    got: dict = {name: (out / name).read_bytes()
                 for name in ("results.jsonl", "summary.csv", "errors.jsonl", "outcomes.csv", "verdicts.csv")}
    got.update({name: pq.read_table(out / name).to_pylist() for name in ("outcomes.parquet", "verdicts.parquet")})
    return got


def results(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()]


def errors(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "errors.jsonl").read_text(encoding="utf-8").splitlines()]


def leftovers(out: Path) -> list[Path]:
    """Temporary or partial files anywhere under the output folder."""
    return [p for p in out.rglob("*") if p.name.endswith(".part")]


def test_generated_dossiers_are_valid_and_mixed(folder, run):
    code, stdout, _ = run("validate", *sorted(folder.glob("*.json")))
    assert code == 0, stdout


def test_folder_batch_equals_per_file_checks(folder, run, tmp_path):
    out = tmp_path / "out"
    code, stdout, _ = run("batch", folder, "-o", out, "--jobs", 2, "--chunk-size", 4, "--full")
    assert code == 1, stdout                      # the generated mix has zones that are not certifiable
    docs = results(out)
    files = sorted(folder.glob("*.json"))
    assert len(docs) == len(files)
    for f, doc in zip(files, docs, strict=True):
        c, single, _ = run("check", "--format", "json", f)
        single = json.loads(single)
        single.pop("readiness", None)       # zones in several programs: batch has the verdicts table instead
        assert single == doc
    verdicts = {p["verdict"] for d in docs for p in d["programs"]}
    assert {"certifiable", "not_certifiable"} <= verdicts
    rows = (out / "summary.csv").read_text(encoding="utf-8-sig").splitlines()
    assert rows[0].startswith("zone_id,file,line,dossier_sha256,program,verdict,pass,fail,missing")
    assert len(rows) == 1 + sum(len(d["programs"]) for d in docs)
    assert errors(out) == []
    assert not leftovers(out)


def test_results_are_compact_by_default_and_keep_what_an_analyst_needs(folder, run, tmp_path):
    out = tmp_path / "out"
    code, _, _ = run("batch", folder, "-o", out, "--jobs", 1, "--program", "all")
    files = sorted(folder.glob("*.json"))
    lines = (out / "results.jsonl").read_bytes().splitlines()
    assert len(lines) == len(files)
    for f, line in zip(files[:6], lines, strict=False):
        compact = json.loads(line)
        _, single, _ = run("check", "--format", "json", "--program", "all", f)
        full = json.loads(single)
        full.pop("readiness")           # check's matrix across programs; batch has the verdicts table
        assert compact == json.loads(json.dumps(compact_document(full)))
        assert compact["form"] == "compact" and compact["dossier"] == full["dossier"]
        assert len(line) * 10 < len(json.dumps(full, separators=(",", ":")))       # a tenth of the full document
        for p, c in zip(full["programs"], compact["programs"], strict=True):
            cols = c["outcomes"]
            assert cols["rule_id"] == [o["rule_id"] for o in p["outcomes"]]
            for i, o in enumerate(p["outcomes"]):
                assert (cols["status"][i], cols["value"][i], cols["unit"][i], cols["threshold"][i], cols["gap"][i]) == (
                    o["status"], o["value"], o["unit"], o["comparison"]["threshold"], o["gap"])
            assert c["verdict"] == p["verdict"] and c["blocking"] == p["blocking"]
            assert verdict.of_program(c) == verdict.of_program(p)
    assert len(b"\n".join(lines)) / len(lines) <= 10_240 * 1.15


def test_invalid_inputs_in_the_middle_are_reported_and_skipped(folder, run, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    files = sorted(folder.glob("*.json"))[:6]
    for f in files:
        (src / f.name).write_bytes(f.read_bytes())
    broken = json.loads(files[2].read_text(encoding="utf-8"))
    broken["series"]["energy_consumption"]["values"][str(broken["reference_year"])] = -5
    (src / (files[2].stem + "-negative.json")).write_text(json.dumps(broken), encoding="utf-8")
    (src / (files[3].stem + "-syntax.json")).write_text('{"schema_version": "1.0",\n  "zone": }', encoding="utf-8")
    good = json.loads(files[0].read_text(encoding="utf-8"))
    stream = tmp_path / "stream.jsonl"
    stream.write_text(json.dumps(good) + "\n" + "{not json\n" + "\n" + json.dumps(broken) + "\n", encoding="utf-8")

    out = tmp_path / "out"
    code, stdout, _ = run("batch", src, stream, tmp_path / "nowhere.json", "-o", out, "--jobs", 2, "--chunk-size", 2)
    assert code == 1, stdout
    docs = results(out)
    assert [d["dossier"]["file"] for d in docs] == [str(src / f.name) for f in files] + [f"{stream}:1"]
    errs = errors(out)
    by_place = {(e["file"], e["line"]): e for e in errs}
    assert set(by_place) == {(str(tmp_path / "nowhere.json"), None), (str(src / (files[2].stem + "-negative.json")), None),
                             (str(src / (files[3].stem + "-syntax.json")), None), (str(stream), 2), (str(stream), 4)}
    negative = by_place[(str(src / (files[2].stem + "-negative.json")), None)]["problems"]
    assert [p["pointer"] for p in negative] == [f"/series/energy_consumption/values/{broken['reference_year']}"]
    assert "≥ 0" in negative[0]["message"]
    assert by_place[(str(stream), 4)]["problems"][0]["pointer"].startswith("/series/energy_consumption")
    assert "malformed JSON" in by_place[(str(stream), 2)]["problems"][0]["message"]
    assert "malformed JSON at line 2" in by_place[(str(src / (files[3].stem + "-syntax.json")), None)]["problems"][0]["message"]
    assert "4 inputs could not be checked" in stdout or "5 inputs could not be checked" in stdout


def test_a_second_run_skips_everything_and_a_changed_dossier_is_checked_again(folder, run, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for f in sorted(folder.glob("*.json"))[:8]:
        (src / f.name).write_bytes(f.read_bytes())
    out = tmp_path / "out"
    run("batch", src, "-o", out, "--jobs", 2, "--chunk-size", 2)
    first = outputs(out)
    code, stdout, _ = run("batch", src, "-o", out, "--jobs", 2, "--chunk-size", 2)
    assert "8 dossiers: 0 checked, 8 up to date" in stdout
    assert outputs(out) == first

    changed = sorted(src.glob("*.json"))[5]
    data = json.loads(changed.read_text(encoding="utf-8"))
    data["reported"]["public_satisfaction"]["value"] = 50.0
    changed.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    code, stdout, _ = run("batch", src, "-o", out, "--jobs", 2, "--chunk-size", 2)
    assert "8 dossiers: 1 checked, 7 up to date" in stdout
    docs = results(out)
    assert len(docs) == 8
    assert docs[5]["dossier"]["sha256"] != json.loads(first["results.jsonl"].splitlines()[5])["dossier"]["sha256"]
    columns = docs[5]["programs"][0]["outcomes"]          # the compact form: outcomes as columns
    statuses = dict(zip(columns["rule_id"], columns["status"], strict=True))
    assert statuses["EIP-I-4.4"] == "fail"
    table = pq.read_table(out / "outcomes.parquet").to_pylist()        # the tables follow the changed dossier
    assert [r["status"] for r in table if r["dossier_sha256"] == docs[5]["dossier"]["sha256"]
            and r["rule_id"] == "EIP-I-4.4"] == ["fail"]
    assert len({r["dossier_sha256"] for r in table}) == 8
    # other options make other results: nothing is skipped
    code, stdout, _ = run("batch", src, "-o", out, "--jobs", 1, "--engine", "python")
    assert "8 dossiers: 8 checked, 0 up to date" in stdout
    assert {d["engine"]["evaluator"] for d in results(out)} == {"python"}


def test_an_interrupted_run_leaves_complete_files_and_resumes(folder, run, tmp_path, monkeypatch):
    reference = tmp_path / "reference"
    run("batch", folder, "-o", reference, "--jobs", 2, "--chunk-size", 4)

    out = tmp_path / "out"
    monkeypatch.setenv("PARKCERT_BATCH_INTERRUPT_AFTER", "2")   # a Ctrl-C after the second completed chunk
    code, stdout, stderr = run("batch", folder, "-o", out, "--jobs", 2, "--chunk-size", 4)
    assert code == 130
    assert "run the same command again to resume" in stderr
    assert not (out / "results.jsonl").exists() and not leftovers(out)
    monkeypatch.delenv("PARKCERT_BATCH_INTERRUPT_AFTER")

    code, stdout, _ = run("batch", folder, "-o", out, "--jobs", 2, "--chunk-size", 4)
    assert " up to date" in stdout, (code, stdout)
    done_before = int(stdout.split(" checked, ")[1].split(" up to date")[0])
    assert 8 <= done_before < N
    assert outputs(out) == outputs(reference)
    assert not leftovers(out)


def test_a_killed_process_resumes_to_the_same_outputs(folder, run, tmp_path):
    reference = tmp_path / "reference"
    run("batch", folder, "-o", reference, "--jobs", 2)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "engine.cli", "batch", str(folder), "-o", str(out), "--jobs", "2", "--chunk-size", "1"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    manifest = out / ".parkcert" / "manifest.jsonl"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if manifest.exists() and manifest.stat().st_size:
            break
        time.sleep(0.005)
    proc.send_signal(signal.SIGINT)        # what Ctrl-C sends
    proc.communicate(timeout=60)
    assert proc.returncode in (130, 1)     # 1: it had already finished
    assert not leftovers(out)
    if proc.returncode == 130:
        assert not (out / "results.jsonl").exists()
    code, stdout, _ = run("batch", folder, "-o", out, "--jobs", 2)
    assert outputs(out) == outputs(reference)


def test_json_lines_from_stdin(folder, tmp_path):
    lines = "".join(json.dumps(json.loads(f.read_text(encoding="utf-8"))) + "\n" for f in sorted(folder.glob("*.json"))[:3])
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "engine.cli", "batch", "-", "-o", str(out), "--jobs", "1"],
                          cwd=ROOT, input=lines.encode(), capture_output=True, env={**os.environ, "COLUMNS": "120"})
    assert proc.returncode in (0, 1), proc.stderr.decode()
    assert [d["dossier"]["file"] for d in results(out)] == ["<stdin>:1", "<stdin>:2", "<stdin>:3"]


def test_nothing_readable_is_bad_input(run, tmp_path):
    code, _, stderr = run("batch", tmp_path / "missing.json", "-o", tmp_path / "out")
    assert code == 2
    assert "cannot read" in stderr
    code, _, stderr = run("batch", tmp_path, "-o", tmp_path / "out", "--program", "no-such-program")
    assert code == 2
    assert "unknown program" in stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("session", ["new", "reuse"])
def test_a_dossier_no_rule_matches_does_not_kill_the_worker(session):
    # measured: deleting a durable_rules session whose fact matched no rule at all crashes the process
    # (free(): invalid pointer); packs with declared targets or benchmarks do that to any dossier without them.
    code = f"""
from engine.compile import CompiledPack, CompiledRule
from engine.durable_adapter import DurableEvaluator
pack = CompiledPack("only-refs", (CompiledRule("R-1", "x", "ge", None, "t_x"),), ("x", "t_x"))
ev = DurableEvaluator({session!r})
for _ in range(3):
    assert ev.evaluate(pack, {{"x": 86.4}}) == {{}}
    assert ev.evaluate(pack, {{"x": 86.4, "t_x": 80.0}}) == {{"R-1": "pass"}}
print("ok")
"""
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr


def test_pdf_reports_are_written_and_a_missing_one_is_rendered_again(folder, run, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    first = sorted(folder.glob("*.json"))[0]
    (src / first.name).write_bytes(first.read_bytes())
    out = tmp_path / "out"
    run("batch", src, "-o", out, "--jobs", 1, "--pdf")
    pdfs = list((out / "pdf").glob("*.pdf"))
    assert len(pdfs) == 1 and pdfs[0].read_bytes().startswith(b"%PDF")
    row = next(csv.DictReader((out / "summary.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert row["pdf"] == f"pdf/{pdfs[0].name}"
    pdfs[0].unlink()
    code, stdout, _ = run("batch", src, "-o", out, "--jobs", 1, "--pdf")
    assert "1 dossier: 1 checked, 0 up to date" in stdout
    assert pdfs[0].exists() and not leftovers(out)


def test_a_chunk_held_in_memory_a_group_at_a_time_gives_the_same_results(folder, tmp_path, monkeypatch):
    """A chunk's dossiers are held parsed only GROUP_BYTES at a time (a chunk of 64 files of 8 MB would not fit in
    memory at once); checked in groups or all at once, every dossier gets the same result line."""
    import hashlib

    from engine.batch import workers
    from engine.batch.options import Item, Options

    files = sorted(folder.glob("*.json"))
    items = [Item(str(p), str(p), None, hashlib.sha256(p.read_bytes()).hexdigest()) for p in files]
    lines = []
    for budget in (workers.GROUP_BYTES, 1):
        state = tmp_path / f"group-{budget}" / ".parkcert"
        (state / "parts").mkdir(parents=True)
        workers.init_worker(Options(programs=("all",)), str(state), in_child=False)
        monkeypatch.setattr(workers, "GROUP_BYTES", budget)
        done = workers.run_chunk("c", items)
        lines.append((state / done.part).read_bytes().splitlines())
    assert len(lines[0]) == len(files) and lines[0] == lines[1]
