"""What every view shares: the app's settings and job context, a database session, the shop."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

from flask import abort, current_app, g
from sqlmodel import Session

from core.settings import Settings
from jobs.context import JobContext
from jobs.storage import FileStorage
from models.db import session_scope

Row = TypeVar("Row")


@dataclass(frozen=True)
class AdornState:
    """The app's settings and the process's job context (engine, storage), set by create_app."""

    settings: Settings
    jobs: JobContext


def state() -> AdornState:
    """The running app's AdornState."""
    adorn: AdornState = current_app.extensions["adorn"]
    return adorn


def settings() -> Settings:
    """The running app's settings."""
    return state().settings


def storage() -> FileStorage:
    """Where generated files and uploaded templates are kept."""
    return state().jobs.storage


@contextmanager
def db() -> Iterator[Session]:
    """One database session for (part of) a request: committed at the end, rolled back on error."""
    with session_scope(state().jobs.engine) as session:
        yield session


def shop_id() -> int:
    """The signed-in shop's id; the auth blueprint's guard sets it before any feature view runs."""
    signed_in: int | None = g.get("shop_id")
    if signed_in is None:
        abort(401)
    return signed_in


def found(row: Row | None) -> Row:
    """The row, or a 404: a missing id and another shop's id look the same."""
    if row is None:
        abort(404)
    return row
