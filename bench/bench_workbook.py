"""Workbook benchmark: writing a template, importing a full workbook, refusing hostile ones.

    python bench/bench_workbook.py [--n 20]

CPU time (process time) per operation, median of n runs:
- the template for every program, empty and filled from the multi-program example (all sheets);
- importing that filled workbook through the one reader (`dossier_from_bytes`: openpyxl, every cell
  read by its rule, the schema and catalogue checks), and the same dossier as JSON, for reference;
- refusing a 60 MB zip bomb and a million-row sheet (limits checked before parsing).
"""
from __future__ import annotations

import argparse
import io
import json
import statistics
import time
import zipfile
from pathlib import Path

from engine import load
from engine.validate import dossier_from_bytes
from engine.workbook import layout, template

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "multi-program-yunxi-2016.json"


def cpu(fn, n: int) -> float:
    times = []
    for _ in range(n):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return statistics.median(times)


def _with_member(data: bytes, name: str, content: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != name:
                dst.writestr(info.filename, src.read(info.filename))
        dst.writestr(name, content)
    return out.getvalue()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20)
    n = ap.parse_args().n
    cat, ids = load.catalogue(), load.pack_ids()
    packs = [load.pack(p) for p in ids]
    d = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    full = layout.build(cat, packs, d)
    filled = template.write(full, "en", d)
    raw_json = EXAMPLE.read_bytes()
    dossier_from_bytes(filled, "w.xlsx", cat, ids)      # warm: schema compiled, packs loaded
    bomb = _with_member(filled, "xl/worksheets/sheet9.xml", b"<" + b" " * (60 * 2**20) + b">")
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (i, i) for i in range(1, 1_000_001))
    million = _with_member(filled, "xl/worksheets/sheet1.xml",
                           b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                           b'<dimension ref="A1:A1000000"/><sheetData>' + rows + b"</sheetData></worksheet>")

    def refuse(data):
        try:
            dossier_from_bytes(data, "h.xlsx", cat, ids)
        except Exception:  # noqa: BLE001 - the refusal is what is timed
            return
        raise AssertionError("a hostile workbook was read")

    wb = zipfile.ZipFile(io.BytesIO(filled))
    cells = sum(len(wb.read(i.filename)) for i in wb.infolist() if i.filename.startswith("xl/worksheets/"))
    print(f"workbook: {len(full.sheets)} sheets, {len(filled) / 1024:.0f} kB on disk, {cells / 1024:.0f} kB of sheet XML; "
          f"median of {n} runs, CPU time")
    measures = [
        ("template, every program, empty", lambda: template.write(layout.build(cat, packs), "en")),
        ("template, filled --from (yunxi)", lambda: template.write(layout.build(cat, packs, d), "en", d)),
        ("import the filled workbook", lambda: dossier_from_bytes(filled, "w.xlsx", cat, ids)),
        ("the same dossier as JSON", lambda: dossier_from_bytes(raw_json, "w.json", cat, ids)),
        (f"refuse a 60 MB zip bomb ({len(bomb) // 1024} kB)", lambda: refuse(bomb)),
        ("refuse a 1,000,000-row sheet", lambda: refuse(million)),
    ]
    for label, fn in measures:
        print(f"  {label:<40} {cpu(fn, n) * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
