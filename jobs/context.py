"""The process's job context: settings, one engine, Redis and its queues, file storage, templates,
token cipher.

The app and each worker call configure(settings) once at start. The engine is created lazily, on
first use, so a forking worker's child opens its own connections instead of sharing the parent's.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from redis import Redis
from rq import Queue
from sqlalchemy import Engine

from core.settings import Settings
from integrations.tokens import TokenCipher
from jobs.storage import FileStorage
from models.db import make_engine


@dataclass
class JobContext:
    """Everything a job needs besides its arguments; one per process."""

    settings: Settings
    storage: FileStorage
    cipher: TokenCipher
    redis: Redis | None
    _engine: Engine | None = field(default=None, repr=False)
    _engine_pid: int | None = field(default=None, repr=False)
    _rq_queues: dict[str, Queue] = field(default_factory=dict, repr=False)

    @property
    def engine(self) -> Engine:
        """The process's engine, created on first use in this process (after any fork)."""
        if self._engine is None or self._engine_pid != os.getpid():
            self._engine = make_engine(self.settings.database_url)
            self._engine_pid = os.getpid()
        return self._engine

    def rq_queue(self, name: str) -> Queue:
        """The RQ queue `name` on the process's Redis, made once: a new Queue object asks the
        server for its version first, a round trip every enqueue would otherwise pay."""
        if self.redis is None:
            raise RuntimeError("no REDIS_URL: jobs run in-process, not on RQ queues")
        if name not in self._rq_queues:
            self._rq_queues[name] = Queue(name, connection=self.redis)
        return self._rq_queues[name]

    @property
    def templates_dir(self) -> Path:
        """The model template library (seeded with adorn's samples when empty)."""
        return self.settings.templates_dir


_current: JobContext | None = None


def configure(settings: Settings) -> JobContext:
    """Set the process's job context from settings (call once at start); returns it."""
    global _current
    if _current is not None and _current._engine is not None:
        _current._engine.dispose()
    redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
    _current = JobContext(
        settings=settings,
        storage=FileStorage(settings.data_dir / "files"),
        cipher=TokenCipher(settings.token_key),
        redis=redis,
    )
    return _current


def current() -> JobContext:
    """The context configure() set; RuntimeError if it was never called in this process."""
    if _current is None:
        raise RuntimeError("jobs.context.configure(settings) was not called in this process")
    return _current
