"""The cyclic garbage collector paused around work that keeps a large graph of objects alive while it runs.

Every collection during such work walks the whole live graph again (a report's box tree, a batch chunk's
results); one collection after it is cheap. The callers give their measurements.
"""
from __future__ import annotations

import contextlib
import gc


@contextlib.contextmanager
def collector_paused(then: int = 2):
    """No cyclic collection inside; one collection of the generations up to `then` after. A caller that has
    turned the collector off itself keeps it off (and collects when it decides)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect(then)
