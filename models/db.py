"""The engine (one per process), sessions (one per request or job) and schema migration."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import StaticPool
from sqlmodel import Session

from core.settings import Settings

MIGRATIONS_DIR = Path(__file__).resolve().with_name("migrations")

# Any constant works: it only has to be the same in every process that migrates.
_MIGRATION_LOCK_KEY = 0x61646F726E  # "adorn"


def make_engine(url: str | None = None) -> Engine:
    """Create the process's engine for `url` (default: the settings' DATABASE_URL).

    Call it once per process (after forking, in a worker) and share the engine, never a session.
    A bare `postgresql://` or `postgres://` URL uses the psycopg 3 driver.
    """
    url_obj = make_url(url or Settings.from_env().database_url)
    if url_obj.drivername in ("postgresql", "postgres"):
        url_obj = url_obj.set(drivername="postgresql+psycopg")
    if url_obj.get_backend_name() == "sqlite":
        return _make_sqlite_engine(url_obj)
    return create_engine(
        url_obj,
        pool_size=5,
        max_overflow=10,
        pool_pre_ping=True,  # a worker outlives database restarts and idle-connection reaps
        pool_recycle=1800,
    )


def _make_sqlite_engine(url: URL) -> Engine:
    in_memory = url.database in (None, "", ":memory:")
    engine = create_engine(
        url,
        # Sessions run in web threads and in-process jobs; each one still has its own connection.
        connect_args={"check_same_thread": False, "timeout": 30},
        # An in-memory database exists per connection, so every session must share the one.
        poolclass=StaticPool if in_memory else None,
    )
    event.listen(engine, "connect", _configure_sqlite_connection)
    event.listen(engine, "begin", _begin_sqlite_transaction)
    return engine


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT; SQLAlchemy emits BEGIN instead
    # (see _begin_sqlite_transaction), as the SQLAlchemy SQLite dialect docs recommend.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.close()


def _begin_sqlite_transaction(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN")


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One session for one request or job: commit when the block ends, roll back on error.

    Objects stay readable after the block (expire_on_commit=False); re-read them in a new
    scope before changing them again.
    """
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def migrate(target: Engine | str) -> None:
    """Bring the database at `target` (an engine or a URL) to the newest schema revision.

    Runs Alembic's `upgrade head` on models/migrations; on PostgreSQL an advisory lock makes
    processes that start together migrate one after another.
    """
    engine = make_engine(target) if isinstance(target, str) else target
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK_KEY})")
            command.upgrade(_alembic_config(connection), "head")
    finally:
        if isinstance(target, str):
            engine.dispose()


def _alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config
