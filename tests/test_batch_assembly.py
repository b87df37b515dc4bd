"""parkcert batch writes its outputs while the chunks run: the same bytes as assembling them after the last chunk."""
import shutil
from pathlib import Path

import pytest

from .test_batch import _generator, leftovers

OUTPUTS = ("results.jsonl", "summary.csv", "errors.jsonl", "outcomes.csv", "verdicts.csv", "outcomes.parquet",
           "verdicts.parquet")


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    path = tmp_path_factory.mktemp("dossiers")
    _generator().write_folder(path, 24, seed=11)
    (path / "broken.json").write_text('{"schema_version": "1.0",\n  "zone": }', encoding="utf-8")
    return path


def files(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in OUTPUTS}


def test_outputs_written_during_the_run_are_the_bytes_of_an_assembly_after_it(folder, run, tmp_path, monkeypatch):
    """Sources interleaved in input order: the previous results.jsonl and tables (every other dossier), the parts
    of an interrupted run, and this run's chunks as they complete (two workers, in any order)."""
    src = tmp_path / "in"
    src.mkdir()
    every = sorted(folder.glob("*.json"))
    for f in every[::2]:
        shutil.copy(f, src)

    def earlier_runs(out: Path) -> dict[str, bytes]:
        run("batch", src, "-o", out, "--jobs", 1, "--chunk-size", 4)
        first = files(out)
        for f in every[1::2]:
            shutil.copy(f, src)
        # 12 new dossiers: one chunk of 4 checked (and its outputs begun), then interrupted
        monkeypatch.setenv("PARKCERT_BATCH_INTERRUPT_AFTER", "1")
        code, _, _ = run("batch", src, "-o", out, "--jobs", 1, "--chunk-size", 4)
        monkeypatch.delenv("PARKCERT_BATCH_INTERRUPT_AFTER")
        assert code == 130
        assert files(out) == first and not leftovers(out)     # what was written during the run is gone
        for f in every[1::2]:
            (src / f.name).unlink()
        return first

    streamed = tmp_path / "streamed"
    earlier_runs(streamed)
    for f in every[1::2]:
        shutil.copy(f, src)
    code, stdout, _ = run("batch", src, "-o", streamed, "--jobs", 2, "--chunk-size", 2)
    assert "25 dossiers: 8 checked, 17 up to date" in stdout
    assert not leftovers(streamed)

    at_the_end = tmp_path / "at-the-end"
    for f in every[1::2]:
        (src / f.name).unlink()
    earlier_runs(at_the_end)
    for f in every[1::2]:
        shutil.copy(f, src)
    # the same four chunks, then interrupted after the last of them: nothing written; the next run has every
    # dossier up to date and assembles the outputs from the parts at its end
    monkeypatch.setenv("PARKCERT_BATCH_INTERRUPT_AFTER", "4")
    code, _, _ = run("batch", src, "-o", at_the_end, "--jobs", 2, "--chunk-size", 2)
    monkeypatch.delenv("PARKCERT_BATCH_INTERRUPT_AFTER")
    assert code == 130
    code, stdout, _ = run("batch", src, "-o", at_the_end, "--jobs", 2)
    assert "25 dossiers: 0 checked, 25 up to date" in stdout
    assert files(streamed) == files(at_the_end)
    assert not leftovers(at_the_end)


def test_what_a_killed_run_was_writing_is_removed_by_the_next(folder, run, tmp_path):
    """A run writes its outputs under temporary names in the state folder from its first chunk on; a killed run
    (SIGKILL: no handler runs) leaves them, and the next run removes them."""
    out = tmp_path / "out"
    state = out / ".parkcert"
    state.mkdir(parents=True)
    left = [state / ".outcomes.csv.4242.part", state / ".results.jsonl.4242.part"]
    for f in left:
        f.write_bytes(b"half")
    code, _, _ = run("batch", *sorted(folder.glob("*.json"))[:3], "-o", out, "--jobs", 1)
    assert code in (0, 1)
    assert not any(f.exists() for f in left) and not leftovers(out)
    assert sorted(p.name for p in out.iterdir()) == sorted([".parkcert", *OUTPUTS])
