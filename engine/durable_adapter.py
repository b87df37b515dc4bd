"""durable_rules behind one small, guarded door.

The C core of durable_rules 2.0.28 has sharp edges, measured here
(../shared/notes/durable-rules.md); each guard below answers one of them:

- engine.Host starts timer threads that segfault with interleaved sessions:
  we never create a Host; rulesets are driven through the C module directly.
- a ruleset holds at most 1024 live sessions and is then poisoned: one
  process-wide lock, one uuid session per evaluation, deleted in `finally`.
- numbers written as strings compare as text, floats like `1e-05` fail to
  parse, NaN becomes null: every value is a finite float, |x| < 1e15, written
  with a fraction before any exponent.
- integer division by zero kills the process: compiled rules hold no arithmetic.
- an empty batch segfaults, absence tests are order-dependent: one fact per
  dossier, asserted alone; missing values are absent attributes.
- exceptions in actions are swallowed: there are no Python actions; the
  fired rule names are read back from the engine's action queue.
- rulesets are never freed: one per compiled pack version per process.
"""
from __future__ import annotations

import math
import threading
import uuid

import durable_rules_engine as _core

from .compile import CompiledPack

MAX_MAGNITUDE = 1e15


class EngineError(RuntimeError):
    """durable_rules refused or mis-handled an evaluation."""


def number(x: float) -> str:
    """A float as durable_rules' JSON parser accepts it."""
    x = float(x)
    if not math.isfinite(x) or abs(x) >= MAX_MAGNITUDE:
        raise EngineError(f"value {x!r} cannot be sent to durable_rules (non-finite or ≥ 1e15)")
    text = repr(x)
    if "e" in text:
        mantissa, exponent = text.split("e")
        if "." not in mantissa:
            text = f"{mantissa}.0e{exponent}"
    return text


def to_json(obj) -> str:
    """JSON text with every number written by `number` (json.dumps would write 1e-05)."""
    if isinstance(obj, dict):
        return "{" + ",".join(f"{to_json(str(k))}:{to_json(v)}" for k, v in obj.items()) + "}"
    if isinstance(obj, list):
        return "[" + ",".join(to_json(v) for v in obj) + "]"
    if isinstance(obj, bool) or obj is None:
        raise EngineError("booleans and nulls are not sent to durable_rules")
    if isinstance(obj, (int, float)):
        return number(obj)
    if isinstance(obj, str):
        if '"' in obj or "\\" in obj:
            raise EngineError(f"unexpected character in {obj!r}")
        return f'"{obj}"'
    raise EngineError(f"cannot send {type(obj).__name__} to durable_rules")


class DurableEvaluator:
    name = "durable_rules"
    _lock = threading.Lock()           # one live session per process, whatever the caller does
    _handles: dict[str, int] = {}

    def _handle(self, pack: CompiledPack) -> int:
        handle = self._handles.get(pack.name)
        if handle is None:
            handle = _core.create_ruleset(pack.name, to_json(pack.durable_definition()))
            self._handles[pack.name] = handle
        return handle

    def evaluate(self, pack: CompiledPack, values: dict[str, float]) -> dict[str, str]:
        present = {k: v for k, v in values.items() if v is not None}
        if not present:
            return {}
        with self._lock:
            handle = self._handle(pack)
            sid = uuid.uuid4().hex
            fact = '{"sid":"%s",%s}' % (sid, ",".join(f'"{k}":{number(v)}' for k, v in present.items()))
            fired: dict[str, str] = {}
            created = False
            try:
                code, state_handle = _core.assert_fact(handle, fact)[:2]
                created = True
                if code == 1:      # no rule matched at all
                    return {}
                if code != 0:
                    raise EngineError(f"durable_rules returned code {code} for the dossier fact")
                message = _core.start_action_for_state(handle, state_handle)
                message = message[1] if message else None
                while message:
                    rule_id, outcome, _ = message[2:message.index('"', 2)].split("|")
                    if rule_id in fired:
                        raise EngineError(f"rule {rule_id} fired twice")
                    fired[rule_id] = outcome
                    message = _core.complete_and_start_action(handle, state_handle)
            except _core.error as exc:
                raise EngineError(f"durable_rules failed: {exc}") from None
            finally:
                if created:
                    _core.delete_state(handle, sid)
            return fired
