"""Runs checks and PDF renders in two bounded process pools, each job with a time limit.

Checks and renders have pools of their own, so a burst of PDFs (≈1 s each) cannot hold up checks (a few ms).
A job over its time limit gets 503 and pebble replaces its process, so the worker is really freed; the render
queue is bounded too (503 when full). durable_rules runs in the pool processes as in the CLI: one lock and one
session per dossier in each process.
"""
from __future__ import annotations

import asyncio
import multiprocessing
import threading

from pebble import ProcessExpired, ProcessPool

from ..load import rules_dirs
from . import jobs
from .errors import BadInput, Busy
from .settings import Settings

_CONTEXT = None


def _context():
    """Pool processes fork from a clean server started once, with the engine and the renderer imported."""
    global _CONTEXT
    if _CONTEXT is None:
        _CONTEXT = multiprocessing.get_context("forkserver")
        _CONTEXT.set_forkserver_preload(["engine.web.jobs", "engine.web.views", "engine.render", "weasyprint"])
    return _CONTEXT


class Service:
    def __init__(self, settings: Settings):
        self.settings = settings
        init = (tuple(str(d) for d in (*settings.rules_dirs, *rules_dirs())), settings.engine)
        self.checks = ProcessPool(max_workers=settings.check_processes, initializer=jobs.init, initargs=init,
                                  context=_context())
        self.renders = ProcessPool(max_workers=settings.render_processes, initializer=jobs.init, initargs=init,
                                   context=_context())
        self._render_slots = threading.BoundedSemaphore(settings.render_processes + settings.render_queue)

    def close(self) -> None:
        for pool in (self.checks, self.renders):
            pool.stop()
            pool.join(timeout=10)

    async def _run(self, pool: ProcessPool, timeout: float, what: str, fn, *args):
        future = pool.schedule(fn, args, timeout=timeout)
        try:
            status, payload = await asyncio.wrap_future(future)
        except TimeoutError:
            raise Busy(f"{what} took longer than the limit of {timeout:g} s and was stopped; nothing was kept. "
                       "A dossier this slow to check is unusual: try again, or check it with the parkcert command.") from None
        except ProcessExpired as e:
            raise Busy(f"{what} stopped unexpectedly (exit code {e.exitcode}); nothing was kept. Try again.") from None
        except asyncio.CancelledError:
            future.cancel()      # the client went away: stop the job, free the process
            raise
        if status == "bad":
            raise BadInput(payload)
        return payload

    async def check(self, fn, *args):
        return await self._run(self.checks, self.settings.check_timeout_s, "The check", fn, *args)

    async def render(self, *args, job_fn=None) -> bytes:
        """A PDF in the render pool: jobs.report_pdf, or another job of the same shape (the workspace's reviewed
        report, engine.workspace.results.render_reviewed)."""
        if not self._render_slots.acquire(blocking=False):
            raise Busy(f"{self.settings.render_processes + self.settings.render_queue} PDF reports are being made "
                       "or waiting; try again in a few seconds.", retry_after=10)
        try:
            return await self._run(self.renders, self.settings.render_timeout_s, "Making the PDF report",
                                   job_fn or jobs.report_pdf, *args)
        finally:
            self._render_slots.release()
