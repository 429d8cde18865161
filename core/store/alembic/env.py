"""Alembic's environment: runs revisions on the connection core/store/schema.py hands in.

Called through `core.store.schema.upgrade()` (at start-up, or
`python -m core.store.schema upgrade` as a deploy step), which holds the
cross-process migration lock and passes its connection in
`config.attributes["connection"]`. Each revision runs in its own
transaction, so a revision may step outside one (`autocommit_block`) for
statements PostgreSQL refuses inside a transaction, such as CREATE INDEX
CONCURRENTLY.
"""

from alembic import context

from core.store.models import Base
from core.store.schema import include_object

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    include_object=include_object,
    transaction_per_migration=True,
    render_as_batch=True,  # SQLite's ALTER TABLE is limited: copy-and-move when needed
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
