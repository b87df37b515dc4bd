"""JSON Schema validation that reports every problem at once, each with its JSON Pointer."""
from __future__ import annotations

import functools
import json
import re
from functools import cache

import fastjsonschema
import jsonschema
from jsonschema import Draft202012Validator, FormatChecker

from . import bounds
from .paths import SCHEMAS
from .problems import pointer

# one meaning of "date" for both validators: YYYY-MM-DD within the documented range (engine/bounds.py);
# fastjsonschema's own check is a regular expression that lets 0000-01-01 through
_DATES = FormatChecker(formats=())
_DATES.checks("date")(lambda v: not isinstance(v, str) or bounds.is_date(v))


@cache
def validator(name: str) -> Draft202012Validator:
    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    return Draft202012Validator(schema, format_checker=_DATES)


@cache
def fast_validator(name: str):
    """A compiled validator for the common case, a valid document (about 8x faster than jsonschema).

    fastjsonschema knows drafts up to 7; our schemas use no 2020-12 keyword beyond $defs, which is a
    plain JSON Pointer target. A document it rejects goes through jsonschema for the full list of
    problems; tests check that both agree on valid and broken dossiers.
    """
    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    schema["$schema"] = "http://json-schema.org/draft-07/schema#"
    _exclusive_as_any(schema)
    schema = _inlined(schema)
    formats = {"date": lambda v: not isinstance(v, str) or bounds.is_date(v)}
    # what fastjsonschema.compile does, less one thing: the names its messages would give are built at every
    # $ref on the valid path too (`"….{key}".format(**locals())`: 5 % of a batch's time). Only whether a
    # document passes is used here (jsonschema words the problems), so the names stay unformatted.
    code = fastjsonschema.compile_to_code(schema, formats=formats).replace(".format(**locals())", "")
    scope: dict = {}
    exec(compile(code, f"<fastjsonschema: {name}>", "exec"), scope)  # noqa: S102 - code generated from our schema
    main = re.search(r"^def (\w+)\(", code, re.M).group(1)
    return functools.partial(scope[main], custom_formats=formats)


def _inlined(schema: dict) -> dict:
    """The schema with each `#/$defs/` reference replaced by the definition (when none refers back to itself):
    fastjsonschema makes a function of every definition, called with a formatted name at every value (measured:
    a third of the fast check). A $ref's sibling keywords were ignored by fastjsonschema (draft 7) and are here."""
    defs = schema.get("$defs")
    if not isinstance(defs, dict):
        return schema

    def inline(node, seen: tuple):
        if isinstance(node, list):
            return [inline(v, seen) for v in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/") and ref[8:] in defs:
            if ref in seen:
                raise RecursionError(ref)
            return inline(defs[ref[8:]], seen + (ref,))
        return {k: inline(v, seen) for k, v in node.items()}
    try:
        return inline(schema, ())
    except RecursionError:      # a recursive schema keeps its references
        return schema


def _exclusive_as_any(schema: dict) -> None:
    """Each oneOf whose branches take different JSON types becomes anyOf, which means the same for them (a value
    has one type, so at most one branch can match). measured: fastjsonschema tries every branch of a oneOf, and
    the failing one raises: 60 exceptions per dossier, 40 % of the fast check. Only the fast pass/fail check gets
    this; jsonschema, which words the problems, reads the schema as written."""
    defs = schema.get("$defs") or {}

    def types(branch) -> set | None:
        if "$ref" in branch:
            ref = branch["$ref"]
            branch = defs.get(ref[len("#/$defs/"):]) if ref.startswith("#/$defs/") else None
            if not isinstance(branch, dict) or "$ref" in branch:
                return None
        t = branch.get("type")
        if t is None:
            return None
        got = set(t) if isinstance(t, list) else {t}
        return got | {"number"} if "integer" in got else got    # an integer is a number

    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        if not isinstance(node, dict):
            continue
        stack.extend(node.values())
        branches = node.get("oneOf")
        if isinstance(branches, list) and "anyOf" not in node and all(isinstance(b, dict) for b in branches):
            kinds = [types(b) for b in branches]
            if all(k is not None for k in kinds) and \
                    all(a.isdisjoint(b) for i, a in enumerate(kinds) for b in kinds[i + 1:]):
                node["anyOf"] = node.pop("oneOf")


def _leaves(error: jsonschema.ValidationError):
    """The most specific errors: for oneOf/anyOf failures, the branch that got furthest."""
    if error.context:
        best = max(error.context, key=lambda e: len(e.absolute_path))
        if len(best.absolute_path) > len(error.absolute_path):
            yield from _leaves(best)
            return
        # a branch whose type matched but a constraint failed says most (e.g. a negative number)
        typed = [e for e in error.context if e.validator not in ("type", "required", "additionalProperties")]
        if typed:
            yield from _leaves(typed[0])
            return
    yield error


def _describe(err: jsonschema.ValidationError) -> str:
    found = json.dumps(err.instance, ensure_ascii=False)
    if len(found) > 60:
        found = found[:57] + "..."
    v = err.validator
    if v == "required":
        return err.message.replace("is a required property", "is required")
    if v == "additionalProperties":
        fields = err.message.split('(')[-1].rstrip(')')
        return f"unexpected field: {fields if len(fields) <= 200 else fields[:200] + '…'}"
    if v == "type":
        return f"expected {err.validator_value}, found {found}"
    if v == "enum":
        allowed = ", ".join(json.dumps(x, ensure_ascii=False) for x in err.validator_value)
        return f"expected one of {allowed}, found {found}"
    if v == "const":
        return f"expected {json.dumps(err.validator_value)}, found {found}"
    if v == "minimum":
        negative = " (negative quantity)" if err.validator_value == 0 else ""
        return f"expected a value ≥ {err.validator_value}, found {found}{negative}"
    if v in ("oneOf", "anyOf") and err.context:
        kinds = []
        for sub in err.context:
            if sub.validator == "type":
                t = sub.validator_value
                for k in (t if isinstance(t, list) else [t]):
                    if k not in kinds:
                        kinds.append(k)
        if kinds:
            return f"expected {' or '.join(kinds)}, found {found}"
    if v == "format" and err.validator_value == "date" and isinstance(err.instance, str):
        return bounds.date_problem(err.instance) or f"expected a date (YYYY-MM-DD), found {found}"
    if v == "format":
        return f"expected a {err.validator_value}, found {found}"
    if v == "pattern":
        return f"expected text matching {err.validator_value}, found {found}"
    if v == "maxLength":
        return f"expected at most {err.validator_value} characters, found {len(err.instance):,}"
    if v == "maxItems":
        return f"expected at most {err.validator_value} items, found {len(err.instance):,}"
    # jsonschema's own message quotes the whole value: a hostile one is cut
    return err.message if len(err.message) <= 200 else err.message[:200] + "…"


def problems(name: str, instance, compiled: bool = True) -> list[tuple[list, str]]:
    """(path parts, message) for every schema violation, in document order.

    `compiled=False` for a schema a process checks a handful of documents against (the packs): compiling its
    fast validator costs more than checking them all with jsonschema (measured: 0.15 s against 0.06 s for the
    15 files of the shipped packs, at the start of every command that loads them)."""
    if compiled:
        try:
            fast_validator(name)(instance)
            return []
        except fastjsonschema.JsonSchemaException:
            pass
    out = []
    for err in validator(name).iter_errors(instance):
        for leaf in _leaves(err):
            out.append((list(leaf.absolute_path), _describe(leaf)))
        if len(out) >= bounds.MAX_PROBLEMS:
            # each costs milliseconds, and nobody reads the 400,000th: a hostile file cannot keep the checker busy
            out.append(([], f"the schema check stopped after {bounds.MAX_PROBLEMS:,} problems; fix these first"))
            break
    seen, uniq = set(), []
    for parts, msg in out:
        key = (pointer(parts), msg)
        if key not in seen:
            seen.add(key)
            uniq.append((parts, msg))
    uniq.sort(key=lambda pm: pointer(pm[0]))
    return uniq
