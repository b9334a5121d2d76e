"""The catalog: each product's status and source photo grade, batch generation and its progress."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from app.auth import require_shop
from app.catalog import catalog_rows, generation_cost
from app.job_boxes import job_boxes, running_job_ids
from app.progress import job_id_for, job_token
from app.web import db, found, shop_id
from imaging.jewelry import JewelryType
from jobs.api import enqueue_generate, enqueue_sync, job_status
from jobs.queues import UnknownJobError
from models.queries import get_product, list_products
from models.tables import Shop

blueprint = Blueprint("dashboard", __name__)
blueprint.before_request(require_shop)


@blueprint.get("/")
def catalog() -> str:
    """The shop's catalog, the cost per approved image, and the progress of its jobs: those just
    started and any still running (the first sync after an install, automatic generations)."""
    with db() as session:
        shop = found(session.get(Shop, shop_id()))
        rows = catalog_rows(session, shop_id())
        costs = generation_cost(session, shop_id())
        running = running_job_ids(session, shop_id(), shop.platform.value)
        jobs = job_boxes(shop_id(), request.args.getlist("job"), running, session)
    return render_template(
        "dashboard.html",
        shop=shop,
        rows=rows,
        costs=costs,
        jewelry_types=[t.value for t in JewelryType],
        jobs=jobs,
    )


@blueprint.post("/sync")
def sync() -> Response:
    """Sync the catalog from the store now."""
    return redirect(url_for("dashboard.catalog", job=job_token(shop_id(), enqueue_sync(shop_id()))))


@blueprint.post("/generate")
def generate() -> Response:
    """Generate for every product of a jewelry type, or for the selected products."""
    jewelry_type = request.form.get("jewelry_type", "")
    selected = request.form.getlist("product_id", type=int)
    with db() as session:
        if jewelry_type:
            if jewelry_type not in {t.value for t in JewelryType}:
                abort(400, description=f"unknown jewelry type {jewelry_type!r}")
            products = list_products(session, shop_id(), jewelry_type=jewelry_type)
        else:
            products = [found(get_product(session, shop_id(), pid)) for pid in selected]
    if not products:
        abort(400, description="choose a jewelry type or at least one product")
    tokens = [job_token(shop_id(), enqueue_generate(p.id)) for p in products if p.id is not None]
    return redirect(url_for("dashboard.catalog", job=tokens))


@blueprint.get("/jobs/<token>")
def job(token: str) -> ResponseReturnValue:
    """A job's progress as JSON, for the page's progress bar; 404 for another shop's job."""
    job_id = job_id_for(shop_id(), token)
    if job_id is None:
        abort(404)
    try:
        status = job_status(job_id)
    except UnknownJobError:
        abort(404)
    return jsonify(
        state=status.state, progress=status.progress, step=status.step, error=status.error
    )
