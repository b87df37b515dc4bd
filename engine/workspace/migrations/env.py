"""Alembic environment: the workspace runs migrations itself (engine.workspace.database.migrate) on the connection
it passes in; `alembic` on the command line is not needed."""
from alembic import context

from engine.workspace.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through engine.workspace.database.migrate")
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
