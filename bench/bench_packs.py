"""Pack-format benchmark: what groups, zone-dependent thresholds and an extra pack folder cost, in one run.

    python bench/bench_packs.py [--n 1000]

Prints CPU time (process time, so other engineers' load on the shared machine counts less):
- loading the packs cold: the shipped ones alone, then with examples/packs added (--rules);
- one whole check (derive + evaluate + decide) of the illustrative zone with durable_rules, by the
  provincial-demo pack (a `groups` decision, thresholds chosen by water region) and by the same
  pack made plain in memory (each rule's default threshold fixed, decision all_pass): the ratio is
  what groups and zone-dependent thresholds add, on the same 13 rules and the same facts.
"""
from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

from engine import load
from engine.evaluate import check, evaluator
from engine.validate import load_dossier

ROOT = Path(__file__).resolve().parent.parent
PACKS = ROOT / "examples" / "packs"


def cold_load() -> float:
    load.pack.cache_clear()
    load.catalogue.cache_clear()
    t0 = time.process_time()
    load.catalogue()
    for p in load.pack_ids():
        load.pack(p)
    return time.process_time() - t0


def per_check(dossier, pack, cat, ev, n: int) -> float:
    check(dossier, [pack], cat, engine=ev)          # ruleset creation is not part of the figure
    t0 = time.process_time()
    for _ in range(n):
        check(dossier, [pack], cat, engine=ev)
    return (time.process_time() - t0) / n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000)
    n = ap.parse_args().n
    cold_load()                                     # imports and schema compilation are not part of the figure
    shipped = cold_load()
    load.use_rules([PACKS])
    with_extra = cold_load()
    print(f"load, cold: shipped packs {shipped * 1000:.0f} ms CPU; with examples/packs {with_extra * 1000:.0f} ms CPU "
          f"({with_extra / shipped:.2f}x)")
    cat, known, ev = load.catalogue(), load.pack_ids(), evaluator("durable")
    demo = load.pack("provincial-demo")
    plain = dataclasses.replace(
        demo, files_sha256="plain-" + demo.files_sha256,
        rules=tuple(dataclasses.replace(r, threshold_by=None, threshold=r.threshold_by.default) if r.threshold_by
                    else r for r in demo.rules),
        decision=dataclasses.replace(demo.decision, kind="all_pass", groups=(), group_categories=()))
    zone = load_dossier(PACKS / "provincial-demo-zone-2016.json", cat, known)
    t_demo, t_plain = per_check(zone, demo, cat, ev, n), per_check(zone, plain, cat, ev, n)
    print(f"check of the illustrative zone, durable_rules, {n} runs each ({len(demo.rules)} rules):")
    print(f"  groups + zone-dependent thresholds: {t_demo * 1e6:,.0f} µs CPU/dossier")
    print(f"  the same pack made plain:           {t_plain * 1e6:,.0f} µs CPU/dossier")
    print(f"  ratio: {t_demo / t_plain:.2f}")

if __name__ == "__main__":
    main()
