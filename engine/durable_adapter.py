"""durable_rules behind one small, guarded door.

The C core of durable_rules 2.0.28 has sharp edges, measured here
(../shared/notes/durable-rules.md); each guard below answers one of them:

- engine.Host starts timer threads that segfault with interleaved sessions:
  we never create a Host; rulesets are driven through the C module directly.
- a ruleset holds at most 1024 live sessions and is then poisoned: one
  process-wide lock, one new session per evaluation, deleted in `finally`
  (or, with session="reuse", one session whose fact is retracted and checked gone).
- deleting a session whose fact matched no rule at all (assert code 1) crashes
  the process (free(): invalid pointer; measured here with packs of declared
  targets): a sentinel rule matches every dossier fact, and a session that
  matched nothing is never deleted.
- numbers written as strings compare as text, floats like `1e-05` fail to
  parse, NaN becomes null: every value is a finite float, |x| < 1e15, written
  with a fraction before any exponent.
- integer division by zero kills the process: compiled rules hold no arithmetic.
- an empty batch segfaults, absence tests are order-dependent: one fact per
  dossier, asserted alone; missing values are absent attributes.
- exceptions in actions are swallowed: there are no Python actions; the
  fired rule names are read back from the engine's action queue.
- every fired action comes back with the whole fact as JSON text: attributes
  get short codes (a0, a1, …) and actions fixed-width names (r0000 …), which
  also makes reading an action a slice and a dict lookup.
- rulesets are never freed: one per compiled pack version per process.

Many dossiers at once (`evaluate_many`, measured in ../shared/notes/durable-rules.md, "Batching"):

- one action round trip per fired rule and dossier is most of the cost: every rule has `cap`,
  so one action delivers every dossier of a session it matched; dossiers are facts of one
  session (`assert_facts` of up to MAX_FACTS), told apart by an `id` attribute.
- identical facts raise MessageObservedException, and a fact's identity is the 32-bit FNV-1a
  hash of its id: ids are "0000" … "4095", whose hashes are distinct (checked in the tests).
- `cap` is an unsigned short in the C core: a session holds at most MAX_FACTS dossiers, which is
  also every rule's cap; a rule that comes back in several actions anyway has them merged.
- a batch whose text fails to parse part-way returned code 0, having matched only the facts before
  the error (measured): every dossier's id must come back exactly once through the sentinel, else
  the batch has failed.
- a batch that raises was partly processed and ran no action: it is discarded (its session
  deleted) and each of its dossiers evaluated alone, so only the culprit gets an EngineError.
- `assert_facts` of an empty array segfaults: dossiers without a value never reach the engine,
  and a batch with no fact is not sent.
"""
from __future__ import annotations

import contextlib
import itertools
import math
import os
import re
import threading
from dataclasses import dataclass

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


def fact_body(values: dict[str, float], codes: dict[str, str] | None = None) -> str | None:
    """The dossier's values as the members of one JSON object, without braces; None when no value is present.

    Every value is a finite float below 1e15 in magnitude, written by `repr` (the shortest text that reads
    back as the same double), or by `number` where repr would write a bare exponent (|x| < 1e-4).
    With `codes`, attributes are renamed (metric name → short code) and those no rule reads are left out.
    """
    if codes is not None:
        text = ",".join([f'"{codes[k]}":{float(v)!r}' for k, v in values.items() if v is not None and k in codes])
        # the usual case, checked on the text (codes hold no "e" or "n"): no exponent, nan or inf, and no
        # integer part of 16 digits (≥ 1e15); anything else is written value by value below
        if "e" not in text and "n" not in text and not _HUGE.search(text):
            return text or None
        present = {codes[k]: float(v) for k, v in values.items() if v is not None and k in codes}
    else:
        present = {k: float(v) for k, v in values.items() if v is not None}
    if not present:
        return None
    vals = present.values()
    total = sum(vals)
    if total - total != 0 or max(map(abs, vals)) >= MAX_MAGNITUDE:     # NaN, ±inf, or too large
        for v in vals:
            number(v)                                                  # raises EngineError naming the value
    if min(map(abs, vals)) < 1e-4:      # zeros, or values repr would write as 1e-05
        return ",".join([f'"{k}":{number(v) if 0 < abs(v) < 1e-4 else repr(v)}' for k, v in present.items()])
    return ",".join([f'"{k}":{v!r}' for k, v in present.items()])


_HUGE = re.compile(r"[:-]\d{16}")
ACTION_WIDTH = 5          # action names r0000 … r9999: the C core allows at most 4096 actions per ruleset
SENTINEL_ACTION = "s" + "0" * (ACTION_WIDTH - 1)
SENTINEL = '"s":1'        # in every fact; the sentinel rule matches it
MAX_FACTS = 4096          # dossiers per session in evaluate_many, and every rule's `cap`
ID_WIDTH = 4              # dossier ids 0000 … 4095 in a session: distinct FNV-1a hashes, checked in the tests
_IDS = {f"{i:0{ID_WIDTH}d}": i for i in range(MAX_FACTS)}


def shorten(definition: dict, attributes) -> tuple[dict, dict[str, str], dict[str, tuple[str, str]]]:
    """The same rules with short attribute codes and fixed-width action names.

    Every fired action comes back with the whole fact; short names make that text, the fact
    and the parsing of each action several times cheaper. Returns the renamed definition, the
    attribute codes and, per action name, the (rule id, outcome) it stands for.
    """
    codes = {a: f"a{i}" for i, a in enumerate(attributes)}

    def rename(node):
        if isinstance(node, dict):
            out = {}
            for k, v in node.items():
                if k == "$m":
                    out[k] = codes[v]
                elif k.startswith("$"):
                    out[k] = rename(v)
                else:
                    out[codes[k]] = v if not isinstance(v, dict) else rename(v)
            return out
        if isinstance(node, list):
            return [rename(x) for x in node]
        return node

    # measured: deleting a session whose only fact matched no rule at all (assert code 1) crashes the
    # process (free(): invalid pointer). A sentinel rule matches every dossier fact, so that never happens.
    renamed, actions = {SENTINEL_ACTION: {"all": [{"m": {"$ex": {"s": 1}}}], "cap": MAX_FACTS}}, {}
    for i, (action, rule) in enumerate(definition.items()):
        if set(rule) != {"all"} or any(set(p) != {"m"} for p in rule["all"]):
            raise EngineError(f"unexpected rule shape for {action}: {rule}")
        name = f"r{i:0{ACTION_WIDTH - 1}d}"
        rule_id, outcome, *_ = action.split("|")
        renamed[name] = {"all": [{"m": rename(p["m"])} for p in rule["all"]], "cap": MAX_FACTS}
        actions[name] = (rule_id, outcome)
    return renamed, codes, actions


@dataclass
class _Ruleset:
    handle: int
    codes: dict[str, str]                   # metric name → attribute code in the fact
    actions: dict[str, tuple[str, str]]     # action name → (rule id, outcome)
    sid: str = ""                           # the session reused by `session="reuse"`
    uses: int = 0


class DurableEvaluator:
    """Evaluates a compiled pack against one dossier's values; returns {rule id: "pass" | "fail"}.

    One fact per dossier; the fired rules are read back from the engine's action queue.
    Sessions (`session=`):
    - "new" (default): every evaluation asserts its fact in a session of its own (a new sid,
      from a per-process counter) and deletes the session in `finally`;
    - "reuse": one session per ruleset and process; every evaluation asserts its fact, reads
      the actions and retracts the fact, and the session is checked to hold no fact before the
      next one. Rules match a single fact, so no value of one dossier can reach another's
      outcomes. The session is deleted and replaced every RENEW_AFTER evaluations and after any
      error. Creating a session is about 1.2 MB of allocation in the C core: this mode skips it.
    """

    name = "durable_rules"
    RENEW_AFTER = 10_000
    _lock = threading.Lock()           # one live session per ruleset and process, whatever the caller does
    _rulesets: dict[str, _Ruleset] = {}
    _counter = itertools.count(1)

    def __init__(self, session: str | None = None):
        session = session or os.environ.get("PARKCERT_DURABLE_SESSION", "new")
        if session not in ("new", "reuse"):
            raise ValueError(f"session must be 'new' or 'reuse', not {session!r}")
        self.session = session

    def _ruleset(self, pack: CompiledPack) -> _Ruleset:
        rs = self._rulesets.get(pack.name)
        if rs is None:
            attributes = list(pack.attributes)
            definition, codes, actions = shorten(pack.durable_definition(), attributes)
            handle = _core.create_ruleset(pack.name, to_json(definition))
            rs = self._rulesets[pack.name] = _Ruleset(handle, codes, actions)
        return rs

    def _handle(self, pack: CompiledPack) -> int:
        return self._ruleset(pack).handle

    def evaluate(self, pack: CompiledPack, values: dict[str, float]) -> dict[str, str]:
        with self._lock:
            rs = self._ruleset(pack)
            body = fact_body(values, rs.codes)
            if body is None:
                return {}
            if self.session == "reuse":
                return self._evaluate_reusing(rs, body)
            return self._evaluate_alone(rs, body)

    def _evaluate_alone(self, rs: _Ruleset, body: str) -> dict[str, str]:
        sid = f"{os.getpid()}-{next(self._counter)}"
        created = False
        try:
            code, state_handle = _core.assert_fact(rs.handle, f'{{"sid":"{sid}",{SENTINEL},{body}}}')[:2]
            created = code == 0     # never delete a session whose fact matched nothing: that crashes
            return self._fired(rs, code, state_handle)
        except _core.error as exc:
            raise EngineError(f"durable_rules failed: {exc}") from None
        finally:
            if created:
                _core.delete_state(rs.handle, sid)

    def evaluate_many(self, pack: CompiledPack, many: list[dict[str, float]]) -> list[dict[str, str] | EngineError]:
        """`evaluate` for each dossier's values, in order; a dossier the engine fails on gets its EngineError.

        Dossiers share sessions of up to MAX_FACTS facts, one fact each; a session that fails in any
        way is discarded and its dossiers are evaluated one by one, as `evaluate` does.
        """
        out: list[dict[str, str] | EngineError | None] = [None] * len(many)
        with self._lock:
            rs = self._ruleset(pack)
            bodies = []
            for i, values in enumerate(many):
                try:
                    body = fact_body(values, rs.codes)
                except EngineError as exc:
                    out[i] = exc
                    continue
                if body is None:
                    out[i] = {}
                else:
                    bodies.append((i, body))
            for start in range(0, len(bodies), MAX_FACTS):
                batch = bodies[start:start + MAX_FACTS]
                try:
                    fired = self._evaluate_together(rs, [b for _, b in batch])
                except EngineError:
                    for i, body in batch:
                        try:
                            out[i] = self._evaluate_alone(rs, body)
                        except EngineError as exc:
                            out[i] = exc
                else:
                    for (i, _), f in zip(batch, fired, strict=True):
                        out[i] = f
        return out

    def _evaluate_together(self, rs: _Ruleset, bodies: list[str]) -> list[dict[str, str]]:
        sid = f"{os.getpid()}-{next(self._counter)}"
        created = False
        try:
            facts = [f'{{"sid":"{sid}","id":"{i:0{ID_WIDTH}d}",{SENTINEL},{b}}}' for i, b in enumerate(bodies)]
            code, state_handle = _core.assert_facts(rs.handle, f"[{','.join(facts)}]")[:2]
            # 2: an identical fact was already observed, after part of the batch was stored: delete it all.
            # Never delete a session one of whose facts matched nothing (1): that crashes.
            created = code in (0, 2)
            return self._fired_together(rs, code, state_handle, sid, facts)
        except _core.error as exc:
            raise EngineError(f"durable_rules failed: {exc}") from None
        finally:
            if created:
                # a batch that did not parse returned 0 without creating its session (measured)
                with contextlib.suppress(_core.error):
                    _core.delete_state(rs.handle, sid)

    def _evaluate_reusing(self, rs: _Ruleset, body: str) -> dict[str, str]:
        if not rs.sid or rs.uses >= self.RENEW_AFTER:
            self._renew(rs)
        rs.uses += 1
        ok = False
        try:
            fact = f'{{"sid":"{rs.sid}","id":"d",{SENTINEL},{body}}}'
            code, state_handle = _core.assert_fact(rs.handle, fact)[:2]
            if code != 0:
                rs.sid = ""      # abandoned, not deleted: deleting a session whose fact matched nothing crashes
            fired = self._fired(rs, code, state_handle)
            if _core.retract_fact(rs.handle, f'{{"sid":"{rs.sid}","id":"d"}}')[0] != 0:
                raise EngineError("durable_rules did not retract the dossier fact")
            if _core.get_facts(rs.handle, rs.sid) != "[]":
                raise EngineError("the durable_rules session still holds a fact after retraction")
            ok = True
            return fired
        except _core.error as exc:
            raise EngineError(f"durable_rules failed: {exc}") from None
        finally:
            if not ok:
                self._renew(rs)

    def _renew(self, rs: _Ruleset) -> None:
        if rs.sid:
            with contextlib.suppress(_core.error, Exception):
                _core.delete_state(rs.handle, rs.sid)
        rs.sid, rs.uses = f"{os.getpid()}-{next(self._counter)}", 0

    @staticmethod
    def _fired(rs: _Ruleset, code: int, state_handle) -> dict[str, str]:
        if code != 0:      # 1: not even the sentinel matched
            raise EngineError(f"durable_rules returned code {code} for the dossier fact")
        actions, handle, complete = rs.actions, rs.handle, _core.complete_and_start_action
        names = []
        message = _core.start_action_for_state(handle, state_handle)
        message = message[1] if message else None
        while message:
            names.append(message[2:2 + ACTION_WIDTH])
            message = complete(handle, state_handle)
        if names.count(SENTINEL_ACTION) != 1:
            raise EngineError(f"the sentinel rule fired {names.count(SENTINEL_ACTION)} times, not once")
        names.remove(SENTINEL_ACTION)
        try:
            fired = dict(actions[n] for n in names)
        except KeyError as exc:
            raise EngineError(f"durable_rules ran an action it was not given: {exc}") from None
        if len(fired) != len(names):
            raise EngineError(f"a rule fired twice in one evaluation ({len(names)} actions for {len(fired)} rules)")
        return fired

    @staticmethod
    def _fired_together(rs: _Ruleset, code: int, state_handle, sid: str, facts: list[str]) -> list[dict[str, str]]:
        """Each fact's fired rules, read from actions that deliver every fact a rule matched.

        An action is `{"r0007":[{"m":FACT},{"m":FACT},…]}` with each FACT as it was sent (measured): a frame's
        first characters name its dossier, whose fact's length says where the next frame starts; every frame
        must start where expected and the last end the action, so no frame goes unread or is misread.
        (Walking by lengths costs a third less than splitting the 15 KB of text each dossier comes back as.)
        """
        n = len(facts)
        if code != 0:
            raise EngineError(f"durable_rules returned code {code} for a batch of {n} dossier facts")
        actions, handle, complete = rs.actions, rs.handle, _core.complete_and_start_action
        frame = f'{{"m":{{"sid":"{sid}","id":"'
        at_id = len(frame)
        start = len('{"') + ACTION_WIDTH + len('":[')
        sizes = [len(f) + len('{"m":},') for f in facts]      # a frame and the comma after it
        by_rule: dict[str, list[int]] = {}
        fired: list[dict[str, str]] = [{} for _ in range(n)]
        sentinel: list[int] = []
        message = _core.start_action_for_state(handle, state_handle)
        message = message[1] if message else None
        try:
            while message:
                ids = []
                p, end = start, len(message) - len("]}") + 1      # + 1: the last frame has no comma
                while p < end:
                    if not message.startswith(frame, p):
                        raise KeyError(p)
                    i = _IDS[message[p + at_id:p + at_id + ID_WIDTH]]
                    ids.append(i)
                    p += sizes[i]
                if p != end or not message.endswith("]}"):
                    raise KeyError(p)
                name = message[2:2 + ACTION_WIDTH]
                if name == SENTINEL_ACTION:
                    sentinel += ids
                elif name not in actions:
                    raise EngineError(f"durable_rules ran an action it was not given: {name!r}")
                else:
                    rule_id, outcome = actions[name]
                    by_rule.setdefault(rule_id, []).extend(ids)
                    for i in ids:
                        fired[i][rule_id] = outcome
                message = complete(handle, state_handle)
        except (KeyError, IndexError):
            raise EngineError(f"durable_rules answered with an action not read as sent: {message[:200]}") from None
        if len(sentinel) != n or len(set(sentinel)) != n:
            raise EngineError(f"the sentinel rule fired {len(sentinel)} times for {len(set(sentinel))} of {n} dossiers")
        for rule_id, ids in by_rule.items():
            if len(set(ids)) != len(ids):
                raise EngineError(f"rule {rule_id} fired twice for one dossier")
        return fired
