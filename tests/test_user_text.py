"""What people read cites the source as IISD (2015), never as "the seed" (issue 9.2)."""
import re

import click
import pytest

from engine.cli import main

from .conftest import ROOT

SEED = re.compile(r"\bseeds?\b|种子", re.IGNORECASE)
USER_FILES = ["README.md", "Makefile"] + [
    f"{folder}/**/*.{ext}" for folder in ("rules", "reports", "docs", "schemas", "examples")
    for ext in ("yaml", "j2", "md", "json", "css")]


def _files():
    seen = set()
    for pattern in USER_FILES:
        for path in sorted(ROOT.glob(pattern)):
            if path not in seen:
                seen.add(path)
                yield path


def test_no_user_file_calls_the_source_the_seed():
    found = [f"{path.relative_to(ROOT)}:{n}: {line.strip()[:100]}"
             for path in _files() for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if SEED.search(line)]
    assert not found, "\n".join(found)


def _commands(group, prefix=()):
    for name, cmd in group.commands.items():
        yield prefix + (name,), cmd
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, prefix + (name,))


@pytest.mark.parametrize("path", [p for p, _ in _commands(main)] + [()], ids=" ".join)
def test_no_help_text_calls_the_source_the_seed(run, path):
    code, out, _ = run(*path, "--help")
    assert code == 0
    assert not SEED.search(out), out
