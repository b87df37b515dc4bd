"""The `parkcert` command line, one module per command. Bad input: every problem on its own line, exit 2, no
traceback, no file written. Anything unexpected: one line, exit 4 (never 1, the code of "not certifiable"),
the traceback with --debug or PARKCERT_DEBUG=1."""
from __future__ import annotations

import contextlib
import os
import sys
import traceback

import click

from .. import __version__
from .common import quiet_option

EXIT_INTERNAL = 4
EXIT_BROKEN_PIPE = 141     # as a shell reports a command ended by SIGPIPE (128 + 13)
DEBUG_ENV = "PARKCERT_DEBUG"


class _Guarded(click.Group):
    """A group whose commands never end in a bare traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except BrokenPipeError:
            # the reader went away (`parkcert check ... | head`): not a bug; files are written before anything is
            # printed. Python would complain again while flushing stdout at exit: point it at /dev/null first.
            with contextlib.suppress(OSError, ValueError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(EXIT_BROKEN_PIPE)
        except Exception as exc:  # noqa: BLE001 - the one place every unexpected error ends
            internal_error(exc, debug=ctx.meta.get("parkcert.debug", False))


def internal_error(exc: BaseException, debug: bool = False) -> None:
    """Say in one line that ParkCert failed (not the input), how to see why, and exit 4."""
    debug = debug or os.environ.get(DEBUG_ENV, "") not in ("", "0")
    if debug:
        traceback.print_exception(exc, file=sys.stderr)
    what = f"{exc.__class__.__name__}: {exc}".splitlines()[0] if str(exc) else exc.__class__.__name__
    what = what.encode("utf-8", "backslashreplace").decode("utf-8")[:300]
    hint = "" if debug else f"; run again with --debug (or {DEBUG_ENV}=1) for the traceback"
    click.echo(f"internal error (a bug in ParkCert, not in the input): {what}{hint}", err=True)
    sys.exit(EXIT_INTERNAL)


def _debug(ctx, param, value):
    ctx.meta["parkcert.debug"] = value


@click.group(cls=_Guarded, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="parkcert")
@quiet_option
@click.option("--debug", is_flag=True, expose_value=False, is_eager=True, callback=_debug,
              help=f"Show the traceback of an internal error (exit 4); or set {DEBUG_ENV}=1.")
def main():
    """ParkCert: check Chinese industrial zones against the national park certification programs."""


from . import (  # noqa: E402  (commands register on main)
    audit,
    backup,
    batch,
    check,
    importer,
    report,
    review,
    rules,
    serve,
    summary,
    template,
    users,
)

__all__ = ["main", "audit", "backup", "batch", "check", "importer", "report", "review", "rules", "serve", "summary",
           "template", "users"]
