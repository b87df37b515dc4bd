"""What routes receive from the app: its settings and its job pools (one of each per server process)."""
from __future__ import annotations

from fastapi import Request

from .service import Service
from .settings import Settings


def settings(request: Request) -> Settings:
    return request.app.state.settings


def service(request: Request) -> Service:
    return request.app.state.service
