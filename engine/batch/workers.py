"""The worker: loads and compiles the packs once per process, then checks chunks of dossiers."""
from __future__ import annotations

import contextlib
import ctypes
import gc
import io
import json
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .. import bounds, load
from ..assess import programs_for
from ..compact import compact_document, compact_results
from ..evaluate import check_many, compiled
from ..evaluate import evaluator as make_evaluator
from ..gcpause import collector_paused
from ..problems import InputError, Problem, printable
from ..result import document
from ..validate import dossier_from_bytes, dossier_from_data, parse_json
from .files import atomic_output, write_atomic
from .inputs import error_record
from .options import OUTCOMES, PARTS, PDF_DIR, VERDICTS, Checked, ChunkDone, Item, Options
from .outputs import pdf_name, summary_rows
from .tables import Rows, table_path


@dataclass
class _Worker:
    options: Options
    state: Path
    catalogue: object
    packs: dict
    known: list[str]
    engine: object
    renderer: Callable | None
    settled: bool = False       # the first chunk has run: what it loaded on first use is frozen too


_W: _Worker | None = None


def init_worker(options: Options, state: str, in_child: bool = True, parent: int | None = None,
                inherited_lock: int | None = None) -> None:
    """Load the catalogue and every pack, compile them and warm the engine: once per worker process."""
    global _W
    if in_child:
        signal.signal(signal.SIGINT, signal.SIG_IGN)     # the parent decides what an interrupt means
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        if inherited_lock is not None:
            # the output folder's lock is the parent's: a worker that outlived it must not keep the folder locked
            with contextlib.suppress(OSError):
                os.close(inherited_lock)
        if parent is not None:
            die_with_parent(parent)
    load.use_rules(options.rules)       # a spawned worker does not inherit the parent's --rules
    cat = load.catalogue()
    known = load.pack_ids()
    packs = {p: load.pack(p) for p in known}
    for p in packs.values():
        compiled(p)
    renderer = None
    if options.pdf:
        from .. import render  # WeasyPrint loads only when reports are asked for
        render.stylesheet()     # the font configuration and the parsed stylesheet, once per worker
        renderer = render.render_pdf
    _W = _Worker(options, Path(state), cat, packs, known, make_evaluator(options.engine), renderer)
    # What is loaded now lives as long as the worker: out of the cyclic collector's sight (measured: its
    # collections walked the packs, the catalogue and pint's registry, 70,000 objects, about 1,100 times per
    # 2,000 dossiers: 0.35 of 2.5 ms per dossier). run_chunk then collects once per chunk.
    gc.collect()
    gc.freeze()


def die_with_parent(parent: int) -> None:
    """End this worker when the batch's parent process ends, even by SIGKILL (which it cannot catch).

    Linux: the kernel's parent-death signal. Elsewhere: a thread that watches the parent's pid.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl")
    except (OSError, AttributeError):
        def watch():
            while os.getppid() == parent:
                time.sleep(1)
            os._exit(1)
        threading.Thread(target=watch, daemon=True, name="parkcert-parent-watch").start()
    if os.getppid() != parent:      # the parent died before the signal was armed
        os._exit(1)


PR_SET_PDEATHSIG = 1


def _load(item: Item, w: _Worker):
    """A file through the one dossier reader (JSON or XLSX, by content); a JSON Lines record as JSON."""
    shown = printable(item.key)
    if item.raw is None:
        raw = bounds.read_capped(Path(item.file), shown, bounds.MAX_DOSSIER_BYTES)
        return dossier_from_bytes(raw, shown, w.catalogue, w.known, packs=list(w.packs.values()))
    return dossier_from_data(parse_json(item.raw, item.key), item.raw, w.catalogue, w.known, shown=shown)


def _error(item: Item, e: Exception) -> Checked:
    problem = Problem(item.key, "", f"internal error while checking this dossier: {e.__class__.__name__}: {e}")
    return Checked(item.key, item.file, item.line, item.sha256, "error",
                   error=error_record(item.file, item.line, item.sha256, [problem], kind="error"))


def _invalid(item: Item, sha: str, e: InputError) -> Checked:
    return Checked(item.key, item.file, item.line, sha, "invalid", error=error_record(item.file, item.line, sha, e.problems))


def _read(item: Item, w: _Worker):
    """A dossier and the packs it is checked against, or what it gets instead (an invalid or error line)."""
    try:
        try:
            d = _load(item, w)
        except InputError as e:
            return _invalid(item, item.sha256, e)
        try:
            wanted = w.options.programs
            # as `check` does: `all` is every pack made for the zone's type
            packs = w.packs if not wanted or "all" in wanted else {p: w.packs[p] for p in wanted}
            return d, programs_for(d, wanted, packs)[0]
        except InputError as e:
            return _invalid(item, d.sha256, e)
    except Exception as e:  # noqa: BLE001 - one dossier's failure must not stop the batch; it is reported
        return _error(item, e)


def _check_one(item: Item, d, results, outdir: Path, tables: Rows) -> tuple[Checked, str | None]:
    """One dossier's outputs from its results (or the exception checking it raised). Nothing raised here stops the batch."""
    orow, vrow = tables.outcome_count(), len(tables)
    try:
        return _outputs(item, d, results, outdir, tables)
    except Exception as e:  # noqa: BLE001 - one dossier's failure must not stop the batch; it is reported
        tables.truncate(orow, vrow)      # rows it may have half added
        return _error(item, e), None


def _outputs(item: Item, d, results, outdir: Path, tables: Rows) -> tuple[Checked, str | None]:
    w = _W
    data, raw, sha = d.data, d.raw, d.sha256
    try:
        if isinstance(results, Exception):
            raise results
        full = None
        if w.options.full or w.renderer is not None:
            full = document(results, w.engine.name)
            compact = compact_document(full)
        else:
            # the compact form and the tables need no full document (measured: a quarter of the worker's time)
            compact = compact_results(results, w.engine.name)
        if w.options.full:
            # ASCII-escaped: 40 % faster to write than `check --format json`, the same document
            line = json.dumps(full, separators=(",", ":"), check_circular=False, allow_nan=False)
        else:
            line = json.dumps(compact, separators=(",", ":"), check_circular=False, ensure_ascii=False,
                              allow_nan=False)
        pdf = None
        if w.renderer is not None:
            rendered = w.renderer(full, raw, data, w.options.lang, None)
            pdf = f"{PDF_DIR}/{pdf_name(full, w.options.lang)}"
            (outdir / PDF_DIR).mkdir(exist_ok=True)
            with atomic_output(outdir / pdf) as fh:
                fh.write(rendered.pdf)
    except InputError as e:   # a value only a pack can judge (a zone attribute it does not know): bad input
        return _invalid(item, sha, e), None
    rows = summary_rows(compact, w.packs, pdf)
    for r in rows:
        r[1], r[2] = printable(item.file), item.line
    verdicts = {p["program"]: p["verdict"] for p in compact["programs"]}
    ok = all(v == "certifiable" for v in verdicts.values())
    orow, vrow = tables.outcome_count(), len(tables)
    olen, vlen = tables.add(compact, w.packs, printable(item.file), item.line)
    return Checked(item.key, item.file, item.line, sha, "ok", certifiable=ok, verdicts=verdicts, rows=rows,
                   pdf=pdf, orow=orow, olen=olen, vrow=vrow, vlen=vlen), line


GROUP_BYTES = 32 * 1024 * 1024     # dossier bytes held parsed at once: a chunk of 64 files of 8 MB is checked in parts


def _groups(items: list[Item], w: _Worker):
    """The chunk's items, read, in groups of at most GROUP_BYTES of dossiers (or one larger dossier)."""
    group, size = [], 0
    for item in items:
        r = _read(item, w)
        group.append((item, r))
        size += 0 if isinstance(r, Checked) else len(r[0].raw)
        if size >= GROUP_BYTES:
            yield group
            group, size = [], 0
    if group:
        yield group


def run_chunk(name: str, items: list[Item]) -> ChunkDone:
    """Check a chunk of dossiers; their result lines reach the disk (atomically) before this returns.

    The chunk's dossiers are read first and checked together (`check_many`: the rule engine sees
    them all at once); each then gets its outputs, or its own invalid or error line.
    """
    t0 = time.perf_counter()
    # no cyclic collection while a chunk is checked, one after it (measured: the young collections kept walking
    # the chunk's live results, 0.1 ms per dossier; the one collection after a chunk, a few µs per dossier)
    with collector_paused():
        done = _run_chunk(name, items, t0)
    if not _W.settled:
        # What the first chunk loaded on first use (openpyxl, PIL, pyarrow.compute, caches: 20,000 objects) lives
        # as long as the worker, as what init_worker loaded does: frozen the same way (measured: the collection
        # after each chunk walked them, 4 ms a chunk; later chunks leave nothing behind for it to walk).
        gc.freeze()
        _W.settled = True
    return done


def _run_chunk(name: str, items: list[Item], t0: float) -> ChunkDone:
    w = _W
    state = w.state
    outdir = state.parent
    outcomes, buffer, pos, tables = [], io.BytesIO(), 0, Rows()
    for group in _groups(items, w):
        todo = [r for _, r in group if not isinstance(r, Checked)]
        # the compact form and the tables show no levers; --full and the PDF report do
        checked = iter(check_many(todo, w.catalogue, as_of=w.options.as_of, engine=w.engine,
                                  remedies=w.options.full or w.renderer is not None))
        for item, r in group:
            if isinstance(r, Checked):
                o, line = r, None
            else:
                o, line = _check_one(item, r[0], next(checked), outdir, tables)
            if line is not None:
                data = line.encode("utf-8") + b"\n"
                o.offset, o.length = pos, len(data)
                buffer.write(data)
                pos += len(data)
            outcomes.append(o)
    part = None
    if pos:
        part = f"{PARTS}/{name}.jsonl"
        # the tables first: a part file that exists always has its tables beside it
        tables.write(table_path(outdir, state, part, OUTCOMES), table_path(outdir, state, part, VERDICTS),
                     [o for o in outcomes if o.orow is not None])
        write_atomic(state / part, buffer.getvalue(), sync=False)      # the run syncs it before the manifest names it
    return ChunkDone(part, outcomes, time.perf_counter() - t0)


def ping(_=None) -> int:
    return os.getpid()
