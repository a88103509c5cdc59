"""Alembic environment: the engine comes from the caller (see core.migrate)."""

from alembic import context

from bicentennial.models import metadata

config = context.config
engine = config.attributes["engine"]

with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    context.run_migrations()
