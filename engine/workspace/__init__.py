"""The expert panel's workspace (issue 13): accounts and roles, dossier versions, reviews in the browser, an
append-only audit trail, in a SQLite file or a PostgreSQL database. `mount(app, settings)` adds it to the web
pre-check's app (engine.web.app.create_app calls it when a data folder or a database URL is set)."""
from __future__ import annotations


def mount(app, settings) -> None:
    from .database import open_database
    from .deps import LoginRequired, to_login
    from .routers import ROUTERS
    from .sessions import signing_key

    db = open_database(settings.data_dir, settings.database_url)
    with db.session() as s:
        app.state.workspace_key = signing_key(s)
        s.commit()
    app.state.workspace = db
    for router in ROUTERS:
        app.include_router(router)
    app.add_exception_handler(LoginRequired, to_login)
