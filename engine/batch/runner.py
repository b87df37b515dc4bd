"""The run: collect inputs, skip what is up to date, chunks to worker processes, manifest, assembly."""
from __future__ import annotations

import concurrent.futures as cf
import contextlib
import fcntl
import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from ..problems import Problem
from .files import Manifest, sync_files
from .inputs import collect, per_folder
from .options import OUTCOMES, PARTS, PDF_DIR, STATE_DIR, VERDICTS, BatchError, ChunkDone, Item, Options, Report, rules_key
from .outputs import Assembly, assemble
from .pool import Pool
from .tables import table_path
from .workers import init_worker, ping, run_chunk

MAX_CHUNK = 64
MAX_CHUNK_PDF = 4         # a report takes seconds: smaller chunks keep the progress bar and the resume point fresh
INTERRUPT_AFTER_ENV = "PARKCERT_BATCH_INTERRUPT_AFTER"   # tests: simulate Ctrl-C after this many chunks


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
    """The output folder's lock, held by this process only (workers close their copy), so that it is free as soon
    as this process ends, however it ends; a lock left by a killed batch is simply taken. Yields its descriptor."""
    state.mkdir(parents=True, exist_ok=True)
    with open(state / "lock", "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.seek(0)
            holder = fh.read().strip()[:20]
            who = f" (process {holder})" if holder.isdigit() else ""
            raise BatchError([Problem(str(state.parent), "", f"another batch{who} is writing to this folder")]) from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        yield fh.fileno()


def _clean_temporaries(state: Path) -> None:
    """Temporary files of an interrupted run (a killed worker cannot remove its own, nor a killed run the outputs
    it was writing in the state folder)."""
    outdir = state.parent
    for f in [*(state / PARTS).glob(".*.part"), *state.glob(".*.part"), *outdir.glob(".*.part"),
              *(outdir / PDF_DIR).glob(".*.part")]:
        with contextlib.suppress(OSError):
            f.unlink()


def _executor(jobs: int, options: Options, state: Path, lock: int) -> cf.ProcessPoolExecutor:
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    # workers die with this process (even SIGKILLed) and do not hold the folder's lock
    ex = cf.ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context(method),
                                initializer=init_worker,
                                initargs=(options, str(state), True, os.getpid(), lock if method == "fork" else None))
    # start every worker now, before any progress-bar thread exists (fork is only safe without threads)
    list(ex.map(ping, range(jobs)))
    return ex


def _unique(items: list[Item]) -> list[Item]:
    return list({it.key: it for it in reversed(items)}.values())[::-1]


def run(inputs: list[str], outdir: Path, options: Options, jobs: int = 1, chunk_size: int | None = None,
        progress_factory: Callable | None = None, stdin=None, patterns: tuple[str, ...] = ()) -> Report:
    """Check every input dossier; see the module docstring. Raises BatchError when nothing can be done."""
    t0 = time.perf_counter()
    rules = rules_key(options)
    items, unreadable = collect(inputs, stdin, patterns, exclude=[outdir])
    items = _unique(items)                    # the same dossier given twice is checked once
    if not items:
        found = [Problem(r["file"], "", r["problems"][0]["message"]) for r in unreadable]
        raise BatchError(found or [Problem("inputs", "", "no dossiers found")])
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise BatchError([Problem(str(outdir), "", f"cannot create the output folder: {e.strerror}")]) from None
    state = outdir / STATE_DIR
    report = Report(total=len(items), unreadable=len(unreadable), folders=per_folder(items))
    with _locked(state) as lock, _terminate_as_interrupt():
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
        pool = stream = None
        pending = {it.key for it in todo}
        finished = False
        try:
            if jobs > 1 and chunks:
                # worker processes even for one chunk: a dossier that kills its worker cannot take the run down
                pool = Pool(lambda: _executor(workers, options, state, lock), workers)
            elif chunks:
                init_worker(options, str(state), in_child=False)
            with progress as advance:
                for n, done in enumerate(_completed(pool, chunks, run_id), start=1):
                    if done.part is not None:
                        sync_files([state / done.part, *(table_path(outdir, state, done.part, t, ext)
                                                         for t in (OUTCOMES, VERDICTS) for ext in ("parquet", "csv"))])
                    manifest.append(done)
                    pending.difference_update(o.key for o in done.outcomes)
                    if stream is None and done.part is not None:
                        # A new result line, so the outputs will be assembled anew (not `Manifest.in_place`): they
                        # are written in input order as the results arrive, not all after the last chunk. Measured
                        # on the national run: the serial tail 3.8-4.4 → 0.9-1.2 s, for 3 s more of the parent's
                        # CPU while both workers run (about 1.5 s of their wall time on 2 cores).
                        stream = Assembly(outdir, items, unreadable, manifest)
                    if stream is not None:
                        stream.advance(pending)
                    report.checked += len(done.outcomes)
                    if advance:
                        advance(len(done.outcomes))
                    if interrupt_after and n >= interrupt_after:
                        raise KeyboardInterrupt
            finished = True
        except KeyboardInterrupt:
            report.interrupted = True
        except OSError as e:     # disk full, output folder removed...: completed chunks are kept
            raise BatchError([Problem(e.filename or str(outdir), "", f"cannot write: {e.strerror}; completed "
                                                                     "chunks are kept, run again to resume")]) from None
        finally:
            if pool is not None:
                if report.interrupted:
                    pool.stop()
                    _clean_temporaries(state)      # what a killed worker was writing
                else:
                    pool.shutdown()
            manifest.close()
            if stream is not None and not finished:
                stream.discard()          # the outputs stay as they were
        if not report.interrupted:
            assemble(outdir, items, unreadable, manifest, stream)
    for it in items:
        o = manifest.entries.get(it.key)
        if o is None:
            report.all_certifiable = False
            continue
        report.invalid += o.status == "invalid"
        report.failed += o.status == "error"
        for program, v in o.verdicts.items():
            report.verdicts[program, v] = report.verdicts.get((program, v), 0) + 1
        report.all_certifiable = report.all_certifiable and o.status == "ok" and o.certifiable
    report.all_certifiable = report.all_certifiable and not unreadable
    report.seconds = time.perf_counter() - t0
    return report


def _completed(pool: Pool | None, chunks: list[list[Item]], run_id: str) -> Iterator[ChunkDone]:
    names = [f"{run_id}-{i:06d}" for i in range(len(chunks))]
    if pool is None:
        for name, chunk in zip(names, chunks, strict=True):
            yield run_chunk(name, chunk)
        return
    yield from pool.completed(list(zip(names, chunks, strict=True)))
