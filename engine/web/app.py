"""The web application: `create_app(settings)` builds it; `parkcert serve` runs it with uvicorn.

    /                  upload form (en/zh)          /api/v1/programs, /rules/{id}, /metrics   the catalogue
    /check             result page                  /api/v1/check, /validate, /report         dossiers
    /download/...      PDF (en/zh), JSON result     /docs, /openapi.json                       the API described
    /static/...        the pages' own CSS and fonts /docs-assets/...                           Swagger UI, bundled

The panel workspace (engine.workspace) mounts its routers into this app when a data folder or a database is
configured (see the hook below); it shares the error handlers (errors.scoped_handler) and middleware.
"""
from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from .. import __version__
from ..paths import REPORTS
from . import api, errors, pages
from .middleware import SecurityHeaders, SizeLimit
from .schemas import add_json_schemas
from .service import Service
from .settings import Settings
from .views import WEB, environment


def _swagger_assets() -> Path:
    import fastapi_offline
    return Path(fastapi_offline.__file__).parent / "static"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.service = Service(settings)
        try:
            yield
        finally:
            app.state.service.close()

    app = FastAPI(title="ParkCert", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Check Chinese industrial zones against the national park certification programs "
                              "(rules after IISD (2015), *Development of Eco-Efficient Industrial Parks in China: "
                              "A review*). Every outcome carries value, unit, threshold, gap and provenance.")
    app.state.settings = settings
    errors.install(app)
    app.include_router(api.catalogue)
    app.include_router(api.dossiers)
    app.include_router(pages.router)
    app.mount("/static/fonts", StaticFiles(directory=REPORTS / "fonts"), name="fonts")
    app.mount("/static", StaticFiles(directory=WEB / "static"), name="static")
    app.mount("/docs-assets", StaticFiles(directory=_swagger_assets()), name="docs-assets")

    @app.get("/docs", include_in_schema=False, response_class=HTMLResponse)
    def docs(request: Request) -> HTMLResponse:
        return HTMLResponse(environment().get_template("docs.html.j2").render(title=app.title))

    def openapi() -> dict:
        if not app.openapi_schema:
            app.openapi_schema = add_json_schemas(get_openapi(title=app.title, version=app.version,
                                                              description=app.description, routes=app.routes))
        return app.openapi_schema
    app.openapi = openapi

    # Hook for the panel workspace (issue 13): it adds its routers, pages and options to this app.
    if settings.data_dir or settings.database_url:
        from ..workspace import mount
        mount(app, settings)

    # outermost last: the size limit sees the body before anything reads it; every response gets the headers
    app.add_middleware(SizeLimit, limit=settings.max_request_bytes)
    app.add_middleware(SecurityHeaders)
    return app
