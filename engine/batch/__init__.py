"""Batch evaluation: many dossiers, every program, in parallel, resumable.

    inputs ──collect──▶ Items (file or JSON Lines record, sha256)
    Items − up to date (manifest: same sha256, same rules key) ──chunks──▶ worker processes
    worker: read → validate → check → result document (+ PDF) ──▶ OUTDIR/.parkcert/parts/<chunk>.jsonl (atomic)
    parent: one manifest line per completed chunk (appended, fsync'd) ──▶ progress
    worker: … and the chunk's outcomes/verdicts rows ──▶ parts/<chunk>.outcomes.parquet, .verdicts.parquet (before the .jsonl)
    parent: … and results.jsonl, the outcomes/verdicts tables, summary.csv, errors.jsonl written in input order as
            the chunks complete, under temporary names in .parkcert (a killed run's are removed by the next)
    end:    the rest written, each output put in place (atomic); the manifest then points into results.jsonl and the
            tables themselves and the parts are removed (one copy of the results on disk)

Workers are long-lived: each loads the catalogue and the packs and compiles them
once (initializer). A chunk's results reach the disk before its manifest line,
so the manifest only ever names complete part files. An interrupt (Ctrl-C)
stops the workers and leaves the outputs as they were; the next run skips
every dossier the manifest already holds and assembles complete outputs.

Modules: `options` (what a run is given, what crosses the process boundary, the rules key),
`inputs` (collecting items), `workers` (checking chunks in a worker process), `files` (atomic
writes, the manifest), `tables` (flat outcomes and verdicts, Parquet and CSV), `outputs` (assembling
results.jsonl, the tables, summary.csv, errors.jsonl), `pool` (worker processes that outlast a dossier
which kills or hangs one), `runner` (the run).
"""
from .files import Manifest, atomic_output
from .inputs import collect
from .options import BatchError, Checked, ChunkDone, Item, Options, Report, rules_key
from .outputs import pdf_name, summary_rows
from .runner import run
from .workers import init_worker, run_chunk

__all__ = ["BatchError", "Checked", "ChunkDone", "Item", "Manifest", "Options", "Report", "atomic_output", "collect",
           "init_worker", "pdf_name", "rules_key", "run", "run_chunk", "summary_rows"]
