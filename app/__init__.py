"""adorn's web app: the app factory. One blueprint per feature; the work itself runs in jobs."""

from __future__ import annotations

from flask import Flask
from werkzeug.exceptions import ServiceUnavailable
from werkzeug.wrappers import Response

from core.settings import Settings
from jobs.queues import QueueUnavailableError

# Source photos and model templates are a few MB; anything far larger is refused before reading.
MAX_UPLOAD_BYTES = 25 * 1024 * 1024


def create_app(settings: Settings | None = None) -> Flask:
    """Build the Flask app for `settings` (default: read from the environment).

    Migrates the database to the newest schema and sets the process's job context (without
    Redis, also starts the clock that enqueues the timed jobs), so a fresh install starts with
    one command.
    """
    from app import auth, dashboard, export, files, presets, review, webhooks
    from app.csrf import csrf
    from app.web import AdornState
    from jobs import context, schedule
    from models.db import migrate

    settings = settings or Settings.from_env()
    app = Flask(__name__)
    # Inside the Shopify admin the app is a cross-site iframe: its cookie must be SameSite=None,
    # which browsers accept only with Secure, so plain-http local use keeps Lax.
    embedded = settings.app_url.startswith("https://")
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=MAX_UPLOAD_BYTES,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SECURE=embedded,
        SESSION_COOKIE_SAMESITE="None" if embedded else "Lax",
    )
    settings.data_dir.mkdir(parents=True, exist_ok=True)  # the SQLite file's folder by default
    job_context = context.configure(settings)
    migrate(job_context.engine)
    if settings.in_process_jobs:
        schedule.start_in_process_clock()  # with Redis, `adorn clock` runs it
    app.extensions["adorn"] = AdornState(settings, job_context)
    csrf.init_app(app)
    csrf.exempt(webhooks.blueprint.name)  # authenticated by their HMAC instead
    for module in (auth, webhooks, dashboard, review, presets, export, files):
        app.register_blueprint(module.blueprint)
    app.register_error_handler(QueueUnavailableError, _queue_unavailable)
    return app


def _queue_unavailable(error: QueueUnavailableError) -> Response:
    """A button that starts a job while Redis is down: 503, and the page says nothing started."""
    return ServiceUnavailable(
        description="the job queue is not answering, so nothing was started: try again in a minute"
    ).get_response()
