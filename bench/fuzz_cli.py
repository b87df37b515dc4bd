"""Seeded fuzz campaign through the CLI, as a user would run it (not part of the test suite).

    nice python bench/fuzz_cli.py --check 1000 --batch 10000 --review 200 --seed 10 -o /tmp/fuzz

Mutates the examples' dossiers (and the example panel review) with one to three hostile edits each —
deep nesting, long units and texts, lone surrogates in values and keys, impossible and out-of-range
dates, NaN / Infinity / huge / tiny numbers, wrong types, removed fields, markup, truncated or
corrupted bytes, YAML aliases, bombs and unquoted dates — then runs

- `parkcert check FILE --format json` once per dossier (a fresh process each, with a timeout),
- `parkcert check EXAMPLE --review FILE --format json` once per review,
- `parkcert batch FOLDER -o OUT` over all the batch dossiers (folders of 2,500, plus a JSON Lines file),

and counts what a user must never see: tracebacks, hangs (timeouts), internal errors (exit 4), exit codes
outside 0/1/2, and outputs that are not strict JSON. Prints one JSON summary; exit 1 when any is non-zero.
"""
from __future__ import annotations

import argparse
import copy
import json
import random
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
PARKCERT = [sys.executable, "-m", "engine.cli"]

HOSTILE = [float("nan"), float("inf"), -float("inf"), 1e15, -1e300, 1e-300, 10 ** 40, 0, -1, 2 ** 63,
           "\ud800", "x\udfffy", "0000-01-01", "2016-02-30", "2016-13-01", "9999-12-31", "1949-12-31",
           "2016-01-01T25:00:00", "t" * 20_000, "tce/" * 30, "x" * 10_001, "W" * 300, "[/red][bold]",
           "<img src='file:///etc/passwd'>", "{{ 7*7 }}", "%s%n", "\u202e\u0000", None, True, False, [], {},
           "", " ", "亿元", "10^999 RMB", "万吨标准煤/" * 20]


def strict(text: str):
    def refuse(name):
        raise ValueError(name)
    return json.loads(text, parse_constant=refuse)


def paths(node, path=()):
    yield path
    if isinstance(node, dict):
        for k, v in node.items():
            yield from paths(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from paths(v, path + (i,))


def mutate(rng: random.Random, base: dict) -> bytes:
    data = copy.deepcopy(base)
    places = [p for p in paths(data) if p]
    deep = 0
    benign = rng.random() < 0.3      # only extreme but valid numbers: they pass validation and reach the engines
    for _ in range(rng.randint(1, 3)):
        path = rng.choice(places)
        parent = data
        try:
            for part in path[:-1]:
                parent = parent[part]
            kind = 0.5 if benign else rng.random()
            if kind < 0.08:
                deep = rng.choice([33, 100, 1500, 20_000])
            elif kind < 0.16 and isinstance(parent, dict) and path[-1] in parent:
                parent[rng.choice(["\udcff", "k" * 20_000, "[/x]", "\u0000", "a/b~c"])] = parent.pop(path[-1])
            elif kind < 0.24 and isinstance(parent, dict):
                parent.pop(path[-1], None)
            elif kind < 0.6 and isinstance(parent[path[-1]], (int, float)) and not isinstance(parent[path[-1]], bool):
                # plausible-looking but extreme values that pass validation and reach the engines
                parent[path[-1]] = rng.choice([0, 0.0, 1e-12, 9.99e14, parent[path[-1]] * 10 ** rng.uniform(-9, 9)])
            elif not benign:
                parent[path[-1]] = rng.choice(HOSTILE)
        except (KeyError, IndexError, TypeError):
            continue
    raw = json.dumps(data, ensure_ascii=rng.random() < 0.5).encode("utf-8", "surrogatepass")
    if deep:
        opening = rng.choice([b"[", b'{"a":'])
        closing = b"]" if opening == b"[" else b"}"
        raw = raw[:-1] + b',"deep":' + opening * deep + b"1" + closing * deep + b"}"
    r = 1.0 if benign else rng.random()
    if r < 0.03:
        raw = raw[: rng.randint(0, len(raw))]
    elif r < 0.06:
        i = rng.randint(0, len(raw) - 1)
        raw = raw[:i] + bytes([rng.randint(0, 255)]) + raw[i + 1:]
    return raw


REVIEW_EDITS = [
    ('expires: "2017-06-30"', "expires: 2017-06-30"), ('expires: "2017-06-30"', "expires: 2016-02-30"),
    ('expires: "2017-06-30"', "expires: 0000-01-01"), ('expires: "2017-06-30"', "expires: 2016-01-01 25:00:00"),
    ('meeting_date: "2016-09-20"', "meeting_date: 2016-09-20"), ('meeting_date: "2016-09-20"', "meeting_date: 2016-13-01"),
    ("recommendation:", "x: &c [*c]\nrecommendation:"), ("recommendation:", "x: " + "[" * 100_000 + "\nrecommendation:"),
    ("program: eip-integrated", "program: eip-integrated\nprogram: ctip"),
    ("decisions:\n", "decisions:\n" + "".join(f"  R-{i}: {{decision: confirm}}\n" for i in range(3000))),
    ("decisions:\n", "decisions:\n" + "".join(f"  R-{i}: {{decision: confirm}}\n" for i in range(400))),
    ("recommendation:", "a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nrecommendation:"),
    ("decision: confirm", "decision: .nan"), ("decision: confirm", "decision: !!python/object/apply:os.system [ls]"),
    ("Wang Li", "\\ud800"), ("Wang Li", "[/red]"), ("panel:", "panel: 1e400\npanel2:"),
    ("schema_version", "? [a, b]\n: 1\nschema_version"), ("dossier_sha256", "dossier_sha256: 1" + "0" * 5000 + "\nx"),
]


def mutate_review(rng: random.Random, text: str) -> bytes:
    for _ in range(rng.randint(1, 2)):
        old, new = rng.choice(REVIEW_EDITS)
        text = text.replace(old, new, 1)
    return text.encode("utf-8", "surrogatepass")


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.runs = 0
        self.exit = {}
        self.tracebacks = self.hangs = self.internal = self.non_json = self.odd_exit = 0
        self.examples: list[str] = []

    def note(self, what: str, where: str):
        if len(self.examples) < 20:
            self.examples.append(f"{what}: {where}")

    def run(self, args, where, timeout, json_out=True):
        try:
            p = subprocess.run(PARKCERT + args, capture_output=True, timeout=timeout, cwd=ROOT)
        except subprocess.TimeoutExpired:
            with self.lock:
                self.runs += 1
                self.hangs += 1
                self.note("hang", where)
            return None
        with self.lock:
            self.runs += 1
            self._tally(p, where, json_out)
        return p

    def _tally(self, p, where, json_out):
        err = p.stderr.decode("utf-8", "replace")
        self.exit[p.returncode] = self.exit.get(p.returncode, 0) + 1
        if "Traceback" in err:
            self.tracebacks += 1
            self.note("traceback", f"{where}: {err.strip().splitlines()[-1][:200]}")
        if p.returncode == 4:
            self.internal += 1
            self.note("internal", f"{where}: {err.strip()[:200]}")
        elif p.returncode not in (0, 1, 2):
            self.odd_exit += 1
            self.note(f"exit {p.returncode}", where)
        if json_out and p.returncode in (0, 1):
            try:
                strict(p.stdout.decode("utf-8"))
            except ValueError:
                self.non_json += 1
                self.note("non-JSON output", where)

    def summary(self):
        return {"runs": self.runs, "exit_codes": {str(k): v for k, v in sorted(self.exit.items())},
                "tracebacks": self.tracebacks, "hangs": self.hangs, "internal_errors": self.internal,
                "other_exit_codes": self.odd_exit, "non_json_outputs": self.non_json, "examples": self.examples}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", type=int, default=100)
    ap.add_argument("--review", type=int, default=50)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--parallel", type=int, default=1, help="check processes at a time")
    ap.add_argument("--seed", type=int, default=10)
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("-o", "--out", type=Path, default=Path("/tmp/parkcert-fuzz"))
    a = ap.parse_args()
    rng = random.Random(a.seed)
    bases = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(EXAMPLES.glob("*.json"))]
    bases += [json.loads(p.read_text(encoding="utf-8")) for p in sorted((EXAMPLES / "ctip-portfolio").glob("*.json"))][:3]
    a.out.mkdir(parents=True, exist_ok=True)
    report = {"seed": a.seed}

    t2 = time.time()
    tally = Tally()
    n_batch = 0
    for start in range(0, a.batch, 2500):
        n = min(2500, a.batch - start)
        src = a.out / f"batch-in-{start:06d}"
        src.mkdir(exist_ok=True)
        jsonl = []
        for i in range(n):
            raw = mutate(rng, rng.choice(bases))
            if i % 10 == 9:
                jsonl.append(raw.replace(b"\n", b" "))
            else:
                (src / f"b{start + i:06d}.json").write_bytes(raw)
        (a.out / f"batch-in-{start:06d}.jsonl").write_bytes(b"\n".join(jsonl) + b"\n")
        out = a.out / f"batch-out-{start:06d}"
        p = tally.run(["batch", str(src), str(a.out / f"batch-in-{start:06d}.jsonl"), "-o", str(out),
                       "--jobs", str(a.jobs), "--no-progress"], str(src), a.timeout * 40, json_out=False)
        n_batch += n
        if p is None:
            continue
        counted = 0
        for name in ("results.jsonl", "errors.jsonl"):
            path = out / name
            if not path.exists():
                tally.note("missing output", str(path))
                continue
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    rec = strict(line)
                    counted += 1
                    if name == "errors.jsonl" and rec.get("kind") == "error":   # an internal error, as a line
                        tally.internal += 1
                        tally.note("internal (error line)", f"{rec['file']}: {rec['problems'][0]['message'][:200]}")
                except ValueError:
                    tally.non_json += 1
                    tally.note("non-JSON line", str(path))
        if counted != n:
            tally.note(f"{counted} lines for {n} dossiers", str(out))
        print(json.dumps({"batch": n_batch, **tally.summary()}), file=sys.stderr, flush=True)
    report["batch"] = tally.summary() | {"dossiers": n_batch, "seconds": round(time.time() - t2)}
    print(json.dumps({"batch done": report["batch"]}), file=sys.stderr, flush=True)

    review_text = (EXAMPLES / "failing-donghai-2016.review.yaml").read_text(encoding="utf-8")
    t0 = time.time()
    tally = Tally()
    for i in range(a.review):
        f = a.out / "review" / f"r{i:05d}.yaml"
        f.parent.mkdir(exist_ok=True)
        f.write_bytes(mutate_review(rng, review_text))
        tally.run(["check", str(EXAMPLES / "failing-donghai-2016.json"), "--review", str(f), "--format", "json"],
                  str(f), a.timeout)
    report["review"] = tally.summary() | {"seconds": round(time.time() - t0)}
    print(json.dumps(report["review"]), file=sys.stderr, flush=True)

    t1 = time.time()
    tally = Tally()
    folder = a.out / "check"
    folder.mkdir(exist_ok=True)
    runs = []
    for i in range(a.check):          # inputs drawn first, in order: the seed decides them, not the scheduling
        f = folder / f"c{i:05d}.json"
        f.write_bytes(mutate(rng, rng.choice(bases)))
        runs.append((f, rng.choice(["durable", "python"])))

    def one(run):
        f, engine = run
        tally.run(["check", str(f), "--format", "json", "--engine", engine], f"{f} ({engine})", a.timeout)

    with ThreadPoolExecutor(a.parallel) as ex:
        for i, _ in enumerate(ex.map(one, runs), start=1):
            if i % 100 == 0:
                print(json.dumps({"check": i, **tally.summary()}), file=sys.stderr, flush=True)
    report["check"] = tally.summary() | {"seconds": round(time.time() - t1)}

    print(json.dumps(report, indent=2, ensure_ascii=False))
    bad = sum(report[k][m] for k in ("review", "check", "batch")
              for m in ("tracebacks", "hangs", "internal_errors", "other_exit_codes", "non_json_outputs"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
