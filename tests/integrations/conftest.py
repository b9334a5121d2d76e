"""Fixtures for the contract tests: the platforms' published schemas in ../shared/specs."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import GraphQLSchema

from integrations.contracts.etsy_openapi import EtsySpec, load_etsy_spec
from integrations.contracts.shopify_schema import load_admin_schema

SPECS_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "specs"


def _spec_file(name: str) -> Path:
    path = SPECS_DIR / name
    if not path.is_file():
        pytest.skip(f"platform spec {name} not found in {SPECS_DIR}")
    return path


@pytest.fixture(scope="session")
def shopify_schema() -> GraphQLSchema:
    """The Shopify Admin schema, built once per session (several seconds)."""
    return load_admin_schema(_spec_file("shopify-admin-2025-09-unstable.graphql"))


@pytest.fixture(scope="session")
def etsy_spec() -> EtsySpec:
    """Etsy's Open API v3 description."""
    return load_etsy_spec(_spec_file("etsy-openapi-v3.json"))
