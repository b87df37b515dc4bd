"""The server's one settings object: options of `parkcert serve`, or PARKCERT_WEB_* environment variables."""
from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

MB = 1024 * 1024


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PARKCERT_WEB_", frozen=True)

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    workers: int = Field(1, ge=1, le=64, description="uvicorn worker processes (each with its own rule engine)")
    max_request_bytes: int = Field(10 * MB, ge=1024, description="larger requests get 413")
    check_timeout_s: float = Field(10.0, gt=0, description="a check taking longer gets 503 and its process is replaced")
    check_processes: int = Field(2, ge=1, le=32, description="processes that run checks, per uvicorn worker")
    render_timeout_s: float = Field(90.0, gt=0, description="a PDF taking longer gets 503 and its process is replaced")
    render_processes: int = Field(1, ge=1, le=16, description="processes that render PDFs, per uvicorn worker")
    render_queue: int = Field(4, ge=0, le=256, description="PDFs waiting for a render process; beyond it: 503")
    engine: str | None = Field(None, pattern="^(durable|python)$", description="rule evaluator (default: durable)")
    rules_dirs: tuple[Path, ...] = ()      # extra pack folders, as --rules DIR (PARKCERT_RULES also applies)
    # the panel workspace (engine.workspace) is mounted when either is set
    data_dir: Path | None = None
    database_url: str | None = None
