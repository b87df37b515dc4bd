"""Batch evaluation: many dossiers, every program, in parallel, resumable.

    inputs ──collect──▶ Items (file or JSON Lines record, sha256)
    Items − up to date (manifest: same sha256, same rules key) ──chunks──▶ worker processes
    worker: read → validate → check → result document (+ PDF) ──▶ OUTDIR/.parkcert/parts/<chunk>.jsonl (atomic)
    parent: one manifest line per completed chunk (appended, fsync'd) ──▶ progress
    end:    results.jsonl, summary.csv, errors.jsonl assembled in input order (each atomic); the manifest
            then points into results.jsonl itself and the parts are removed (one copy of the results on disk)

Workers are long-lived: each loads the catalogue and the packs and compiles them
once (initializer). A chunk's results reach the disk before its manifest line,
so the manifest only ever names complete part files. An interrupt (Ctrl-C)
stops the workers and leaves the outputs as they were; the next run skips
every dossier the manifest already holds and assembles complete outputs.
"""
from __future__ import annotations

import concurrent.futures as cf
import contextlib
import csv
import datetime as dt
import fcntl
import hashlib
import io
import json
import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__, load
from .evaluate import check as check_programs
from .evaluate import compiled
from .evaluate import evaluator as make_evaluator
from .problems import InputError, Problem
from .result import document
from .validate import dossier_from_data, read_json

STATE_DIR = ".parkcert"
MANIFEST = "manifest.jsonl"
PARTS = "parts"
RESULTS, SUMMARY, ERRORS = "results.jsonl", "summary.csv", "errors.jsonl"
PDF_DIR = "pdf"
SUMMARY_COLUMNS = ["zone_id", "file", "line", "dossier_sha256", "program", "verdict", "pass", "fail", "missing",
                   "not_applicable", "blocking", "worst_gaps", "pdf"]
WORST_GAPS = 3
MAX_CHUNK = 64
MAX_CHUNK_PDF = 4         # a report takes seconds: smaller chunks keep the progress bar and the resume point fresh
INTERRUPT_AFTER_ENV = "PARKCERT_BATCH_INTERRUPT_AFTER"   # tests: simulate Ctrl-C after this many chunks


class BatchError(Exception):
    """The batch cannot start (bad options, unusable output folder): nothing is read or written."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


# --- what crosses the process boundary --------------------------------------------------------

@dataclass(frozen=True)
class Options:
    programs: tuple[str, ...] = ()        # () = each dossier's own programs; ("all",) = every pack
    as_of: dt.date | None = None
    engine: str | None = None
    pdf: bool = False
    lang: str = "en"
    rules: tuple[str, ...] = ()           # extra pack folders (load.rules_dirs()): workers load the same packs


@dataclass(frozen=True)
class Item:
    """One dossier to check: a JSON file (read by the worker) or one record of a JSON Lines stream (carried)."""
    key: str                 # the name results show: the path, or "stream.jsonl:12"
    file: str
    line: int | None
    sha256: str
    raw: bytes | None = None


@dataclass
class Checked:
    """What one dossier gave: the manifest keeps it, the outputs are assembled from it."""
    key: str
    file: str
    line: int | None
    sha256: str
    status: str                           # ok · invalid · error
    certifiable: bool = False
    verdicts: dict[str, str] = field(default_factory=dict)
    rows: list[list] = field(default_factory=list)   # summary.csv rows
    error: dict | None = None             # errors.jsonl record
    offset: int | None = None             # the result line's place in the part file
    length: int | None = None
    pdf: str | None = None


@dataclass
class ChunkDone:
    part: str | None                      # relative to the state folder; None when no dossier was valid
    outcomes: list[Checked]
    seconds: float


@dataclass
class Report:
    """What a run did; the CLI prints it and derives the exit code."""
    total: int = 0
    skipped: int = 0
    checked: int = 0
    invalid: int = 0
    failed: int = 0
    unreadable: int = 0
    verdicts: dict[str, int] = field(default_factory=dict)
    all_certifiable: bool = True
    interrupted: bool = False
    seconds: float = 0.0


# --- inputs ---------------------------------------------------------------------------------------

def _sha(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def _jsonl_items(text: bytes, shown: str) -> Iterator[Item]:
    for n, line in enumerate(text.split(b"\n"), start=1):
        line = line.rstrip(b"\r")
        if line.strip():
            yield Item(key=f"{shown}:{n}", file=shown, line=n, sha256=_sha(line), raw=line)


def collect(inputs: Iterable[str], stdin=None) -> tuple[list[Item], list[dict]]:
    """Expand files, folders (*.json inside) and JSON Lines streams (.jsonl, or - for stdin) into items.

    Paths that cannot be read become error records; they do not stop the batch.
    """
    items: list[Item] = []
    unreadable: list[dict] = []

    def bad(shown: str, message: str) -> None:
        unreadable.append(_error_record(shown, None, None, [Problem(shown, "", message)]))

    for given in inputs:
        if given == "-":
            data = (stdin or sys.stdin.buffer).read()
            items.extend(_jsonl_items(data, "<stdin>"))
            continue
        path = Path(given)
        if path.is_dir():
            files = sorted(p for p in path.glob("*.json") if p.is_file())
            if not files:
                bad(given, "folder without *.json files")
        else:
            files = [path]
        for p in files:
            shown = str(p)
            try:
                raw = p.read_bytes()
            except OSError as e:
                bad(shown, f"cannot read: {e.strerror}")
                continue
            if p.suffix == ".jsonl":
                items.extend(_jsonl_items(raw, shown))
            else:
                items.append(Item(key=shown, file=shown, line=None, sha256=_sha(raw)))
    return items, unreadable


# --- the rules key: what makes an earlier result still valid --------------------------------------

def rules_key(options: Options) -> str:
    """Hash of every pack and the catalogue, the engine version and the options that change a result."""
    try:
        cat = load.catalogue()
        packs = [load.pack(p) for p in load.pack_ids()]
    except InputError as e:
        raise BatchError(e.problems) from None
    known = {p.id for p in packs}
    unknown = [p for p in options.programs if p != "all" and p not in known]
    if unknown:
        raise BatchError([Problem("--program", "", f"unknown program {p!r} (known: {', '.join(sorted(known))})")
                          for p in unknown])
    h = hashlib.sha256()
    parts = [__version__, cat.sha256, options.engine or os.environ.get("PARKCERT_ENGINE", "durable"),
             ",".join(options.programs), str(options.as_of), str(options.pdf), options.lang]
    parts += [f"{p.id}={p.files_sha256}" for p in sorted(packs, key=lambda p: p.id)]
    h.update("\n".join(parts).encode())
    return h.hexdigest()


# --- the worker -----------------------------------------------------------------------------------

@dataclass
class _Worker:
    options: Options
    state: Path
    catalogue: object
    packs: dict
    known: list[str]
    engine: object
    renderer: Callable | None


_W: _Worker | None = None


def init_worker(options: Options, state: str, in_child: bool = True) -> None:
    """Load the catalogue and every pack, compile them and warm the engine: once per worker process."""
    global _W
    if in_child:
        signal.signal(signal.SIGINT, signal.SIG_IGN)     # the parent decides what an interrupt means
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    load.use_rules(options.rules)       # a spawned worker does not inherit the parent's --rules
    cat = load.catalogue()
    known = load.pack_ids()
    packs = {p: load.pack(p) for p in known}
    for p in packs.values():
        compiled(p)
    renderer = None
    if options.pdf:
        from . import render  # WeasyPrint loads only when reports are asked for
        render.font_config()    # one font configuration per worker, reused by every report
        renderer = render.render_pdf
    _W = _Worker(options, Path(state), cat, packs, known, make_evaluator(options.engine), renderer)


def _error_record(file: str, line: int | None, sha256: str | None, problems: list[Problem], kind: str = "invalid") -> dict:
    return {"file": file, "line": line, "sha256": sha256, "kind": kind,
            "problems": [{"file": p.file, "pointer": p.pointer, "message": p.message, "line": p.line} for p in problems]}


def _read(item: Item) -> tuple[dict, bytes]:
    if item.raw is None:
        return read_json(Path(item.file), item.key)
    try:
        return json.loads(item.raw.decode("utf-8")), item.raw
    except UnicodeDecodeError:
        raise InputError([Problem(item.key, "", "not UTF-8 text")]) from None
    except json.JSONDecodeError as exc:
        raise InputError([Problem(item.key, "", f"malformed JSON at column {exc.colno}: {exc.msg}")]) from None


def _worst_gaps(program: dict) -> str:
    fails = [o for o in program["outcomes"] if o["status"] == "fail"]
    fails.sort(key=lambda o: (o["gap_pct"] is None, -(o["gap_pct"] or 0), o["rule_id"]))
    out = []
    for o in fails[:WORST_GAPS]:
        c = o["comparison"]
        unit = "" if o["unit"] in (None, "1", "bool") else f" {o['unit']}"
        text = f"{o['rule_id']} {o['metric']} {_num(o['value'])} vs {c['symbol']} {_num(c['threshold'])}{unit}"
        if o["gap_pct"] is not None:
            text += f" (gap {_num(o['gap'])}, {o['gap_pct']:.1f} %)"
        out.append(text)
    return "; ".join(out)


def _num(v) -> str:
    if isinstance(v, bool) or v is None:
        return json.dumps(v)
    if isinstance(v, str):
        return v
    return f"{v:.6g}"


def summary_rows(doc: dict, pdf: str | None = None) -> list[list]:
    z = doc["dossier"]
    rows = []
    for p in doc["programs"]:
        c = p["counts"]
        rows.append([z["zone"]["id"], None, None, z["sha256"], p["program"], p["verdict"], c.get("pass", 0),
                     c.get("fail", 0), c.get("missing", 0), c.get("not_applicable", 0), " ".join(p["blocking"]),
                     _worst_gaps(p), pdf or ""])
    return rows


def pdf_name(doc: dict, lang: str) -> str:
    d = doc["dossier"]
    return f"{d['zone']['id']}-{d['as_of']}-{d['sha256'][:12]}-{lang}.pdf"


def _check_one(item: Item, outdir: Path) -> tuple[Checked, str | None]:
    w = _W
    try:
        data, raw = _read(item)
        sha = _sha(raw)
        d = dossier_from_data(data, raw, w.catalogue, w.known, shown=item.key)
    except InputError as e:
        return Checked(item.key, item.file, item.line, item.sha256, "invalid",
                       error=_error_record(item.file, item.line, item.sha256, e.problems)), None
    try:
        wanted = w.options.programs
        ids = w.known if "all" in wanted else sorted(set(wanted)) if wanted else d.programs
        results = check_programs(d, [w.packs[p] for p in ids], w.catalogue, as_of=w.options.as_of, engine=w.engine)
        doc = document(results, w.engine.name)
        # compact and ASCII-escaped: 40 % faster to write than `check --format json`, the same document
        line = json.dumps(doc, separators=(",", ":"), check_circular=False)
        pdf = None
        if w.renderer is not None:
            rendered = w.renderer(doc, raw, data, w.options.lang, None)
            pdf = f"{PDF_DIR}/{pdf_name(doc, w.options.lang)}"
            (outdir / PDF_DIR).mkdir(exist_ok=True)
            with atomic_output(outdir / pdf) as fh:
                fh.write(rendered.pdf)
    except InputError as e:   # a value only a pack can judge (a zone attribute it does not know): bad input
        return Checked(item.key, item.file, item.line, sha, "invalid",
                       error=_error_record(item.file, item.line, sha, e.problems)), None
    except Exception as e:  # noqa: BLE001 - one dossier's failure must not stop the batch; it is reported
        problem = Problem(item.key, "", f"evaluation failed: {e.__class__.__name__}: {e}")
        return Checked(item.key, item.file, item.line, sha, "error",
                       error=_error_record(item.file, item.line, sha, [problem], kind="error")), None
    rows = summary_rows(doc, pdf)
    for r in rows:
        r[1], r[2] = item.file, item.line
    verdicts = {p["program"]: p["verdict"] for p in doc["programs"]}
    ok = all(v == "certifiable" for v in verdicts.values())
    return Checked(item.key, item.file, item.line, sha, "ok", certifiable=ok, verdicts=verdicts, rows=rows,
                   pdf=pdf), line


def run_chunk(name: str, items: list[Item]) -> ChunkDone:
    """Check a chunk of dossiers; their result lines reach the disk (atomically) before this returns."""
    t0 = time.perf_counter()
    state = _W.state
    outdir = state.parent
    outcomes, buffer, pos = [], io.BytesIO(), 0
    for item in items:
        o, line = _check_one(item, outdir)
        if line is not None:
            data = line.encode("utf-8") + b"\n"
            o.offset, o.length = pos, len(data)
            buffer.write(data)
            pos += len(data)
        outcomes.append(o)
    part = None
    if pos:
        part = f"{PARTS}/{name}.jsonl"
        _write_atomic(state / part, buffer.getvalue())
    return ChunkDone(part, outcomes, time.perf_counter() - t0)


def _ping(_=None) -> int:
    return os.getpid()


# --- files ----------------------------------------------------------------------------------------

def _write_atomic(path: Path, data: bytes) -> None:
    with atomic_output(path) as fh:
        fh.write(data)


@contextlib.contextmanager
def atomic_output(path: Path, mode: str = "wb", **kw):
    """Stream into a temporary file beside `path`; it replaces `path` only once complete and synced."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        with open(tmp, mode, **kw) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


class Manifest:
    """What earlier runs did: OUTDIR/.parkcert/manifest.jsonl, one line per completed chunk, appended and synced.

    A chunk line names where its result lines are (a complete part file, or results.jsonl once a run
    has assembled it) and, for each dossier, its sha256 and what it gave. Lines of other rules keys,
    and lines whose results file is gone or has changed, are ignored: those dossiers are checked again.
    A torn last line (a crash while appending) is ignored too.
    """

    def __init__(self, state: Path, rules: str):
        self.state, self.rules = state, rules
        self.path = state / MANIFEST
        self.entries: dict[str, Checked] = {}
        self.parts: dict[str, str | None] = {}      # key -> part file ("results.jsonl": the assembled output)
        self.assembled: dict | None = None          # identity of the results.jsonl the entries point into
        self._fh = None

    def _results_identity(self) -> dict | None:
        try:
            st = (self.state.parent / RESULTS).stat()
        except OSError:
            return None
        return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "ino": st.st_ino}

    def load(self) -> None:
        if not self.path.exists():
            return
        current = self._results_identity()
        with open(self.path, "rb") as fh:
            for raw in fh:
                try:
                    rec = json.loads(raw)
                except ValueError:
                    continue
                if rec.get("rules") != self.rules:
                    continue
                if "assembled" in rec:
                    self.assembled = rec["assembled"] if rec["assembled"] == current else None
                    continue
                part = rec.get("part")
                if part == RESULTS:
                    if self.assembled is None:
                        continue
                elif part is not None and not (self.state / part).exists():
                    continue
                for o in rec["outcomes"]:
                    out = Checked(**o)
                    self.entries[out.key] = out
                    self.parts[out.key] = part

    def up_to_date(self, item: Item, outdir: Path, pdf: bool) -> bool:
        o = self.entries.get(item.key)
        if o is None or o.sha256 != item.sha256:
            return False
        return not (pdf and o.status == "ok" and not (o.pdf and (outdir / o.pdf).exists()))

    def _line(self, part: str | None, outcomes: list[Checked]) -> bytes:
        return json.dumps({"rules": self.rules, "part": part, "outcomes": [vars(o) for o in outcomes]},
                          ensure_ascii=False).encode("utf-8") + b"\n"

    def append(self, done: ChunkDone) -> None:
        if self._fh is None:
            self._fh = open(self.path, "ab")
        self._fh.write(self._line(done.part, done.outcomes))
        self._fh.flush()
        os.fsync(self._fh.fileno())
        for o in done.outcomes:
            self.entries[o.key] = o
            self.parts[o.key] = done.part

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def in_place(self, items: list[Item]) -> bool:
        """Whether results.jsonl already holds exactly these dossiers' result lines, in this order."""
        if self.assembled is None:
            return False
        pos = 0
        for it in items:
            o = self.entries[it.key]
            if o.status != "ok":
                continue
            if self.parts[it.key] != RESULTS or o.offset != pos:
                return False
            pos += o.length
        return pos == self.assembled["size"]

    def rewrite(self, items: list[Item]) -> None:
        """After assembly: one line for the current dossiers, pointing into the new results.jsonl; parts removed."""
        self.close()
        self.assembled = self._results_identity()
        outcomes = [self.entries[it.key] for it in items if it.key in self.entries]
        with atomic_output(self.path) as fh:
            fh.write(json.dumps({"rules": self.rules, "assembled": self.assembled}).encode() + b"\n")
            fh.write(self._line(RESULTS, outcomes))
        for it in items:
            self.parts[it.key] = RESULTS
        for f in (self.state / PARTS).glob("*"):
            with contextlib.suppress(OSError):
                f.unlink()


def _assemble(outdir: Path, items: list[Item], unreadable: list[dict], manifest: Manifest) -> None:
    """results.jsonl, summary.csv and errors.jsonl, in input order, each replaced atomically.

    Result lines are copied from the part files and from the previous results.jsonl (read through a
    descriptor opened before it is replaced); the manifest is then rewritten to point into the new one.
    """
    state = manifest.state
    if not manifest.in_place(items):
        sources: dict[str | None, int] = {}
        try:
            for it in items:
                part = manifest.parts[it.key]
                if manifest.entries[it.key].status == "ok" and part not in sources:
                    sources[part] = os.open(outdir / RESULTS if part == RESULTS else state / part, os.O_RDONLY)
            with atomic_output(outdir / RESULTS) as out:
                pos = 0
                for it in items:
                    o = manifest.entries[it.key]
                    if o.status != "ok":
                        continue
                    data = os.pread(sources[manifest.parts[it.key]], o.length, o.offset)
                    if len(data) != o.length:
                        raise BatchError([Problem(str(outdir), "", "a stored result is shorter than recorded; "
                                                                   f"remove {state} and run again")])
                    out.write(data)
                    o.offset, pos = pos, pos + o.length
        finally:
            for fd in sources.values():
                os.close(fd)
        manifest.rewrite(items)
    with atomic_output(outdir / SUMMARY, "w", encoding="utf-8", newline="") as out:
        w = csv.writer(out)
        w.writerow(SUMMARY_COLUMNS)
        for it in items:
            for row in manifest.entries[it.key].rows:
                w.writerow(["" if v is None else v for v in row])
    with atomic_output(outdir / ERRORS, "w", encoding="utf-8") as out:
        for rec in unreadable:
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")
        for it in items:
            o = manifest.entries[it.key]
            if o.error:
                out.write(json.dumps(o.error, ensure_ascii=False) + "\n")


# --- the run --------------------------------------------------------------------------------------

def _chunks(items: list[Item], jobs: int, size: int | None, pdf: bool = False) -> list[list[Item]]:
    if not items:
        return []
    size = size or max(1, min(MAX_CHUNK_PDF if pdf else MAX_CHUNK, -(-len(items) // (jobs * 8))))
    return [items[i:i + size] for i in range(0, len(items), size)]


@contextlib.contextmanager
def _terminate_as_interrupt():
    """SIGTERM (kill, a scheduler's stop) ends a batch the way Ctrl-C does: completed chunks kept, outputs untouched."""
    def interrupt(signum, frame):
        raise KeyboardInterrupt
    try:
        old = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:          # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


@contextlib.contextmanager
def _locked(state: Path):
    state.mkdir(parents=True, exist_ok=True)
    with open(state / "lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise BatchError([Problem(str(state.parent), "", "another batch is writing to this folder")]) from None
        yield


def _clean_temporaries(state: Path) -> None:
    """Temporary files of an interrupted run (a killed worker cannot remove its own)."""
    outdir = state.parent
    for f in [*(state / PARTS).glob(".*.part"), *outdir.glob(".*.part"), *(outdir / PDF_DIR).glob(".*.part")]:
        with contextlib.suppress(OSError):
            f.unlink()


def _executor(jobs: int, options: Options, state: Path) -> cf.ProcessPoolExecutor:
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    ex = cf.ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context(method),
                                initializer=init_worker, initargs=(options, str(state)))
    # start every worker now, before any progress-bar thread exists (fork is only safe without threads)
    list(ex.map(_ping, range(jobs)))
    return ex


def _stop(ex: cf.ProcessPoolExecutor) -> None:
    """Stop now: pending chunks are cancelled, running ones killed (their parts were never named in the manifest)."""
    processes = list((getattr(ex, "_processes", None) or {}).values())
    ex.shutdown(wait=False, cancel_futures=True)
    for p in processes:
        with contextlib.suppress(Exception):
            p.terminate()
    for p in processes:      # they hold the output folder's lock (inherited): wait until they are gone
        with contextlib.suppress(Exception):
            p.join(timeout=10)


def _unique(items: list[Item]) -> list[Item]:
    return list({it.key: it for it in reversed(items)}.values())[::-1]


def run(inputs: list[str], outdir: Path, options: Options, jobs: int = 1, chunk_size: int | None = None,
        progress_factory: Callable | None = None, stdin=None) -> Report:
    """Check every input dossier; see the module docstring. Raises BatchError when nothing can be done."""
    t0 = time.perf_counter()
    rules = rules_key(options)
    items, unreadable = collect(inputs, stdin)
    items = _unique(items)                    # the same dossier given twice is checked once
    if not items:
        found = [Problem(r["file"], "", r["problems"][0]["message"]) for r in unreadable]
        raise BatchError(found or [Problem("inputs", "", "no dossiers found")])
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise BatchError([Problem(str(outdir), "", f"cannot create the output folder: {e.strerror}")]) from None
    state = outdir / STATE_DIR
    report = Report(total=len(items), unreadable=len(unreadable))
    with _locked(state), _terminate_as_interrupt():
        (state / PARTS).mkdir(exist_ok=True)
        _clean_temporaries(state)
        manifest = Manifest(state, rules)
        manifest.load()
        todo = [it for it in items if not manifest.up_to_date(it, outdir, options.pdf)]
        report.skipped = len(items) - len(todo)
        chunks = _chunks(todo, jobs, chunk_size, options.pdf)
        run_id = f"{int(time.time()):x}-{os.urandom(4).hex()}"   # never the name of an earlier part
        interrupt_after = int(os.environ.get(INTERRUPT_AFTER_ENV, "0") or 0)
        progress = progress_factory(len(todo), report.skipped) if progress_factory else contextlib.nullcontext(None)
        workers = min(jobs, len(chunks))
        ex = None
        try:
            if workers > 1:
                ex = _executor(workers, options, state)
            elif chunks:
                init_worker(options, str(state), in_child=False)
            with progress as advance:
                for n, done in enumerate(_completed(ex, workers, chunks, run_id), start=1):
                    manifest.append(done)
                    report.checked += len(done.outcomes)
                    if advance:
                        advance(len(done.outcomes))
                    if interrupt_after and n >= interrupt_after:
                        raise KeyboardInterrupt
        except KeyboardInterrupt:
            report.interrupted = True
        except cf.process.BrokenProcessPool:
            raise BatchError([Problem("batch", "", "a worker process died; completed chunks are kept, "
                                                    "run the same command again to resume")]) from None
        except OSError as e:     # disk full, output folder removed...: completed chunks are kept
            raise BatchError([Problem(e.filename or str(outdir), "", f"cannot write: {e.strerror}; completed "
                                                                     "chunks are kept, run again to resume")]) from None
        finally:
            if ex is not None:
                if report.interrupted:
                    _stop(ex)
                    _clean_temporaries(state)      # what a killed worker was writing
                else:
                    ex.shutdown(wait=True)
            manifest.close()
        if not report.interrupted:
            _assemble(outdir, items, unreadable, manifest)
    for it in items:
        o = manifest.entries.get(it.key)
        if o is None:
            report.all_certifiable = False
            continue
        report.invalid += o.status == "invalid"
        report.failed += o.status == "error"
        for v in o.verdicts.values():
            report.verdicts[v] = report.verdicts.get(v, 0) + 1
        report.all_certifiable = report.all_certifiable and o.status == "ok" and o.certifiable
    report.all_certifiable = report.all_certifiable and not unreadable
    report.seconds = time.perf_counter() - t0
    return report


def _completed(ex: cf.ProcessPoolExecutor | None, workers: int, chunks: list[list[Item]], run_id: str
               ) -> Iterator[ChunkDone]:
    names = [f"{run_id}-{i:06d}" for i in range(len(chunks))]
    if ex is None:
        for name, chunk in zip(names, chunks, strict=True):
            yield run_chunk(name, chunk)
        return
    # a bounded window of chunks in flight: results come back as they complete, memory stays flat
    window = 4 * workers
    pending: set[cf.Future] = set()
    it = iter(zip(names, chunks, strict=True))
    for name, chunk in it:
        pending.add(ex.submit(run_chunk, name, chunk))
        if len(pending) >= window:
            break
    while pending:
        done, pending = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
        for f in done:
            yield f.result()
        for name, chunk in it:
            pending.add(ex.submit(run_chunk, name, chunk))
            if len(pending) >= window:
                break
