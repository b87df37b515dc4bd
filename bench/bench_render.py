"""Render cost of the PDF report: CPU per report and per page, first render and later ones, in one run.

cold:  a fresh `python -m engine.cli report ...` process (interpreter, imports, check, fonts, render, write),
       wall time from outside (skip with --no-cold);
first: the first render_pdf in this process (fonts and templates load), CPU time;
warm:  later render_pdf calls in the same process (as a batch worker renders its second and later reports),
       CPU time, median and minimum of --repeat.

CPU time (process time) is the comparable figure on a shared machine; the load average is printed beside it.
The batch projection is 1,568 reports (the national run) at the median warm CPU time on 2 workers.

    python bench/bench_render.py [--repeat 5] [--lang en,zh] [--no-cold] [--program all] [dossier.json ...]
"""
from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
NATIONAL_REPORTS, WORKERS = 1568, 2


def cold(dossier: Path, lang: str, out: Path, programs: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "engine.cli", "report", str(dossier), "-o", str(out), "--lang", lang,
                    *(a for p in programs for a in ("--program", p))], cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - t


def load_line() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dossiers", nargs="*", type=Path)
    ap.add_argument("--repeat", type=int, default=5, help="warm renders per report after the first")
    ap.add_argument("--lang", default="en,zh")
    ap.add_argument("--program", action="append", default=[], help="as `parkcert report --program` (default: the dossier's)")
    ap.add_argument("--no-cold", action="store_true", help="skip the fresh-process timing")
    args = ap.parse_args()
    dossiers = args.dossiers or sorted((ROOT / "examples").glob("*.json"))
    langs = args.lang.split(",")
    print(f"start: {load_line()}, {os.cpu_count()} CPUs", flush=True)

    t0 = time.process_time()
    from pypdf import PdfReader

    from engine import render
    from engine.assess import assess
    import_s = time.process_time() - t0

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for path in dossiers:
            a = assess(path.read_bytes(), path.name, tuple(args.program))     # what `parkcert report` renders
            for lang in langs:
                cold_s = None
                if not args.no_cold:
                    out = Path(tmp) / f"{path.stem}.{lang}.pdf"
                    cold_s = cold(path, lang, out, args.program)
                cpu = []
                for _ in range(args.repeat + 1):
                    t = time.process_time()
                    r = render.render_pdf(a.doc, a.raw, a.dossier.data, lang)
                    cpu.append(time.process_time() - t)
                pages = len(PdfReader(io.BytesIO(r.pdf)).pages)
                assert pages == r.pages
                rows.append((path.stem, lang, pages, cold_s, cpu[0], statistics.median(cpu[1:]), min(cpu[1:])))
                print(f"  {path.stem} {lang}: {pages} pages, warm {rows[-1][5]:.2f} s CPU ({load_line()})", flush=True)

    print(f"\nimports (WeasyPrint, engine): {import_s:.2f} s CPU, once per process")
    head = f"{'report':<36} {'lang':<4} {'pages':>5} {'cold s':>7} {'first':>6} {'warm':>6} {'min':>6} {'warm/page':>9}"
    print(head)
    for name, lang, pages, c, first, warm, best in rows:
        cs = f"{c:>7.2f}" if c is not None else f"{'—':>7}"
        print(f"{name:<36} {lang:<4} {pages:>5} {cs} {first:>6.2f} {warm:>6.2f} {best:>6.2f} {warm / pages:>9.3f}")
    fourteen = [r for r in rows if 13 <= r[2] <= 15]
    for label, chosen in (("all reports", rows), ("reports of 13-15 pages", fourteen)):
        if chosen:
            warm = statistics.median(r[5] for r in chosen)
            per_page = statistics.median(r[5] / r[2] for r in chosen)
            minutes = NATIONAL_REPORTS * warm / WORKERS / 60
            print(f"{label}: median warm {warm:.2f} s CPU, {per_page:.3f} s a page; "
                  f"{NATIONAL_REPORTS:,} reports on {WORKERS} workers ≈ {minutes:.1f} min of CPU each")
    print(f"end: {load_line()}")


if __name__ == "__main__":
    main()
