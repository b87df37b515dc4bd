"""Where the data folders are: inside the installed wheel, or beside the package in a checkout."""
from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent


def _data(name: str) -> Path:
    bundled = _PKG / name  # wheels carry rules/, schemas/, reports/ inside the package
    if bundled.is_dir():
        return bundled
    return _PKG.parent / name


RULES = _data("rules")
SCHEMAS = _data("schemas")
REPORTS = _data("reports")
