"""parkcert serve: the web pre-check and the HTTP API (engine.web), served by uvicorn."""
from __future__ import annotations

import os

import click

from .. import load
from ..problems import Problem
from . import main
from .common import rules_option


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Server processes (each with its own rule engine and job pools).")
@click.option("--max-request-mb", "max_mb", default=None, type=click.FloatRange(0.01, 1024),
              help="Largest request accepted, in MB (default 10); larger ones get 413.")
@click.option("--data", "data_dir", type=click.Path(file_okay=False), metavar="DIR",
              help="Also serve the expert panel workspace (/workspace/), kept in a SQLite file in DIR (created on "
                   "first start, migrated on upgrade).")
@click.option("--database", "database_url", metavar="URL",
              help="The workspace in PostgreSQL instead, e.g. postgresql+psycopg://user@host/parkcert.")
@rules_option
def serve(host, port, workers, max_mb, data_dir, database_url):
    """Serve the web pre-check (upload a dossier, see every verdict and gap, download the PDF) and the HTTP API
    (/api/v1, described at /docs). Settings can also come from PARKCERT_WEB_* environment variables."""
    import uvicorn

    # settings travel to every uvicorn worker process through the environment
    env = {"PARKCERT_WEB_HOST": host, "PARKCERT_WEB_PORT": str(port), "PARKCERT_WEB_WORKERS": str(workers)}
    if max_mb is not None:
        env["PARKCERT_WEB_MAX_REQUEST_BYTES"] = str(int(max_mb * 1024 * 1024))
    extra = [str(d) for d in load.rules_dirs()]
    if extra:
        env[load.RULES_ENV] = os.pathsep.join(extra)
    if data_dir or database_url:
        env.update(_workspace(data_dir, database_url))
    os.environ.update(env)
    click.echo(f"ParkCert pre-check on http://{host}:{port}/  (API: http://{host}:{port}/docs; Ctrl+C stops)")
    if data_dir or database_url:
        click.echo(f"Expert panel workspace on http://{host}:{port}/workspace/")
    uvicorn.run("engine.web.app:create_app", factory=True, host=host, port=port, workers=workers,
                log_level="info", server_header=False, proxy_headers=False)


def _workspace(data_dir, database_url) -> dict:
    """Open (create, migrate) the workspace's database once before the workers start: a bad folder or URL is an
    error here (exit 2), and workers never race to create the tables."""
    from ..problems import InputError
    from ..workspace.database import open_database
    from .common import fail
    if data_dir and database_url:
        fail([Problem("--data/--database", "", "give one of --data DIR and --database URL, not both")])
    try:
        db = open_database(data_dir, database_url)
    except InputError as e:
        fail(e.problems)
    with db.session() as s:
        from ..workspace.accounts import list_users
        if not any(u.role == "admin" and u.active for u in list_users(s)):
            click.echo("No administrator yet: add one with `parkcert users add NAME --role admin "
                       f"{'--data ' + str(data_dir) if data_dir else '--database URL'}` (there is no default account).")
    db.close()
    if data_dir:
        return {"PARKCERT_WEB_DATA_DIR": str(os.path.abspath(data_dir))}
    return {"PARKCERT_WEB_DATABASE_URL": database_url}
