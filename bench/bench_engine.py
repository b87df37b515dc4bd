"""Engine benchmark: durable_rules against the plain-Python reference, measured in the same run.

    python bench/bench_engine.py [--n 2000]

Prints, for the shipped examples cycled N times:
- rule evaluation only (facts already derived): dossiers/s for each evaluator, and the ratio; durable_rules
  also with 64 dossiers per session (`evaluate_many`, as batch sends a chunk);
- the whole check (validate-free: derive + evaluate + decide): per-dossier p50 / p99 latency;
- resident memory before and after N durable evaluations.
Figures are ratios against the reference in the same process: the machine is shared and noisy.
"""
from __future__ import annotations

import argparse
import resource
import statistics
import time
from pathlib import Path

from engine import load
from engine.derive import Deriver
from engine.durable_adapter import DurableEvaluator
from engine.evaluate import check, compiled, engine_values
from engine.oracle import PythonEvaluator
from engine.validate import load_dossier

ROOT = Path(__file__).resolve().parent.parent


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000)
    n = ap.parse_args().n
    cat = load.catalogue()
    pack = load.pack("eip-integrated")
    cp = compiled(pack)
    dossiers = [load_dossier(p, cat, load.pack_ids()) for p in sorted((ROOT / "examples").glob("*.json"))]
    facts = [engine_values(pack, Deriver(d, cat, d.as_of)) for d in dossiers]

    durable, oracle = DurableEvaluator(), PythonEvaluator()
    durable.evaluate(cp, facts[0])  # ruleset creation is not part of the rate
    rates = {}
    for ev in (oracle, durable):
        t0 = time.perf_counter()
        for i in range(n):
            ev.evaluate(cp, facts[i % len(facts)])
        rates[ev.name] = n / (time.perf_counter() - t0)
    # many dossiers per session, as batch sends a chunk (the examples repeat: identical facts in one session)
    chunk = [facts[i % len(facts)] for i in range(64)]
    assert durable.evaluate_many(cp, chunk) == oracle.evaluate_many(cp, chunk)
    t0 = time.perf_counter()
    for _ in range(max(1, n // len(chunk))):
        durable.evaluate_many(cp, chunk)
    rates["many"] = max(1, n // len(chunk)) * len(chunk) / (time.perf_counter() - t0)
    rss0 = rss_mb()
    for i in range(n):
        durable.evaluate(cp, facts[i % len(facts)])
    rss1 = rss_mb()

    lat = []
    for i in range(min(n, 1000)):
        d = dossiers[i % len(dossiers)]
        t0 = time.perf_counter()
        check(d, [pack], cat, engine=durable)
        lat.append((time.perf_counter() - t0) * 1000)
    q = statistics.quantiles(lat, n=100)

    print(f"rules: {len(pack.rules)}  dossiers cycled: {len(dossiers)}  evaluations: {n}")
    print(f"rule evaluation   python reference: {rates['python']:>9,.0f} dossiers/s")
    print(f"rule evaluation   durable_rules:    {rates['durable_rules']:>9,.0f} dossiers/s")
    print(f"ratio reference / durable:          {rates['python'] / rates['durable_rules']:>9.1f} x")
    print(f"rule evaluation   durable_rules, 64 dossiers per session: {rates['many']:>9,.0f} dossiers/s "
          f"= {rates['python'] / rates['many']:.1f} x the reference")
    print(f"whole check (derive+evaluate+decide) per dossier: p50 {q[49]:.2f} ms, p99 {q[98]:.2f} ms")
    print(f"resident memory over {n} durable evaluations: {rss0:.1f} MB -> {rss1:.1f} MB ({rss1 - rss0:+.1f} MB)")


if __name__ == "__main__":
    main()
