"""Fixtures for the contract tests: the platforms' published schemas in ../shared/specs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from graphql import GraphQLSchema

from integrations.contracts.etsy_openapi import EtsySpec, load_etsy_spec
from integrations.contracts.shopify_schema import load_admin_schema
from integrations.sandbox.stores import SandboxStores, start_sandbox_stores
from tests.conftest import shared_specs

CALLBACK = (
    "http://127.0.0.1:9/auth/callback"  # never called: the tests read the redirect themselves
)


def running_sandboxes(products: int, photo_px: int) -> Iterator[SandboxStores]:
    """Both sandbox stores, seeded, with fast media processing; stopped after. For `yield from`
    in a fixture."""
    running = start_sandbox_stores(
        shared_specs(), (CALLBACK,), products=products, photo_px=photo_px
    )
    running.shopify_state.media_processing_s = 0.05
    yield running
    running.stop()


def _spec_file(name: str) -> Path:
    return shared_specs() / name


@pytest.fixture(scope="session")
def shopify_schema() -> GraphQLSchema:
    """The Shopify Admin schema, built once per session (several seconds)."""
    return load_admin_schema(_spec_file("shopify-admin-2025-09-unstable.graphql"))


@pytest.fixture(scope="session")
def etsy_spec() -> EtsySpec:
    """Etsy's Open API v3 description."""
    return load_etsy_spec(_spec_file("etsy-openapi-v3.json"))
