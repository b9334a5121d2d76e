"""Publishing a product and undoing it never interleave: the undo waits for the upload."""

from __future__ import annotations

import subprocess
import sys
import threading

from sqlalchemy import Engine, create_engine

from jobs.locks import publication_lock


def _try_in_thread(engine: Engine, product_id: int) -> threading.Event:
    """Take the product's lock on another thread; the event is set once it holds it."""
    taken = threading.Event()

    def take() -> None:
        with publication_lock(engine, product_id):
            taken.set()

    threading.Thread(target=take, daemon=True).start()
    return taken


def test_a_second_job_on_the_same_product_waits_until_the_first_is_done(engine: Engine) -> None:
    with publication_lock(engine, 41):
        waiting = _try_in_thread(engine, 41)
        other_product = _try_in_thread(engine, 42)
        assert other_product.wait(5.0)  # another product is not held up
        assert not waiting.wait(0.5)  # the same product is
    assert waiting.wait(5.0)  # and goes on once the first job lets go


def test_a_worker_killed_holding_the_lock_does_not_block_the_product(engine: Engine) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_FOREVER, engine.url.render_as_string(hide_password=False)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        waiting = _try_in_thread(engine, 43)
        assert not waiting.wait(0.5)
    finally:
        holder.kill()  # the worker dies mid-publish: its connection drops, the server frees the lock
        holder.wait()
    assert waiting.wait(5.0)


_HOLD_FOREVER = """
import sys, time
from sqlalchemy import create_engine
from jobs.locks import publication_lock
lock = publication_lock(create_engine(sys.argv[1]), 43)
lock.__enter__()
print("held", flush=True)
time.sleep(60)
"""


def test_sqlite_needs_no_lock(tmp_path: object) -> None:
    sqlite = create_engine(f"sqlite:///{tmp_path}/adorn.db")
    with publication_lock(sqlite, 1), publication_lock(sqlite, 1):  # one job at a time anyway
        pass
