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
  get short codes (A, B, …) and actions fixed-width names (r0000 …), which
  also makes reading an action a slice and a dict lookup.
- the C core finds a fact's tests by probing a table linearly from (hash & 31), so
  every attribute walked the tests of every rule (measured: a fifth of the evaluation):
  each rule first tests the sentinel attribute ("s" < k, true for every fact), one k
  per GROUP attributes, and probes walk short runs.
- rulesets are never freed: one per compiled pack version per process.
- each session allocates its pools anew and frees them when deleted, which glibc trimmed
  and faulted back in at every session (measured: 3-4 page faults, 6-10 µs of system
  time per dossier at 64 per session): freed heap is kept up to 32 MB (keep_freed_heap).

Many dossiers at once (`evaluate_many`, measured in ../shared/notes/durable-rules.md, "Batching"):

- one action round trip per fired rule and dossier is most of the cost: every rule has `cap`,
  so one action delivers every dossier of a session it matched; dossiers are facts of one
  session (`assert_facts` of up to MAX_FACTS), told apart by an `id` attribute.
- identical facts raise MessageObservedException, and a fact's identity is the 32-bit FNV-1a
  hash of its id: ids are one character of [A-Za-z0-9_-] (up to 64 dossiers) or two (up to 4096),
  whose hashes are distinct (checked in the tests).
- every action carries each matched fact whole, ~15 KB per dossier: reading it frame by frame in
  Python cost 11 µs per dossier (measured), so the facts of a session are padded with spaces to one
  length and an action is read by slicing at a fixed stride; its length must be a whole number of
  frames, each opening and closing where expected.
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
import ctypes
import itertools
import os
import string
import threading
from dataclasses import dataclass, field
from itertools import compress

import durable_rules_engine as _core

from .compile import CompiledPack
from .durable_text import CODES, MAX_MAGNITUDE, Codes, EngineError, fact_body, number, to_json

__all__ = ["MAX_MAGNITUDE", "Codes", "DurableEvaluator", "EngineError", "fact_body", "number", "to_json"]

ACTION_WIDTH = 5          # action names r0000 … r9999: the C core allows at most 4096 actions per ruleset
SENTINEL_ACTION = "s" + "0" * (ACTION_WIDTH - 1)
SENTINEL = '"s":1'        # in every fact; the sentinel rule matches it
ID_CHARS = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"
MAX_FACTS = len(ID_CHARS) ** 2      # dossiers per session in evaluate_many, and every rule's `cap`


def session_ids(n: int) -> list[str]:
    """The ids of a session's n dossier facts: one character each up to 64 (a batch chunk), else two.

    One width per session, so every frame of an action is as long as the next; distinct ids have
    distinct FNV-1a hashes (one character trivially; two checked in the tests).
    """
    if n <= len(ID_CHARS):
        return list(ID_CHARS[:n])
    return [a + b for a in ID_CHARS for b in ID_CHARS][:n]


def shorten(definition: dict, attributes) -> tuple[dict, Codes, dict[str, tuple[str, str]]]:
    """The same rules with short attribute codes and fixed-width action names.

    Every fired action comes back with the whole fact; short names make that text, the fact
    and the parsing of each action several times cheaper. Returns the renamed definition, the
    attribute codes and, per action name, the (rule id, outcome) it stands for.
    """
    codes = Codes(attributes)

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
        renamed[name] = {"all": [{"m": grouped(rename(p["m"]))} for p in rule["all"]], "cap": MAX_FACTS}
        actions[name] = (rule_id, outcome)
    return renamed, codes, actions


GROUP = 8       # attributes whose rules sit under one test of the sentinel attribute


def grouped(cond: dict) -> dict:
    """The same condition behind a test of the sentinel attribute that every fact passes ("s" is 1).

    measured: the C core finds a fact's tests by probing a 512-slot table linearly from (hash & 31),
    so with ~60 tests at its root every attribute of every fact walked a run of ~45 nodes (a fifth of
    the evaluation); GROUP attributes' rules under each of a few "s < k" tests keep every run short.
    """
    (key, value), = cond.items() if "$and" not in cond else cond["$and"][-1].items()
    attribute = next(iter(value)) if key.startswith("$") else key      # the one compared, not one checked present
    parts = cond["$and"] if "$and" in cond else [cond]
    return {"$and": [{"$lt": {"s": 2 + CODES.index(attribute) // GROUP}}, *parts]}


def keep_freed_heap() -> None:
    """Let glibc keep freed memory up to 32 MB at the top of the heap (no-op elsewhere).

    measured: deleting a session frees the C core's pools at the top of the heap, which glibc trimmed
    and the next session faulted back in: 3-4 page faults and 6-10 µs of system time per dossier at 64
    dossiers per session (and at 1,024 before the fixed-stride facts: it depends on the heap's layout).
    """
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt(M_MMAP_THRESHOLD, 16 << 20)       # setting one threshold stops glibc adjusting the other
    mallopt(M_TRIM_THRESHOLD, 32 << 20)


M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3     # malloc.h


@dataclass
class _Ruleset:
    handle: int
    codes: Codes                            # metric name → attribute code in the fact
    actions: dict[str, tuple[str, str]]     # action name → (rule id, outcome)
    sid: str = ""                           # the session reused by `session="reuse"`
    uses: int = 0
    by_rule: dict[str, list[tuple[str, str]]] = field(default_factory=dict)   # rule id → [(action, outcome)]

    def __post_init__(self):
        for name, (rule_id, outcome) in self.actions.items():
            self.by_rule.setdefault(rule_id, []).append((name, outcome))


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

    def _sid(self) -> str:
        # in every frame of every action, so short; sessions live in this process's memory only
        # (a forked child inherits them with the counter, and goes on counting from there)
        return f"{next(self._counter):x}"

    def _ruleset(self, pack: CompiledPack) -> _Ruleset:
        rs = self._rulesets.get(pack.name)
        if rs is None:
            if not self._rulesets:
                keep_freed_heap()
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
        sid = self._sid()
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
        sid = self._sid()
        created = False
        try:
            ids = session_ids(len(bodies))
            head = f'{{"sid":"{sid}","id":"'
            # measured: walking 64 frames of different lengths per action cost 11 µs per dossier in Python;
            # facts padded to one length (JSON spaces, kept in the frames) are read by slicing at a fixed stride
            width = max(map(len, bodies))
            facts = [f'{head}{i}",{SENTINEL},{b.ljust(width)}}}' for i, b in zip(ids, bodies, strict=True)]
            code, state_handle = _core.assert_facts(rs.handle, f"[{','.join(facts)}]")[:2]
            # 2: an identical fact was already observed, after part of the batch was stored: delete it all.
            # Never delete a session one of whose facts matched nothing (1): that crashes.
            created = code in (0, 2)
            return self._fired_together(rs, code, state_handle, ids, len(head), len(facts[0]))
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
        rs.sid, rs.uses = self._sid(), 0

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
    def _fired_together(rs: _Ruleset, code: int, state_handle, ids: list[str], at_id: int,
                        size: int) -> list[dict[str, str]]:
        """Each fact's fired rules, read from actions that deliver every fact a rule matched.

        An action is `{"r0007":[{"m":FACT},{"m":FACT},…]}` with each FACT as it was sent (measured), and every
        fact of a session is `size` characters long: frame k starts at a fixed stride, its id at a fixed offset.
        The action's length must be a whole number of frames, every frame must open where expected and be
        followed by a comma (the last by "]"), so no frame goes unread or is misread.
        """
        n = len(ids)
        if code != 0:
            raise EngineError(f"durable_rules returned code {code} for a batch of {n} dossier facts")
        actions, handle, complete = rs.actions, rs.handle, _core.complete_and_start_action
        first = len('{"') + ACTION_WIDTH + len('":[')        # where the first frame starts
        stride = len('{"m":') + size + len('},')            # a frame and the comma after it
        at = first + len('{"m":') + at_id                    # the first frame's id
        two = len(ids[0]) == 2
        got: dict[str, str | list[str]] = {}                # action name → the ids it delivered
        message = _core.start_action_for_state(handle, state_handle)
        message = message[1] if message else None
        while message:
            k, rest = divmod(len(message) - first - len("]}") + 1, stride)
            if (rest or not k or message[first::stride] != "{" * k + "}"
                    or message[first + stride - 1::stride] != "," * (k - 1) + "]"):
                raise EngineError(f"durable_rules answered with an action not read as sent: {message[:200]}")
            name = message[2:2 + ACTION_WIDTH]
            ids_here = list(map(str.__add__, message[at::stride], message[at + 1::stride])) if two else message[at::stride]
            got[name] = got[name] + ids_here if name in got else ids_here
            message = complete(handle, state_handle)
        sentinel = got.pop(SENTINEL_ACTION, "")
        if len(sentinel) != n or set(sentinel) != set(ids):
            raise EngineError(f"the sentinel rule fired {len(sentinel)} times for {len(set(sentinel))} of {n} dossiers")
        if not got.keys() <= actions.keys():
            raise EngineError(f"durable_rules ran an action it was not given: {sorted(got.keys() - actions.keys())}")
        every = "".join(got.values()) if not two else set().union(*got.values())
        if (every.strip(sentinel) if not two else not every <= set(ids)):
            raise EngineError("durable_rules answered with a dossier id it was not given")
        names, cols = [], []                 # rule ids in the rules' order, and each one's {dossier id: outcome}
        for rule_id, named in rs.by_rule.items():
            col, total = None, 0
            for name, outcome in named:
                delivered = got.get(name)
                if delivered:
                    if col is None:
                        col = dict.fromkeys(delivered, outcome)
                    else:
                        col.update(dict.fromkeys(delivered, outcome))
                    total += len(delivered)
            if col is not None:
                if len(col) != total:
                    raise EngineError(f"rule {rule_id} fired twice for one dossier")
                names.append(rule_id)
                cols.append(col)
        if not cols:
            return [{} for _ in ids]
        # each dossier's outcomes in the rules' order, None where no rule fired (compress drops those)
        # (names and rows have one length by construction: strict zips cost a tenth of the reading)
        return [dict(compress(zip(names, row, strict=False), row))
                for row in zip(*[map(col.get, ids) for col in cols], strict=False)]
