"""Files a batch writes: atomic replacement, and the manifest that makes a run resumable."""
from __future__ import annotations

import contextlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..problems import Problem
from .options import ASSEMBLED_TABLES, MANIFEST, PARTS, RESULTS, BatchError, Checked, ChunkDone, Item


def write_atomic(path: Path, data: bytes, sync: bool = True) -> None:
    with atomic_output(path, sync=sync) as fh:
        fh.write(data)


@contextlib.contextmanager
def atomic_output(path: Path, mode: str = "wb", sync: bool = True, **kw):
    """Stream into a temporary file beside `path`; it replaces `path` only once complete and (unless sync=False:
    the caller syncs it later, as `sync_files` does for a chunk's parts) synced."""
    out = AtomicFile(path, mode, **kw)
    try:
        yield out.fh
    except BaseException:
        out.discard()
        raise
    out.commit(sync)


class AtomicFile:
    """A file written under a temporary name beside `path` (or in `folder`, on the same file system): `commit` puts
    it in place (synced first), `discard` removes it. What `atomic_output` does in one block, for a file written over
    a whole run (`outputs.Assembly`)."""

    def __init__(self, path: Path, mode: str = "wb", folder: Path | None = None, opener=open, **kw):
        self.path = path
        self.tmp = (folder or path.parent) / f".{path.name}.{os.getpid()}.part"
        self.fh = opener(self.tmp, mode, **kw)

    def commit(self, sync: bool = True) -> None:
        try:
            with self.fh:
                self.fh.flush()
                if sync:
                    os.fsync(self.fh.fileno())
            os.replace(self.tmp, self.path)
        except BaseException:
            self.discard()
            raise

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            self.fh.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.tmp)


class Copies:
    """Stretches of other files' bytes appended to an open file by the kernel (os.copy_file_range). A stretch that
    continues the previous one is copied with it: one call per run of neighbouring stretches, not one per dossier."""

    def __init__(self, fd: int, at: int, shorter: Problem):
        self.fd, self.at, self.shorter = fd, at, shorter     # shorter: what to say when a source ends early
        self._pending: list | None = None             # [source, offset, length] not yet copied

    def add(self, source: int, offset: int, length: int) -> int:
        """Queue `length` bytes of `source` at `offset`; returns where they will start in the file."""
        start = self.at
        self.at += length
        p = self._pending
        if p and p[0] == source and p[1] + p[2] == offset:
            p[2] += length
        else:
            self.flush()
            self._pending = [source, offset, length]
        return start

    def flush(self) -> None:
        """Copy what is queued (before a source is closed)."""
        if not self._pending:
            return
        source, offset, length = self._pending
        self._pending = None
        done = 0
        while done < length:
            n = os.copy_file_range(source, self.fd, length - done, offset + done)
            if n == 0:
                raise BatchError([self.shorter])
            done += n


def sync_files(paths: list[Path]) -> None:
    """Make files written with sync=False durable, and their names (the folder holding them) too.

    A chunk's part files are synced here by the run's parent before the manifest names them, not by the worker
    that wrote them: the parent is waiting anyway, the workers are the run's critical path (measured: five
    fsyncs per chunk were about 10 ms of each chunk's wall time)."""
    for p in [*paths, *{p.parent for p in paths}]:
        fd = os.open(p, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


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
        """results.jsonl's size and identity, and those of the tables assembled with it (all must be there)."""
        ids = []
        for name in (RESULTS, *ASSEMBLED_TABLES):
            try:
                st = (self.state.parent / name).stat()
            except OSError:
                return None
            ids.append([st.st_size, st.st_mtime_ns, st.st_ino])
        return {"size": ids[0][0], "files": ids}

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
        # ASCII: a key may hold a lone surrogate (a file name that is not UTF-8), which UTF-8 cannot encode
        return json.dumps({"rules": self.rules, "part": part, "outcomes": [vars(o) for o in outcomes]},
                          ensure_ascii=True, allow_nan=False).encode("utf-8") + b"\n"

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

    @staticmethod
    def encode(records: list[dict]) -> str:
        """Dossiers' records (`vars` of their Checked) as `rewrite` writes them: a piece of the list without its
        brackets, so that pieces joined with ", " are the list encoded at once."""
        return json.dumps(records, ensure_ascii=True, allow_nan=False)[1:-1]

    def rewrite(self, items: list[Item], encoded: list[str] | None = None) -> None:
        """After assembly: one line for the current dossiers, pointing into the new results.jsonl; parts removed.

        `encoded`: their records already encoded (`encode`), in input order; the assembly encodes them as it writes
        the outputs, during the run (measured: encoding them here was 0.3 s of the national run's serial tail)."""
        self.close()
        self.assembled = self._results_identity()
        if encoded is None:
            encoded = [self.encode([vars(self.entries[it.key]) for it in items if it.key in self.entries])]
        head = json.dumps({"rules": self.rules, "part": RESULTS, "outcomes": []})[:-2]      # up to the list's "["
        with atomic_output(self.path) as fh:
            fh.write(json.dumps({"rules": self.rules, "assembled": self.assembled}).encode() + b"\n")
            fh.write(f"{head}{', '.join(e for e in encoded if e)}]}}\n".encode())
        for it in items:
            self.parts[it.key] = RESULTS
        remove_all(list((self.state / PARTS).glob("*")))


def remove_all(paths: list[Path]) -> None:
    """Remove files, those already gone or not removable left alone; eight at a time (measured here: an unlink
    waited about 3 ms on the file system's journal, so removing a national run's 1,225 parts took a serial 3.3 s;
    eight threads at once, 0.3 ms each)."""
    def remove(p: Path) -> None:
        with contextlib.suppress(OSError):
            p.unlink()
    if len(paths) < 8:
        for p in paths:
            remove(p)
        return
    with ThreadPoolExecutor(8, thread_name_prefix="parkcert-remove") as ex:
        list(ex.map(remove, paths))
