"""The Shopify sandbox's Flask app: one blueprint per part of Shopify it stands in for."""

from __future__ import annotations

from flask import Flask, current_app

from integrations.sandbox.shopify.state import ShopifySandboxState

STATE_KEY = "shopify_sandbox"


def create_shopify_sandbox(state: ShopifySandboxState) -> Flask:
    """A WSGI app serving every shop in `state` under /shops/<shop-domain>/."""
    from integrations.sandbox.shopify.admin_api import admin_api
    from integrations.sandbox.shopify.files import files
    from integrations.sandbox.shopify.oauth import oauth

    app = Flask("shopify-sandbox")
    app.extensions[STATE_KEY] = state
    app.register_blueprint(oauth, url_prefix="/shops/<shop>")
    app.register_blueprint(admin_api, url_prefix="/shops/<shop>")
    app.register_blueprint(files)  # staged upload targets and the CDN, not per shop
    return app


def sandbox_state() -> ShopifySandboxState:
    """The state of the sandbox serving the current request."""
    state: ShopifySandboxState = current_app.extensions[STATE_KEY]
    return state
