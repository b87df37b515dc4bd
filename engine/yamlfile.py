"""Read a YAML file so that errors can name the line of any value in it, whatever the file holds.

Review files come from outside and rule packs may too, so the reader is strict and bounded: no aliases
(billion-laughs bombs, self-referencing anchors), no duplicate keys (the second would silently win),
nesting at most bounds.MAX_DEPTH deep (checked while composing, before anything recurses further), at most
bounds.MAX_YAML_BYTES. Dates and times are read as the text they are written as, quoted or not
(`expires: 2017-06-30` and `expires: "2017-06-30"` are the same), and checked where a date is expected: an
impossible unquoted date (2016-02-30, year 0, hour 25) is then a message with its line, not a crash.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from . import bounds
from .problems import InputError, Problem


class _Refused(yaml.YAMLError):
    def __init__(self, problem: str, mark):
        super().__init__(problem)
        self.problem, self.problem_mark = problem, mark


class _Loader(yaml.SafeLoader):
    """SafeLoader without timestamps and aliases, with a depth limit and duplicate keys refused."""

    def __init__(self, text: str):
        super().__init__(text)
        self._depth = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise _Refused(f"aliases (*{event.anchor}) are not accepted: write the value out", event.start_mark)
        self._depth += 1
        try:
            if self._depth > bounds.MAX_DEPTH:
                raise _Refused(f"nested more than {bounds.MAX_DEPTH} levels deep", self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = key_node.value
            if not isinstance(key_node, yaml.ScalarNode):
                continue   # a complex key: the constructor refuses it as unhashable
            if key in seen:
                raise _Refused(f"the key {bounds.quote(str(key))} appears twice in one mapping", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep)


def _bounded_int(loader, node):
    if len(node.value) > 30:   # Python refuses int() of more than 4,300 digits; no quantity needs 30
        raise _Refused(f"implausibly large: a number of {len(node.value):,} characters", node.start_mark)
    return yaml.SafeLoader.construct_yaml_int(loader, node)


_Loader.add_constructor("tag:yaml.org,2002:int", _bounded_int)
# implicit YAML timestamps become text, checked as dates where the schema expects one
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
_Loader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_yaml_str)


@dataclass
class YamlDoc:
    path: str
    data: Any
    root: yaml.Node | None

    def line(self, parts) -> int | None:
        """1-based line of the value at path `parts` (the deepest node that exists)."""
        node = self.root
        for part in parts:
            if isinstance(node, yaml.MappingNode):
                nxt = next((v for k, v in node.value if k.value == str(part)), None)
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
                nxt = node.value[part]
            else:
                nxt = None
            if nxt is None:
                break
            node = nxt
        return node.start_mark.line + 1 if node is not None else None


def read(path: Path, shown: str | None = None) -> YamlDoc:
    shown = shown or str(path)
    raw = bounds.read_capped(path, shown, bounds.MAX_YAML_BYTES)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError([Problem(shown, "", "not UTF-8 text")]) from None
    return parse(text, shown)


def parse(text: str, shown: str) -> YamlDoc:
    try:
        loader = _Loader(text)     # the reader refuses control characters here already (and again, later, per chunk)
    except yaml.reader.ReaderError as exc:
        raise _unreadable(exc, text, shown) from None
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.reader.ReaderError as exc:
        raise _unreadable(exc, text, shown) from None
    except _Refused as exc:
        raise InputError([Problem(shown, "", exc.problem, exc.problem_mark.line + 1)]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        msg = getattr(exc, "problem", None) or str(exc)
        raise InputError([Problem(shown, "", f"malformed YAML: {msg}", line)]) from None
    except (ValueError, TypeError, OverflowError) as exc:   # a constructor refused a value (e.g. a huge float)
        raise InputError([Problem(shown, "", f"malformed YAML: {exc}")]) from None
    finally:
        loader.dispose()
    return YamlDoc(shown, data, root)


def _unreadable(exc: yaml.reader.ReaderError, text: str, shown: str) -> InputError:
    line = text.count("\n", 0, exc.position) + 1
    return InputError([Problem(shown, "", f"malformed YAML: the control character U+{exc.character:04X} is not allowed in YAML "
                                         f"(character {exc.position + 1})", line)])
