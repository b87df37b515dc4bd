"""The documented limits on everything ParkCert reads, and the checks that keep hostile input out.

A dossier or review file beyond these limits is bad input (exit 2, the file and the place named), never a
crash, a hang or a value that the engine cannot take. The limits are generous for real dossiers (the largest
example is about 20 KB, 6 levels deep) and small enough that every later stage runs in bounded time:

- a dossier file at most 8 MB, a review or rule file at most 1 MB, a report given to `verify` at most 64 MB;
- documents nested at most 32 levels deep (checked by a linear pre-scan before the parser recurses);
- every string at most 10,000 characters, a unit at most 64;
- every string valid Unicode (no lone surrogates: they cannot be written as UTF-8);
- numbers finite and below 1e15 in magnitude (durable_rules cannot take more; China's GDP is about 1.3e14 RMB);
- dates between 1950-01-01 and 2100-12-31;
- at most 1,000 decisions in a review file;
- error lists printed up to 50 lines, then "... and N more"; the schema check stops after 1,000 problems.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

from .problems import InputError, Problem

MAX_DOSSIER_BYTES = 8 * 1024 * 1024
MAX_YAML_BYTES = 1024 * 1024
MAX_PDF_BYTES = 64 * 1024 * 1024      # a report given to `verify` (the largest real ones are under 1 MB)
MAX_DEPTH = 32
MAX_STRING = 10_000
MAX_UNIT = 64
MAX_NUMBER = 1e15
DATE_MIN = dt.date(1950, 1, 1)
DATE_MAX = dt.date(2100, 12, 31)
MAX_DECISIONS = 1000
MAX_ERRORS_SHOWN = 50
MAX_PROBLEMS = 1000       # schema problems collected before the check stops
MAX_SHOWN = 60            # characters of a hostile value quoted back in a message

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_SURROGATE = re.compile("[\ud800-\udfff]")
# a JSON string (escapes included) or one bracket; strings are skipped so brackets inside them do not count
# (an unterminated string runs to the end, in one match: retrying from every later quote would be quadratic)
_JSON_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*+(?:"|\\?\Z)|[\[\]{}]', re.S)
_JSON_STRING = re.compile(rb'"[^"\\]*+(?:\\.[^"\\]*+)*+(?:"|\\?\Z)', re.S)     # the same strings, unrolled
_NOT_BRACKET = bytes(sorted(set(range(256)) - set(b"[]{}")))
_NOT_BRACKET_OR_QUOTE = bytes(sorted(set(range(256)) - set(b'[]{}"')))
_PAIR = re.compile(rb"[\[{][\]}]")


def read_capped(path: Path, shown: str, limit: int) -> bytes:
    """At most `limit` bytes of a file (never more: a device or a huge file is refused, not read to the end)."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read(limit + 1)
    except OSError as exc:
        raise InputError([Problem(shown, "", f"cannot read: {exc.strerror or exc}")]) from None
    if len(raw) > limit:
        raise InputError([too_large(shown, limit)])
    return raw


def too_large(shown: str, limit: int) -> Problem:
    return Problem(shown, "", f"larger than {limit // (1024 * 1024)} MB, the limit for this file")


def quote(text: str) -> str:
    """repr of a text for a message, shortened: a 20,000-character unit is not echoed back."""
    if len(text) <= MAX_SHOWN:
        return repr(text)
    return f"{text[:MAX_SHOWN]!r}… ({len(text):,} characters)"


def json_too_deep(raw: bytes) -> int | None:
    """The 1-based line at which JSON text opens its level MAX_DEPTH + 1, or None; linear, never recursive."""
    if _shallow(raw):
        return None
    depth = 0
    for m in _JSON_TOKEN.finditer(raw):
        c = m.group()
        if c in (b"[", b"{"):
            depth += 1
            if depth > MAX_DEPTH:
                return raw.count(b"\n", 0, m.start()) + 1
        elif c in (b"]", b"}"):
            depth -= 1
    return None


def _shallow(raw: bytes) -> bool:
    """True when the text is plainly at most MAX_DEPTH deep: without its strings, its brackets pair off from the
    innermost out in at most MAX_DEPTH rounds (a regex pass each: a Python step per token cost 0.7 ms per
    dossier). False when unsure (unbalanced, deeper, an unterminated string): the token scan decides.
    """
    if b"\\" not in raw:          # no escapes: strings are what lies between a quote and the next
        # measured: split after keeping only quotes and brackets, a third of the time of splitting the text
        parts = raw.translate(None, _NOT_BRACKET_OR_QUOTE).split(b'"')
        if len(parts) % 2 == 0:
            return False
        rest = b"".join(parts[::2])
    else:
        rest = _JSON_STRING.sub(b"", raw).translate(None, _NOT_BRACKET)
    for _ in range(MAX_DEPTH):
        rest, n = _PAIR.subn(b"", rest)
        if not n:
            break
    return not rest


def date_problem(text: str) -> str | None:
    """Why a text is not a date ParkCert accepts (YYYY-MM-DD, a calendar date, within range), or None."""
    if not isinstance(text, str) or not _DATE.fullmatch(text):
        return f"expected a date YYYY-MM-DD, found {quote(str(text))}"
    try:
        day = dt.date.fromisoformat(text)
    except ValueError as exc:
        return f"expected a date, found {text}, which is not on the calendar ({exc})"
    if not DATE_MIN <= day <= DATE_MAX:
        return f"expected a date from {DATE_MIN} to {DATE_MAX}, found {text}"
    return None


def is_date(text) -> bool:
    return isinstance(text, str) and date_problem(text) is None


def value_problems(data, unit_keys=("unit",)) -> list[tuple[list, str]]:
    """(path parts, message) for every value no later stage should see: non-finite or implausibly large
    numbers, strings that are not Unicode text or are too long (units: MAX_UNIT), in keys too.

    Iterative, so that it needs no recursion whatever the depth (the pre-scan has bounded it already).
    """
    if _plainly_fine(data, unit_keys):
        return []
    out: list[tuple[list, str]] = []
    stack = [([], data)]
    while stack and len(out) < MAX_PROBLEMS:
        parts, node = stack.pop()
        if isinstance(node, dict):
            for k, v in node.items():
                if isinstance(k, str):
                    why = string_problem(k)
                    if why:
                        out.append((parts + [k], f"a field name: {why}"))
                        continue
                if isinstance(v, str) and k in unit_keys and len(v) > MAX_UNIT:
                    out.append((parts + [k], f"a unit is at most {MAX_UNIT} characters, found {len(v):,}"))
                    continue
                stack.append((parts + [k], v))
        elif isinstance(node, list):
            stack.extend((parts + [i], v) for i, v in enumerate(node))
        elif isinstance(node, str):
            why = string_problem(node)
            if why:
                out.append((parts, why))
        elif isinstance(node, float) or (isinstance(node, int) and not isinstance(node, bool)):
            why = number_problem(node)
            if why:
                out.append((parts, why))
    out.sort(key=lambda pm: [str(p) for p in pm[0]])
    if stack:
        out.append(([], f"the value check stopped after {MAX_PROBLEMS:,} problems; fix these first"))
    return out


def _plainly_fine(data, unit_keys) -> bool:
    """True when no value can have a problem, checked in bulk: one walk collects the texts and numbers (no
    paths: building them was most of the cost), then a join, max and sum look at them all. Anything unusual
    (another type, a long unit) says False and the full walk above finds and names it.
    """
    if type(data) is not dict and type(data) is not list:
        return False
    texts, numbers = [], []
    stack = [data]
    while stack:
        node = stack.pop()
        if type(node) is dict:
            texts.extend(node)      # the keys: one that is not text fails the join below
            for k in unit_keys:
                v = node.get(k)
                if isinstance(v, str) and len(v) > MAX_UNIT:
                    return False
            values = node.values()
        else:
            values = node
        for v in values:
            t = type(v)
            if t is str:
                texts.append(v)
            elif t is float or t is int:
                numbers.append(v)
            elif t is dict or t is list:
                stack.append(v)
            elif v is not None and t is not bool:
                return False          # LongNumber, or a type JSON does not give
    try:
        joined = "".join(texts)
        # measured: the encoding refuses any surrogate 3x faster than a regex finds one; no text is longer than
        # all of them together, so their lengths are looked at only when that is long
        joined.encode("utf-8")
    except (TypeError, UnicodeEncodeError):
        return False
    if len(joined) > MAX_STRING and max(map(len, texts)) > MAX_STRING:
        return False
    if numbers:
        total = sum(numbers)
        if total - total != 0 or max(numbers) >= MAX_NUMBER or min(numbers) <= -MAX_NUMBER:    # NaN, ±inf, too large
            return False
    return True


def string_problem(text: str) -> str | None:
    m = _SURROGATE.search(text)
    if m:
        return (f"not valid Unicode text: a lone surrogate \\u{ord(m.group()):04x} at character {m.start() + 1} "
                f"(it cannot be written as UTF-8)")
    if len(text) > MAX_STRING:
        return f"a text of {len(text):,} characters; at most {MAX_STRING:,} are accepted"
    return None


class LongNumber(float):
    """A number literal too long to be a quantity (a float, so it validates as a number where it stands)."""

    def __new__(cls, text: str):
        obj = super().__new__(cls, 1e300)
        obj.digits = len(text)
        return obj


def parse_int(text: str):
    """json.loads' parse_int: Python refuses int() of more than 4,300 digits with a ValueError."""
    return int(text) if len(text) <= 30 else LongNumber(text)


def parse_float(text: str):
    x = float(text)
    return x if math.isfinite(x) else LongNumber(text)


def number_problem(x) -> str | None:
    if isinstance(x, LongNumber):
        return f"implausibly large: a number of {x.digits:,} characters"
    if isinstance(x, float) and not math.isfinite(x):
        name = "NaN" if x != x else ("Infinity" if x > 0 else "-Infinity")
        return f"not a finite number ({name} is not a quantity)"
    if abs(x) >= MAX_NUMBER:
        return f"implausibly large: {_short_number(x)} (at most {MAX_NUMBER:.0e} in magnitude is accepted)"
    return None


def _short_number(x) -> str:
    text = f"{x:.6g}" if isinstance(x, float) else str(x)
    return text if len(text) <= 30 else f"a number of {len(text):,} digits"


def capped(problems: list) -> tuple[list, int]:
    """The problems to print and how many more there are."""
    return problems[:MAX_ERRORS_SHOWN], max(0, len(problems) - MAX_ERRORS_SHOWN)
