"""Read a YAML file so that errors can name the line of any value in it."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .problems import InputError, Problem


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
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError([Problem(shown, "", f"cannot read: {exc.strerror}")]) from None
    except UnicodeDecodeError:
        raise InputError([Problem(shown, "", "not UTF-8 text")]) from None
    return parse(text, shown)


def parse(text: str, shown: str) -> YamlDoc:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        msg = getattr(exc, "problem", None) or str(exc)
        raise InputError([Problem(shown, "", f"malformed YAML: {msg}", line)]) from None
    return YamlDoc(shown, data, root)
