"""Where the wall time of one `parkcert batch` run goes: the parent's serial phases and the workers' share.

    python bench/batch_timeline.py DOSSIERS [--out DIR] [--jobs 2] [--profile-assembly]

Runs the CLI in this process (as `parkcert batch DOSSIERS -o DIR --program all --jobs J`) with the parent's phases
timed, wall and the parent's CPU: imports, the rules key (catalogue and packs loaded), collecting the inputs (walk,
read, sha256), starting the workers, the chunks (workers busy; the parent writes the outputs as their results
arrive), the assembly's tail (what is left, then everything put in place and the manifest rewritten). Prints wall
and CPU time of the parent and of the workers, and the load average. The output folder is emptied first.
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import time
from pathlib import Path

T0 = time.perf_counter()
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import engine.batch.runner as runner  # noqa: E402

PHASES: list[tuple[str, float, float, float, float]] = []     # label, wall and parent CPU at start and end


def _timed(name: str, label: str, profile: bool = False) -> None:
    f = getattr(runner, name)

    def timed(*a, **k):
        t, c = time.perf_counter(), time.process_time()
        if profile:
            import cProfile
            import pstats
            pr = cProfile.Profile()
            pr.enable()
            try:
                return f(*a, **k)
            finally:
                pr.disable()
                PHASES.append((label, t, time.perf_counter(), c, time.process_time()))
                pstats.Stats(pr, stream=sys.stderr).sort_stats("cumulative").print_stats(20)
        try:
            return f(*a, **k)
        finally:
            PHASES.append((label, t, time.perf_counter(), c, time.process_time()))

    setattr(runner, name, timed)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dossiers")
    ap.add_argument("--out", default="/tmp/parkcert-timeline")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--profile-assembly", action="store_true")
    args = ap.parse_args()
    load_before = os.getloadavg()[0]
    _timed("rules_key", "rules key (catalogue and packs)")
    _timed("collect", "collect inputs (walk, read, sha256)")
    _timed("_executor", "start the workers")
    _timed("assemble", "assembly tail (outputs in place, manifest)", args.profile_assembly)
    shutil.rmtree(args.out, ignore_errors=True)
    from engine.cli import main as cli
    imported, imported_cpu = time.perf_counter(), time.process_time()
    sys.argv = ["parkcert", "-q", "batch", args.dossiers, "-o", args.out, "--program", "all", "--jobs", str(args.jobs)]
    try:
        cli(standalone_mode=False)
    except SystemExit:
        pass
    end = time.perf_counter()
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after")
    print(f"{'phase':48} {'wall':>8} {'parent CPU':>11}")
    print(f"{'imports':48} {imported - T0:6.2f} s {imported_cpu:9.2f} s")
    marks = sorted(PHASES, key=lambda p: p[1])
    for label, t, u, c, d in marks:
        print(f"{label:48} {u - t:6.2f} s {d - c:9.2f} s  ({t - T0:.2f} → {u - T0:.2f})")
    start, start_cpu = next(((u, d) for label, _, u, _, d in marks if label == "start the workers"), (imported, imported_cpu))
    last, last_cpu = next(((t, c) for label, t, _, c, _ in marks if label.startswith("assembly")), (end, time.process_time()))
    print(f"{'chunks (workers busy, outputs streamed)':48} {last - start:6.2f} s {last_cpu - start_cpu:9.2f} s")
    print(f"{'wall':48} {end - T0:6.2f} s")
    print(f"CPU: parent {me.ru_utime + me.ru_stime:.1f} s, workers {kids.ru_utime + kids.ru_stime:.1f} s")


if __name__ == "__main__":
    main()
