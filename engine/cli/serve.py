"""parkcert serve: the web pre-check and the HTTP API (engine.web), served by uvicorn."""
from __future__ import annotations

import os

import click

from .. import load
from . import main
from .common import rules_option


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Server processes (each with its own rule engine and job pools).")
@click.option("--max-request-mb", "max_mb", default=None, type=click.FloatRange(0.01, 1024),
              help="Largest request accepted, in MB (default 10); larger ones get 413.")
@rules_option
def serve(host, port, workers, max_mb):
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
    os.environ.update(env)
    click.echo(f"ParkCert pre-check on http://{host}:{port}/  (API: http://{host}:{port}/docs; Ctrl+C stops)")
    uvicorn.run("engine.web.app:create_app", factory=True, host=host, port=port, workers=workers,
                log_level="info", server_header=False, proxy_headers=False)
