"""The Shopify sandbox's Flask app: one blueprint per part of Shopify it stands in for."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app

from integrations.sandbox.shopify.query_cost import BucketSettings
from integrations.sandbox.shopify.state import ShopifySandboxState

STATE_KEY = "shopify_sandbox"


def create_shopify_sandbox(
    state: ShopifySandboxState,
    schema_path: str | Path | None = None,
    bucket: BucketSettings | None = None,
) -> Flask:
    """A WSGI app serving every shop in `state` under /shops/<shop-domain>/.

    `schema_path` is the Admin GraphQL schema (SDL) that every document is validated and executed
    against; `bucket` the cost bucket (default: a Standard plan's).
    """
    from integrations.sandbox.shopify.admin_api import BUCKET_KEY, SCHEMA_PATH_KEY, admin_api
    from integrations.sandbox.shopify.files import files
    from integrations.sandbox.shopify.oauth import oauth

    app = Flask("shopify-sandbox")
    app.extensions[STATE_KEY] = state
    if schema_path is not None:
        app.config[SCHEMA_PATH_KEY] = str(schema_path)
    if bucket is not None:
        app.config[BUCKET_KEY] = bucket
    app.register_blueprint(oauth, url_prefix="/shops/<shop>")
    app.register_blueprint(admin_api, url_prefix="/shops/<shop>")
    app.register_blueprint(files)  # staged upload targets and the CDN, not per shop
    return app


def sandbox_state() -> ShopifySandboxState:
    """The state of the sandbox serving the current request."""
    state: ShopifySandboxState = current_app.extensions[STATE_KEY]
    return state
