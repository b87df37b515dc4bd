"""The command line behaves as command lines do (issue 9.10)."""
import json
import os
import subprocess
import sys
from pathlib import Path

from engine import __version__

from .conftest import EXAMPLES, ROOT

PARKCERT = [str(Path(sys.executable).parent / "parkcert")]


def test_version(run):
    code, out, _ = run("--version")
    assert code == 0 and __version__ in out


def test_quiet_prints_nothing_and_the_exit_code_tells(run):
    code, out, _ = run("check", "--quiet", EXAMPLES / "failing-donghai-2016.json")
    assert (code, out) == (1, "")
    code, out, _ = run("-q", "check", EXAMPLES / "certifiable-xinhe-2016.json")
    assert (code, out) == (0, "")
    code, out, _ = run("validate", "-q", EXAMPLES / "certifiable-xinhe-2016.json")
    assert (code, out) == (0, "")


def test_quiet_batch_prints_nothing_but_what_could_not_be_checked(run, tmp_path):
    bad = tmp_path / "in" / "bad.json"
    bad.parent.mkdir()
    bad.write_text("{")
    for args in (("-q", "batch"), ("batch", "--quiet")):
        out_dir = tmp_path / f"out{len(args[0])}"
        code, out, err = run(*args, EXAMPLES / "failing-donghai-2016.json", "-o", out_dir, "--jobs", "1")
        assert (code, out) == (1, "") and (out_dir / "results.jsonl").exists()
        code, out, err = run(*args, EXAMPLES / "failing-donghai-2016.json", "-o", out_dir, "--jobs", "1")
        assert (code, out, err) == (1, "", "")      # the second run: up to date, still nothing said
        code, out, err = run(*args, EXAMPLES / "failing-donghai-2016.json", bad, "-o", out_dir, "--jobs", "1")
        assert code == 1 and out == "" and "1 input could not be checked" in err


def test_quiet_still_reports_bad_input(run, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    code, out, err = run("check", "-q", bad)
    assert code == 2 and out == "" and "'zone' is required" in err


def test_validate_does_not_claim_it_would_have_written_something(run, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    code, _, err = run("validate", bad)
    assert code == 2 and "3 problems." in err and "written" not in err
    code, _, err = run("check", bad)
    assert code == 2 and "written" not in err
    code, _, err = run("report", bad, "-o", tmp_path / "r.pdf")
    assert code == 2 and "nothing was written" in err


def test_check_a_folder_like_batch_and_summary(run, tmp_path):
    for name in ("certifiable-xinhe-2016", "failing-donghai-2016"):
        (tmp_path / f"{name}.json").write_bytes((EXAMPLES / f"{name}.json").read_bytes())
    code, out, _ = run("check", "--format", "json", tmp_path)
    docs = json.loads(out)
    assert code == 1 and [d["dossier"]["zone"]["id"] for d in docs] == ["CN-JS-XHETDZ", "CN-SD-DHHTZ"]
    code, out, _ = run("validate", tmp_path)
    assert code == 0 and out.count(": valid") == 2


def test_a_folder_without_dossiers_is_bad_input(run, tmp_path):
    code, _, err = run("check", tmp_path)
    assert code == 2 and str(tmp_path) in err and "no dossier" in err


def test_an_output_in_a_missing_folder_below_here_is_created_and_said(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = run("check", "--format", "json", "-o", "new/deeper/result.json", EXAMPLES / "failing-donghai-2016.json")
    assert code == 1 and (tmp_path / "new/deeper/result.json").is_file()
    assert "created folder" in err and "new" in err


def test_an_output_in_a_missing_folder_elsewhere_is_refused_before_any_work(run, tmp_path, monkeypatch):
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    target = tmp_path / "elsewhere" / "r.pdf"
    code, _, err = run("report", EXAMPLES / "failing-donghai-2016.json", "-o", target)
    assert code == 2 and "does not exist" in err and str(tmp_path / "elsewhere") in err
    assert not (tmp_path / "elsewhere").exists()


def test_shell_completion_offers_program_ids():
    env = dict(os.environ, _PARKCERT_COMPLETE="bash_complete", COMP_WORDS="parkcert check --program e", COMP_CWORD="3")
    out = subprocess.run(PARKCERT, env=env, capture_output=True, text=True, cwd=ROOT).stdout
    assert {"eip-integrated", "eip-sector", "eip-venous"} <= {line.split(",")[-1] for line in out.splitlines()}


def test_completion_is_documented():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "_PARKCERT_COMPLETE=bash_source parkcert" in readme


def test_output_piped_into_a_reader_that_stops_early_is_not_an_internal_error(tmp_path):
    """`parkcert batch ... | head -1`: the reader closes the pipe while ParkCert still prints; the outputs are
    written, and it ends quietly, as a shell command does (it said "internal error: BrokenPipeError")."""
    proc = subprocess.Popen([*PARKCERT, "batch", str(EXAMPLES / "failing-donghai-2016.json"), "-o", str(tmp_path / "out"),
                             "--jobs", "1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()           # before anything is printed: the first line printed meets a closed pipe
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141
    assert "internal error" not in err and "Traceback" not in err
    assert (tmp_path / "out" / "results.jsonl").stat().st_size > 0
