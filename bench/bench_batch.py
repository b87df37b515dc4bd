"""Batch benchmark: the figures of issue 6, measured in one run on generated dossiers.

    python bench/bench_batch.py [--dossiers 15680] [--jobs 2] [--engine-n 20000] [--rss-n 10000]
                                [--latency-n 1000] [--pdf-n 24] [--skip-batch] [--skip-pdf] [--work DIR]

Prints:
- rule evaluation: dossiers/s through durable_rules (sessions "new" and "reuse", and many dossiers per
  session: `evaluate_many` in chunks as batch sends them) and through the plain-Python reference
  evaluator of the same compiled rules, and the ratios;
- a batch worker in this process (`run_chunk` on generated dossiers, every program): CPU per dossier
  with durable_rules and with the reference evaluator, and the ratio;
- the whole check of one dossier (validate, derive, evaluate, decide, result document, JSON):
  p50 / p99 latency and where the time goes;
- resident memory before and after N durable evaluations (each mode), and N whole checks;
- `parkcert batch` over the generated dossiers against all programs with --jobs J: wall time,
  dossiers/s, CPU seconds per dossier; then the second run (everything up to date);
- PDF reports per second through `parkcert batch --pdf` with 1 and J workers, and the time
  1,568 reports would take.
Generated dossiers are cached in the work folder (default /tmp/parkcert-bench). The machine is
shared and noisy: rates are best-of-3 where cheap, and the CPU time is printed beside wall times.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import math
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import generate  # noqa: E402
from bench_engine import rss_mb  # noqa: E402

from engine import load, schema  # noqa: E402
from engine.batch import workers  # noqa: E402
from engine.batch.options import Item, Options  # noqa: E402
from engine.batch.runner import MAX_CHUNK  # noqa: E402
from engine.derive import Deriver  # noqa: E402
from engine.durable_adapter import DurableEvaluator  # noqa: E402
from engine.evaluate import check, compiled, engine_values  # noqa: E402
from engine.oracle import PythonEvaluator  # noqa: E402
from engine.result import document  # noqa: E402
from engine.validate import dossier_from_data, semantic_problems  # noqa: E402

ZONES_2014 = 1568


def dossiers_folder(work: Path, n: int, seed: int) -> Path:
    folder = work / f"dossiers-{n}-{seed}"
    if not (folder / ".complete").exists():
        shutil.rmtree(folder, ignore_errors=True)
        generate.write_folder(folder, n, seed)
        (folder / ".complete").write_text("")
    return folder


def best_rate(fn, items, n: int, repeat: int = 3) -> float:
    best = 0.0
    for _ in range(repeat):
        t0 = time.perf_counter()
        for i in range(n):
            fn(items[i % len(items)])
        best = max(best, n / (time.perf_counter() - t0))
    return best


def pack_values(raws, cat, known, pack):
    out = []
    for raw in raws:
        d = dossier_from_data(json.loads(raw), raw, cat, known, shown="bench")
        out.append(engine_values(pack, Deriver(d, cat, d.as_of)))
    return out


def best_cpu_rate(fn, items, n: int, chunk: int, repeat: int = 3) -> float:
    """Dossiers per CPU second (best of `repeat`): fn takes a list of `chunk` items at a time."""
    batches = [[items[(s + i) % len(items)] for i in range(chunk)] for s in range(0, n, chunk)]
    best = 0.0
    for _ in range(repeat):
        t0 = time.process_time()
        for b in batches:
            fn(b)
        best = max(best, len(batches) * chunk / (time.process_time() - t0))
    return best


def engine_figures(raws, cat, known, n: int, rss_n: int) -> list[tuple[str, str]]:
    pack = load.pack("eip-integrated")
    cp = compiled(pack)
    facts = pack_values(raws[:500], cat, known, pack)
    oracle, new, reuse = PythonEvaluator(), DurableEvaluator("new"), DurableEvaluator("reuse")
    for v in facts:                                     # same outcomes, and rulesets created before timing
        assert new.evaluate(cp, v) == reuse.evaluate(cp, v) == oracle.evaluate(cp, v)
    assert new.evaluate_many(cp, facts) == oracle.evaluate_many(cp, facts)
    rates = {name: best_rate(lambda v, e=ev: e.evaluate(cp, v), facts, n)
             for name, ev in (("python", oracle), ("new", new), ("reuse", reuse))}
    # CPU time, in the same run: the one-by-one reference, and many dossiers per session in batch's chunks
    cpu = {"python": best_cpu_rate(lambda b: [oracle.evaluate(cp, v) for v in b], facts, n, MAX_CHUNK)}
    for size in (MAX_CHUNK, 1024):
        cpu[size] = best_cpu_rate(lambda b: new.evaluate_many(cp, b), facts, n, size)
    rows = [("rules (eip-integrated) / distinct fact sets", f"{len(pack.rules)} / {len(facts)}"),
            ("rule evaluation, plain-Python reference", f"{rates['python']:,.0f} dossiers/s"),
            ("rule evaluation, durable_rules, new session per dossier (default)", f"{rates['new']:,.0f} dossiers/s"),
            ("rule evaluation, durable_rules, reused session (fact retracted)", f"{rates['reuse']:,.0f} dossiers/s"),
            ("ratio reference / durable (new session)", f"{rates['python'] / rates['new']:.1f} x"),
            ("ratio reference / durable (reused session)", f"{rates['python'] / rates['reuse']:.1f} x"),
            ("rule evaluation, reference, CPU time", f"{cpu['python']:,.0f} dossiers per CPU s"),
            *[(f"rule evaluation, durable_rules, {size:,} dossiers per session (evaluate_many)",
               f"{cpu[size]:,.0f} dossiers per CPU s = {cpu['python'] / cpu[size]:.1f} x the reference (goal 10 x)")
              for size in (MAX_CHUNK, 1024)]]
    for name, ev in (("new session", new), ("reused session", reuse)):
        before = rss_mb()
        for i in range(rss_n):
            ev.evaluate(cp, facts[i % len(facts)])
        rows.append((f"resident memory over {rss_n:,} durable evaluations ({name})",
                     f"{before:.1f} → {rss_mb():.1f} MB"))
    before = rss_mb()
    for i in range(0, rss_n, MAX_CHUNK):
        new.evaluate_many(cp, [facts[(i + k) % len(facts)] for k in range(MAX_CHUNK)])
    rows.append((f"resident memory over {rss_n:,} durable evaluations ({MAX_CHUNK} per session)",
                 f"{before:.1f} → {rss_mb():.1f} MB"))
    return rows


def latency_figures(raws, cat, known, n: int, rss_n: int) -> list[tuple[str, str]]:
    packs = [load.pack(p) for p in known]
    ev = DurableEvaluator()
    parts = {"parse": 0.0, "schema": 0.0, "semantic": 0.0, "derive+evaluate+decide": 0.0, "document": 0.0, "json": 0.0}
    lat = []
    today = dt.date.today()
    for i in range(n):
        raw = raws[i % len(raws)]
        t0 = time.perf_counter()
        data = json.loads(raw)
        t1 = time.perf_counter()
        schema.problems("dossier.schema.json", data)
        t2 = time.perf_counter()
        semantic_problems(data, cat, "bench", today, known)
        t3 = time.perf_counter()
        d = dossier_from_data(data, raw, cat, known, shown="bench")    # validates again: not timed in total
        t4 = time.perf_counter()
        results = check(d, packs, cat, engine=ev)
        t5 = time.perf_counter()
        doc = document(results, ev.name)
        t6 = time.perf_counter()
        json.dumps(doc, separators=(",", ":"), check_circular=False)     # as batch writes results.jsonl
        t7 = time.perf_counter()
        for k, a, b in (("parse", t0, t1), ("schema", t1, t2), ("semantic", t2, t3),
                        ("derive+evaluate+decide", t4, t5), ("document", t5, t6), ("json", t6, t7)):
            parts[k] += b - a
        lat.append(((t3 - t0) + (t7 - t4)) * 1000)
    q = statistics.quantiles(lat, n=100)
    rows = [(f"whole check per dossier, {len(packs)} programs (validate → JSON), p50 / p99",
             f"{q[49]:.2f} ms / {q[98]:.2f} ms"),
            ("  of which (mean)", ", ".join(f"{k} {v / n * 1000:.2f} ms" for k, v in parts.items()))]
    before = rss_mb()
    for i in range(rss_n):
        raw = raws[i % len(raws)]
        d = dossier_from_data(json.loads(raw), raw, cat, known, shown="bench")
        document(check(d, packs, cat, engine=ev), ev.name)
    rows.append((f"resident memory over {rss_n:,} whole checks ({len(packs)} programs, durable)",
                 f"{before:.1f} → {rss_mb():.1f} MB"))
    return rows


def worker_figures(folder: Path, work: Path, n: int) -> list[tuple[str, str]]:
    """A batch worker in this process: read, validate, check every program, result lines, table rows."""
    files = sorted(folder.glob("*.json"))[:n]
    items = [Item(str(p), str(p), None, hashlib.sha256(p.read_bytes()).hexdigest()) for p in files]
    cpu = {}
    for engine in ("durable", "python"):
        state = work / f"worker-{engine}" / ".parkcert"
        shutil.rmtree(state.parent, ignore_errors=True)
        (state / "parts").mkdir(parents=True)
        workers.init_worker(Options(programs=("all",), engine=engine), str(state), in_child=False)
        workers.run_chunk("warm", items[:MAX_CHUNK])
        best = math.inf
        for rep in range(3):
            t0 = time.process_time()
            for k in range(0, len(items), MAX_CHUNK):
                workers.run_chunk(f"r{rep}-{k}", items[k:k + MAX_CHUNK])
            best = min(best, time.process_time() - t0)
        cpu[engine] = best / len(items) * 1000
    return [(f"batch worker in-process (run_chunk, {len(items)} dossiers, all programs, chunks of {MAX_CHUNK})",
             f"{cpu['durable']:.2f} ms CPU per dossier (goal 2.5 ms); load average {os.getloadavg()[0]:.1f}"),
            ("  the same with the reference evaluator (--engine python)",
             f"{cpu['python']:.2f} ms: durable_rules path = {cpu['durable'] / cpu['python']:.2f} x (goal 3 x)")]


def run_batch(args: list[str]) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (this process's children), stdout of one `parkcert batch`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "engine.cli", "batch", *args, "--no-progress"], cwd=ROOT,
                          capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"parkcert batch failed ({proc.returncode}):\n{proc.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.stdout


def batch_figures(folder: Path, work: Path, n: int, jobs: int) -> list[tuple[str, str]]:
    out = work / f"out-{n}"
    shutil.rmtree(out, ignore_errors=True)
    load_before = os.getloadavg()[0]
    wall, cpu, _ = run_batch([str(folder), "-o", str(out), "--program", "all", "--jobs", str(jobs)])
    load_after = os.getloadavg()[0]
    again, _, _ = run_batch([str(folder), "-o", str(out), "--program", "all", "--jobs", str(jobs)])
    summary_pdf = out / "national.pdf"
    t0 = time.perf_counter()
    run_batch([str(folder), "-o", str(out), "--program", "all", "--jobs", str(jobs), "--summary-pdf", str(summary_pdf)])
    with_summary = time.perf_counter() - t0
    size = (out / "results.jsonl").stat().st_size
    tables = {name: (out / name).stat().st_size / 1e6 for name in
              ("outcomes.parquet", "outcomes.csv", "verdicts.parquet", "verdicts.csv")}
    return [(f"parkcert batch, {n:,} dossiers, all programs, --jobs {jobs}",
             f"{wall:.1f} s wall, {n / wall:,.0f} dossiers/s (goal < 20 s on idle cores); "
             f"load average {load_before:.1f} before, {load_after:.1f} after"),
            ("  CPU time (parent + workers)", f"{cpu:.1f} s = {cpu / n * 1000:.2f} ms per dossier (goal 2.5 ms); "
                                              f"on {jobs} idle cores ≈ {cpu / jobs:.0f} s"),
            ("  results.jsonl (compact)", f"{size / 1e6:,.0f} MB = {size / n / 1024:.1f} KiB per dossier "
                                          "(goal ≤ 10 KB, ≤ 150 MB)"),
            ("  tables", ", ".join(f"{k} {v:,.1f} MB" for k, v in tables.items())),
            ("  second run (everything up to date)", f"{again:.1f} s"),
            ("  third run with --summary-pdf (up to date + the national picture)", f"{with_summary:.1f} s, "
                                                                                    f"{summary_pdf.stat().st_size / 1e6:.1f} MB")]


def pdf_figures(folder: Path, work: Path, n: int, jobs: int) -> list[tuple[str, str]]:
    src = work / f"pdf-input-{n}"
    shutil.rmtree(src, ignore_errors=True)
    src.mkdir(parents=True)
    for f in sorted(folder.glob("*.json"))[:n]:
        shutil.copy(f, src / f.name)
    rows = []
    for j in sorted({1, jobs}):
        out = work / f"out-pdf-{j}"
        shutil.rmtree(out, ignore_errors=True)
        wall, cpu, _ = run_batch([str(src), "-o", str(out), "--pdf", "--jobs", str(j)])
        rate = n / wall
        rows.append((f"PDF reports, parkcert batch --pdf, {n} dossiers, --jobs {j}",
                     f"{rate:.2f} reports/s ({wall:.1f} s incl. start-up; CPU {cpu / n:.2f} s per report); "
                     f"{ZONES_2014:,} reports ≈ {ZONES_2014 / rate / 60:.1f} min (goal < 30 min with 2)"))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description="issue 6 figures")
    ap.add_argument("--dossiers", type=int, default=15680, help="batch size (1,568 zones x 10 years)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--engine-n", type=int, default=20000)
    ap.add_argument("--rss-n", type=int, default=10000)
    ap.add_argument("--latency-n", type=int, default=1000)
    ap.add_argument("--pdf-n", type=int, default=24)
    ap.add_argument("--seed", type=int, default=2014)
    ap.add_argument("--worker-n", type=int, default=600, help="dossiers for the in-process worker figure")
    ap.add_argument("--skip-batch", action="store_true")
    ap.add_argument("--skip-pdf", action="store_true")
    ap.add_argument("--work", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "parkcert-bench")
    a = ap.parse_args()

    a.work.mkdir(parents=True, exist_ok=True)
    folder = dossiers_folder(a.work, a.dossiers, a.seed)
    raws = [p.read_bytes() for p in sorted(folder.glob("*.json"))[:2000]]
    cat = load.catalogue()
    known = load.pack_ids()
    rows = [("machine", f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start, "
                        f"Python {sys.version.split()[0]}")]
    rows += engine_figures(raws, cat, known, a.engine_n, a.rss_n)
    for r in rows:
        print(f"{r[0]:<72} {r[1]}", flush=True)
    more = latency_figures(raws, cat, known, a.latency_n, a.rss_n)
    more += worker_figures(folder, a.work, a.worker_n)
    if not a.skip_batch:
        more += batch_figures(folder, a.work, a.dossiers, a.jobs)
    if not a.skip_pdf:
        more += pdf_figures(folder, a.work, a.pdf_n, a.jobs)
    for r in more:
        print(f"{r[0]:<72} {r[1]}", flush=True)


if __name__ == "__main__":
    main()
