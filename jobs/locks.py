"""A lock per product around publishing and its undo, so the two never interleave.

With several workers, an undo clicked while a publish is still uploading would find nothing
published yet, remove nothing, and the upload would then land: the seller's last word lost. Both
jobs hold the product's lock for their whole run, so the undo waits for the upload and then
removes it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, text

# pg_advisory_lock's two-key form: this namespace (b"PUBL") keeps adorn's keys apart from others'.
_PUBLICATION_NAMESPACE = 0x5055424C


@contextmanager
def publication_lock(engine: Engine, product_id: int) -> Iterator[None]:
    """Hold the product's publication lock for the block, waiting for it if another job has it.

    PostgreSQL: a session advisory lock on a connection of its own, so it lasts across the job's
    commits and is released by the server if the worker dies. SQLite runs with the in-process
    job runner, which performs one job at a time: nothing to lock.
    """
    if engine.dialect.name != "postgresql":
        yield
        return
    keys = {"namespace": _PUBLICATION_NAMESPACE, "key": product_id}
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:namespace, :key)"), keys)
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:namespace, :key)"), keys)
