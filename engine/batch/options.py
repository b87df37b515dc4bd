"""What a batch run is given and what crosses the process boundary: options, items, per-dossier records."""
from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass, field

from .. import __version__, load
from ..problems import InputError, Problem

STATE_DIR = ".parkcert"
MANIFEST = "manifest.jsonl"
PARTS = "parts"
RESULTS, SUMMARY, ERRORS = "results.jsonl", "summary.csv", "errors.jsonl"
OUTCOMES, VERDICTS = "outcomes", "verdicts"     # flat tables: .parquet and .csv each
ASSEMBLED_TABLES = tuple(f"{t}.{ext}" for t in (OUTCOMES, VERDICTS) for ext in ("parquet", "csv"))
PDF_DIR = "pdf"
# verdict: the pack's own words (CTIP: "TARGETS NOT MET: second tranche withheld"); verdict_code: the stable code
SUMMARY_COLUMNS = ["zone_id", "file", "line", "dossier_sha256", "program", "verdict", "pass", "fail", "missing",
                   "not_applicable", "blocking", "worst_gaps", "pdf", "verdict_code", "verdict_zh"]
OUTPUT_FORMAT = "6"       # part of the rules key: a run with outputs of another shape checks everything again
CSV_ENCODING = "utf-8-sig"    # a BOM: Excel on a Chinese Windows reads the CSVs as UTF-8, not GBK
WORST_GAPS = 3


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
    full: bool = False                    # results.jsonl holds full result documents, not the compact form


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
    orow: int | None = None               # its rows in the part's outcomes and verdicts tables
    olen: int | None = None
    vrow: int | None = None
    vlen: int | None = None
    ocsv: list[int] | None = None         # [offset, length] of its rows' bytes in the part's outcomes and verdicts CSV
    vcsv: list[int] | None = None


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
    verdicts: dict[tuple[str, str], int] = field(default_factory=dict)    # (program, verdict code) -> dossiers
    folders: dict[str, int] = field(default_factory=dict)                  # dossiers found per folder (or stream)
    all_certifiable: bool = True
    interrupted: bool = False
    seconds: float = 0.0


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
    parts = [__version__, OUTPUT_FORMAT, cat.sha256, options.engine or os.environ.get("PARKCERT_ENGINE", "durable"),
             ",".join(options.programs), str(options.as_of), str(options.pdf), options.lang, f"full={options.full}"]
    parts += [f"{p.id}={p.files_sha256}" for p in sorted(packs, key=lambda p: p.id)]
    h.update("\n".join(parts).encode())
    return h.hexdigest()
