"""An Etsy sandbox on loopback per test, seeded with a jewelry shop, and a way to connect to it."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator

import pytest

from integrations.sandbox.etsy.app import create_etsy_sandbox
from integrations.sandbox.etsy.seed import seed_shop
from integrations.sandbox.etsy.state import EtsySandboxApp, EtsySandboxState
from integrations.sandbox.server import serve_in_thread
from integrations.sandbox.stores import ETSY_SPEC_FILE
from tests.conftest import shared_specs
from tests.integrations.etsy.etsy_harness import (
    KEYSTRING,
    PHOTO_PX,
    REDIRECT_URI,
    SHARED_SECRET,
    Connected,
    EtsySandbox,
    connect_seller,
)


@pytest.fixture
def seed_listings() -> int:
    """How many listings the sandbox shop starts with; a test module may override it."""
    return 24


@pytest.fixture
def sandbox(seed_listings: int) -> Iterator[EtsySandbox]:
    state = EtsySandboxState(
        app=EtsySandboxApp(KEYSTRING, SHARED_SECRET, (REDIRECT_URI,)),
        per_second_limit=1000,
    )
    shop = seed_shop(state, count=seed_listings, photo_px=PHOTO_PX)
    server = serve_in_thread(create_etsy_sandbox(state, shared_specs() / ETSY_SPEC_FILE))
    try:
        yield EtsySandbox(state, shop, server.base_url)
    finally:
        server.stop()


@pytest.fixture
def connect(sandbox: EtsySandbox) -> Callable[..., Connected]:
    """Connect the sandbox's seller; keyword arguments tune the client and store."""
    return functools.partial(connect_seller, sandbox)


@pytest.fixture
def connected(connect: Callable[..., Connected]) -> Connected:
    return connect()
