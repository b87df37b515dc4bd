"""Worker processes that outlast a dossier which kills or hangs its worker.

Chunks go to a process pool with a bounded window in flight. When a worker dies (a crash in durable_rules'
C core, the out-of-memory killer) or nothing completes within the time budget, the pool is replaced and the
chunks that were in flight are checked again one dossier at a time, each alone in the pool with the budget
of one dossier: the dossier responsible becomes an error line of its own, and the run goes on.
"""
from __future__ import annotations

import concurrent.futures as cf
import contextlib
import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures.process import BrokenProcessPool

from ..problems import Problem
from .inputs import error_record
from .options import Checked, ChunkDone, Item
from .workers import run_chunk

DOSSIER_SECONDS_ENV = "PARKCERT_BATCH_DOSSIER_SECONDS"
DOSSIER_SECONDS = 300      # one dossier takes milliseconds, with its PDF a few seconds


def stop(ex: cf.ProcessPoolExecutor) -> None:
    """Stop now: pending chunks are cancelled, running ones killed (their parts were never named in the manifest)."""
    processes = list((getattr(ex, "_processes", None) or {}).values())
    ex.shutdown(wait=False, cancel_futures=True)
    for p in processes:
        with contextlib.suppress(Exception):
            p.terminate()
    for p in processes:      # they may still be writing into the folder: wait until they are gone
        with contextlib.suppress(Exception):
            p.join(timeout=10)
    # Seen once in CI under load: an interrupted batch printed its summary and never exited — the interpreter's
    # exit waits for every child, and a worker that outlived SIGTERM (a handler of the parent's still in place
    # before its initializer ran turns it into an exception the pool catches) kept it waiting. None survives this.
    for p in processes:
        with contextlib.suppress(Exception):
            if p.is_alive():
                p.kill()
                p.join(timeout=5)


class Pool:
    """A process pool that is replaced, not given up, when a dossier kills or hangs a worker."""

    def __init__(self, make: Callable[[], cf.ProcessPoolExecutor], workers: int):
        self.make, self.workers = make, workers
        self.budget = float(os.environ.get(DOSSIER_SECONDS_ENV) or DOSSIER_SECONDS)
        self.ex = make()

    def stop(self) -> None:
        stop(self.ex)

    def shutdown(self) -> None:
        self.ex.shutdown(wait=True)

    def _restart(self) -> None:
        stop(self.ex)
        self.ex = self.make()

    def completed(self, named: list[tuple[str, list[Item]]]) -> Iterator[ChunkDone]:
        """Each chunk's result as it completes (a bounded window in flight: memory stays flat)."""
        queue = deque(named)
        window = 4 * self.workers
        inflight: dict[cf.Future, tuple[str, list[Item]]] = {}
        while queue or inflight:
            while queue and len(inflight) < window:
                name, chunk = queue.popleft()
                inflight[self.ex.submit(run_chunk, name, chunk)] = (name, chunk)
            longest = max(len(chunk) for _, chunk in inflight.values())
            done, _ = cf.wait(inflight, timeout=self.budget * longest, return_when=cf.FIRST_COMPLETED)
            broken = not done                       # nothing finished in time: a worker is stuck
            for f in done:
                try:
                    result = f.result()
                except BrokenProcessPool:
                    broken = True
                    continue
                del inflight[f]
                yield result
            if broken:
                suspects = list(inflight.values())
                inflight.clear()
                self._restart()
                for name, chunk in suspects:
                    for i, item in enumerate(chunk):
                        yield self._alone(f"{name}-{i:03d}", item)

    def _alone(self, name: str, item: Item) -> ChunkDone:
        """One dossier alone in the pool: its result, or an error line naming what it did to its worker."""
        future = self.ex.submit(run_chunk, name, [item])
        try:
            return future.result(timeout=self.budget)
        except BrokenProcessPool:
            why = "its worker process died while checking it (a crash, or out of memory)"
        except cf.TimeoutError:
            why = f"checking it took longer than {self.budget:g} s ({DOSSIER_SECONDS_ENV})"
        self._restart()
        problem = Problem(item.key, "", f"internal error: {why}; the other dossiers were checked")
        return ChunkDone(None, [Checked(item.key, item.file, item.line, item.sha256, "error",
                                        error=error_record(item.file, item.line, item.sha256, [problem],
                                                           kind="error"))], 0.0)
