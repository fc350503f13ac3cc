"""Alembic's entry point for the PostgreSQL schema: runs on the connection the store passes in
(see retriever/store/postgres/schema.py); there is no alembic.ini at run time."""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None)
with context.begin_transaction():
    context.run_migrations()
