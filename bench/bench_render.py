"""Render time of the PDF report, per report and per page, cold and warm, measured in one run.

cold: a fresh `python -m engine.cli report ...` process (interpreter start, imports, validation, check,
      fonts loaded, charts, render, write), timed from outside;
warm: the same render again inside one long-lived process (FontConfiguration, fonts, templates and
      matplotlib already loaded): check + render, and render alone.

    python bench/bench_render.py [--repeat 3] [--lang en,zh] [dossier.json ...]   (default: every example)
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


def cold(dossier: Path, lang: str, out: Path) -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "engine.cli", "report", str(dossier), "-o", str(out), "--lang", lang],
                   cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dossiers", nargs="*", type=Path)
    ap.add_argument("--repeat", type=int, default=3, help="warm renders per report (median is printed)")
    ap.add_argument("--lang", default="en,zh")
    args = ap.parse_args()
    dossiers = args.dossiers or sorted((ROOT / "examples").glob("*.json"))
    langs = args.lang.split(",")

    t0 = time.perf_counter()
    from pypdf import PdfReader

    from engine import load, render
    from engine.evaluate import check, evaluator
    from engine.result import document
    from engine.validate import load_dossier
    import_s = time.perf_counter() - t0

    cat, known, ev = load.catalogue(), load.pack_ids(), evaluator(None)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for path in dossiers:
            for lang in langs:
                out = Path(tmp) / f"{path.stem}.{lang}.pdf"
                cold_s = cold(path, lang, out)
                pages = len(PdfReader(io.BytesIO(out.read_bytes())).pages)
                total, only = [], []
                for _ in range(args.repeat):
                    t = time.perf_counter()
                    d = load_dossier(path, cat, known, shown=str(path.relative_to(ROOT) if path.is_absolute() else path))
                    doc = document(check(d, [load.pack(p) for p in d.programs], cat, engine=ev), ev.name)
                    t_render = time.perf_counter()
                    r = render.render_pdf(doc, path.read_bytes(), d.data, lang)
                    end = time.perf_counter()
                    total.append(end - t)
                    only.append(end - t_render)
                    assert r.pages == pages
                rows.append((path.stem, lang, pages, cold_s, statistics.median(total), statistics.median(only)))

    print(f"WeasyPrint + matplotlib + engine import: {import_s:.2f} s (paid once per process)")
    print(f"{'report':<40} {'lang':<4} {'pages':>5} {'cold s':>7} {'s/page':>7} {'warm s':>7} {'s/page':>7} "
          f"{'render':>7} {'s/page':>7}")
    for name, lang, pages, c, w, r in rows:
        print(f"{name:<40} {lang:<4} {pages:>5} {c:>7.2f} {c / pages:>7.3f} {w:>7.2f} {w / pages:>7.3f} "
              f"{r:>7.2f} {r / pages:>7.3f}")
    n = sum(r[2] for r in rows)
    print(f"{'all (' + str(len(rows)) + ' reports)':<40} {'':<4} {n:>5} {sum(r[3] for r in rows):>7.2f} "
          f"{sum(r[3] for r in rows) / n:>7.3f} {sum(r[4] for r in rows):>7.2f} {sum(r[4] for r in rows) / n:>7.3f} "
          f"{sum(r[5] for r in rows):>7.2f} {sum(r[5] for r in rows) / n:>7.3f}")
    print(f"cold: fresh process per report; warm: check + render in one process (median of {args.repeat}); "
          f"render: render_pdf alone. {os.cpu_count()} CPUs.")


if __name__ == "__main__":
    main()
