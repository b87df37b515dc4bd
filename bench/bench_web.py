"""The web server under load, on loopback only: `parkcert serve` in a child process, N concurrent clients.

    python bench/bench_web.py [--clients 20] [--checks 2000] [--rss-checks 10000] [--reports 10]
                              [--report-clients 5] [--seconds 600]

Figures: requests/s, p50/p99 latency of POST /api/v1/check and /api/v1/report, errors (must be 0), the resident
memory of the server and its pool processes before and after --rss-checks checks (flat), checks' latency while
PDFs render, and the machine's load average. Clients post the shipped examples in turn. Bounded: at most
--clients (≤ 64) connections and --seconds of wall time per phase. Goals are measured here, never asserted.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted(p for p in (ROOT / "examples").glob("*.json"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (the server, its forkserver and pool processes)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as fh:
                total += next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:"))
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo += [int(c) for c in fh.read().split()]
        except (OSError, StopIteration):
            continue
    return total / 1024


def cpu_s(pid: int) -> tuple[float, float]:
    """CPU seconds (user + system) of the server process itself, and of all its descendants (the pools)."""
    tick = os.sysconf("SC_CLK_TCK")

    def one(p: int) -> float:
        with open(f"/proc/{p}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / tick

    own, rest, todo = one(pid), 0.0, []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as fh:
            todo += [int(c) for c in fh.read().split()]
    while todo:
        p = todo.pop()
        try:
            rest += one(p)
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo += [int(c) for c in fh.read().split()]
        except OSError:
            continue
    return own, rest


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


async def drive(url: str, path: str, bodies: list[tuple[str, bytes]], total: int, clients: int, seconds: float,
                params: dict | None = None) -> tuple[list[float], int, float, dict]:
    """`total` POSTs from `clients` concurrent clients; returns latencies (s), errors, wall time, status counts."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = 0
    next_i = 0
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async def client(http: httpx.AsyncClient):
        nonlocal next_i, errors
        while next_i < total and time.monotonic() < deadline:
            name, raw = bodies[next_i % len(bodies)]
            next_i += 1
            t = time.perf_counter()
            try:
                r = await http.post(url + path, params=params, files={"dossier": (name, raw)})
                statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
                if r.status_code != 200:
                    errors += 1
            except httpx.HTTPError:
                errors += 1
                statuses[-1] = statuses.get(-1, 0) + 1
            latencies.append(time.perf_counter() - t)

    start = time.perf_counter()
    async with httpx.AsyncClient(limits=limits, timeout=120) as http:
        await asyncio.gather(*(client(http) for _ in range(clients)))
    return latencies, errors, time.perf_counter() - start, statuses


def row(what: str, lat: list[float], errors: int, wall: float) -> list[tuple[str, str]]:
    return [(f"{what}: requests/s", f"{len(lat) / wall:,.1f}"),
            (f"{what}: p50 / p99 latency", f"{pct(lat, 50) * 1000:.1f} ms / {pct(lat, 99) * 1000:.1f} ms"),
            (f"{what}: errors", f"{errors} of {len(lat)}")]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--checks", type=int, default=2000)
    ap.add_argument("--rss-checks", type=int, default=10000)
    ap.add_argument("--reports", type=int, default=10)
    ap.add_argument("--report-clients", type=int, default=5, help="default: render processes + render queue")
    ap.add_argument("--seconds", type=float, default=600, help="wall-time bound of each phase")
    args = ap.parse_args()
    clients = max(1, min(args.clients, 64))
    bodies = [(p.name, p.read_bytes()) for p in EXAMPLES]
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "engine.cli", "serve", "--port", str(port)], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rows: list[tuple[str, str]] = [("load average at start (1, 5, 15 min)", ", ".join(f"{x:.2f}" for x in os.getloadavg())),
                                   ("cores", str(os.cpu_count()))]
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(url + "/", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        run = asyncio.run
        run(drive(url, "/api/v1/check", bodies, 100, clients, args.seconds))            # warm-up
        cpu0, client0 = cpu_s(server.pid), time.process_time()
        lat, err, wall, _ = run(drive(url, "/api/v1/check", bodies, args.checks, clients, args.seconds))
        cpu1, client1 = cpu_s(server.pid), time.process_time()
        rows += row(f"POST /api/v1/check, {clients} clients, {len(lat):,} requests", lat, err, wall)
        n = max(len(lat), 1)
        rows.append(("  CPU per check: server process (HTTP, upload) · check processes · the bench's clients",
                     f"{(cpu1[0] - cpu0[0]) / n * 1000:.1f} · {(cpu1[1] - cpu0[1]) / n * 1000:.1f} · "
                     f"{(client1 - client0) / n * 1000:.1f} ms"))
        before = tree_rss_mb(server.pid)
        lat, err, wall, _ = run(drive(url, "/api/v1/check", bodies, args.rss_checks, clients, args.seconds))
        rows.append((f"server RSS (all processes) before / after {len(lat):,} more checks",
                     f"{before:.1f} → {tree_rss_mb(server.pid):.1f} MB ({err} errors, {len(lat) / wall:,.0f} req/s)"))
        lat, err, wall, _ = run(drive(url, "/api/v1/report", bodies[:4], args.reports, args.report_clients,
                                      args.seconds))
        rows += row(f"POST /api/v1/report, {args.report_clients} clients, {len(lat)} PDFs", lat, err, wall)

        async def mixed():
            return await asyncio.gather(
                drive(url, "/api/v1/report", bodies[:4], args.reports, args.report_clients, args.seconds),
                drive(url, "/api/v1/check", bodies, args.checks // 2, clients, args.seconds))
        (_, rerr, _, rstat), (lat, err, wall, _) = run(mixed())
        rows += row(f"POST /api/v1/check while {args.report_clients} clients make PDFs", lat, err, wall)
        rows.append(("  the PDFs made meanwhile: statuses", ", ".join(f"{k}: {v}" for k, v in sorted(rstat.items()))))
    finally:
        server.terminate()
        server.wait(timeout=60)
    rows.append(("load average at end (1, 5, 15 min)", ", ".join(f"{x:.2f}" for x in os.getloadavg())))
    print("| measure | figure |\n|---|---|")
    for k, v in rows:
        print(f"| {k} | {v} |")


if __name__ == "__main__":
    main()
