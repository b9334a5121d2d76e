"""The Etsy sandbox's Flask app: OAuth, the Open API v3 subset adorn uses, and an image CDN.

Every request under /v3/application/ first passes the gate (gate.py): the OpenAPI contract, the
app key, the rate budgets, injected failures and the Bearer token, in that order.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app

from integrations.contracts.etsy_openapi import EtsySpec, load_etsy_spec
from integrations.sandbox.etsy.state import EtsySandboxState

STATE_KEY = "etsy_sandbox"
SPEC_PATH_KEY = "ETSY_SPEC_PATH"


def create_etsy_sandbox(state: EtsySandboxState, spec_path: str | Path | None = None) -> Flask:
    """A WSGI app serving `state`; the OpenAPI file comes from `spec_path` or ETSY_SPEC_PATH."""
    from integrations.sandbox.etsy.api import api
    from integrations.sandbox.etsy.cdn import cdn
    from integrations.sandbox.etsy.gate import admit_api_request, after_api_request
    from integrations.sandbox.etsy.oauth import oauth

    app = Flask("etsy-sandbox")
    app.extensions[STATE_KEY] = state
    if spec_path is not None:
        app.config[SPEC_PATH_KEY] = str(spec_path)
    app.before_request(admit_api_request)
    app.after_request(after_api_request)
    app.register_blueprint(oauth)
    app.register_blueprint(api)
    app.register_blueprint(cdn)
    return app


def sandbox_state() -> EtsySandboxState:
    """The state of the sandbox serving the current request."""
    state: EtsySandboxState = current_app.extensions[STATE_KEY]
    return state


def sandbox_spec() -> EtsySpec:
    """Etsy's OpenAPI description, from the path in the app's config (read once)."""
    path = current_app.config.get(SPEC_PATH_KEY)
    if not path:
        raise RuntimeError(f"the Etsy sandbox needs {SPEC_PATH_KEY} set to etsy-openapi-v3.json")
    return load_etsy_spec(path)
