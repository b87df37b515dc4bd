"""The `parkcert` command line, one module per command. Bad input: every problem on its own line, exit 2, no
traceback, no file written."""
from __future__ import annotations

import click

from .. import __version__
from .common import quiet_option


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="parkcert")
@quiet_option
def main():
    """ParkCert: check Chinese industrial zones against the national park certification programs."""


from . import audit, backup, batch, check, report, review, rules, serve, summary, users  # noqa: E402  (commands register on main)

__all__ = ["main", "audit", "backup", "batch", "check", "report", "review", "rules", "serve", "summary", "users"]
