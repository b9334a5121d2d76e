"""Review one product: its source photo beside the variations with their QA, the seller's decisions,
nudges, copy edits, and publishing (with undo)."""

from __future__ import annotations

import secrets

from flask import Blueprint, abort, redirect, render_template, request, url_for
from sqlmodel import Session
from werkzeug.wrappers import Response

from app.auth import require_shop
from app.job_boxes import job_boxes, running_job_ids
from app.progress import job_token
from app.web import db, found, shop_id
from jobs.api import enqueue_describe, enqueue_generate, enqueue_publish, enqueue_unpublish
from models.enums import ImageStatus
from models.queries import (
    get_generated_image,
    get_listing_copy,
    get_preset,
    get_product,
    get_publication,
    get_run,
    list_generated_images,
    list_presets,
    list_source_photos,
)
from models.tables import GeneratedImage, Shop

blueprint = Blueprint("review", __name__)
blueprint.before_request(require_shop)

# A nudge corrects a placement, it does not redesign it: beyond these the preset or template is wrong.
SCALE_NUDGE_RANGE = (0.8, 1.25)
OFFSET_NUDGE_MM = 10.0
MAX_TAGS = 13


@blueprint.get("/products/<int:product_id>")
def product(product_id: int) -> str:
    """The source photo beside its variations, QA badges and overlays, copy and publications."""
    with db() as session:
        shop = found(session.get(Shop, shop_id()))
        item = found(get_product(session, shop_id(), product_id))
        photos = list_source_photos(session, shop_id(), product_id)
        images = list_generated_images(session, shop_id(), product_id)
        runs = {
            run_id: get_run(session, shop_id(), run_id) for run_id in {i.run_id for i in images}
        }
        publications = {
            image.id: get_publication(session, shop_id(), image.id or 0, shop.platform.value)
            for image in images
        }
        copy = get_listing_copy(session, shop_id(), product_id)
        presets = list_presets(session, shop_id(), jewelry_type=item.jewelry_type)
        targets = {
            run_id: preset.target_tier
            for run_id, run in runs.items()
            if run is not None
            and run.preset_id is not None
            and (preset := get_preset(session, shop_id(), run.preset_id)) is not None
        }
        running = running_job_ids(session, shop_id(), shop.platform.value, product_id)
        jobs = job_boxes(shop_id(), request.args.getlist("job"), running, session)
    return render_template(
        "product.html",
        shop=shop,
        product=item,
        photos=photos,
        images=images,
        runs=runs,
        targets=targets,
        publications=publications,
        copy=copy,
        presets=presets,
        jobs=jobs,
    )


@blueprint.post("/products/<int:product_id>/images/<int:image_id>/decision")
def decide(product_id: int, image_id: int) -> Response:
    """Approve or reject one variation."""
    decision = {"approve": ImageStatus.APPROVED, "reject": ImageStatus.REJECTED}.get(
        request.form.get("decision", "")
    )
    if decision is None:
        abort(400, description="decision must be approve or reject")
    with db() as session:
        image = _image_of(session, product_id, image_id)
        image.status = decision
        session.add(image)
    return redirect(url_for("review.product", product_id=product_id))


@blueprint.post("/products/<int:product_id>/images/<int:image_id>/nudge")
def nudge(product_id: int, image_id: int) -> Response:
    """Correct one variation's scale and position, then re-render it with the same seed."""
    scale = _bounded_float("scale", *SCALE_NUDGE_RANGE)
    dx_mm = _bounded_float("dx_mm", -OFFSET_NUDGE_MM, OFFSET_NUDGE_MM)
    dy_mm = _bounded_float("dy_mm", -OFFSET_NUDGE_MM, OFFSET_NUDGE_MM)
    with db() as session:
        image = _image_of(session, product_id, image_id)
        image.scale_nudge = scale
        image.offset_nudge_mm = [dx_mm, dy_mm]
        session.add(image)
        run = found(get_run(session, shop_id(), image.run_id))
    job_id = enqueue_generate(product_id, run.preset_id, run.base_seed)
    return _back_with_job(product_id, job_id)


@blueprint.post("/products/<int:product_id>/regenerate")
def regenerate(product_id: int) -> Response:
    """New variations with a fresh seed, with the chosen preset (default: the type's)."""
    preset_id = request.form.get("preset_id", type=int)
    with db() as session:
        found(get_product(session, shop_id(), product_id))
        if preset_id is not None:
            found(get_preset(session, shop_id(), preset_id))
    job_id = enqueue_generate(product_id, preset_id, secrets.randbelow(2**31))
    return _back_with_job(product_id, job_id)


@blueprint.post("/products/<int:product_id>/copy")
def edit_copy(product_id: int) -> Response:
    """Save the seller's edits to the listing copy; an edited copy is never rewritten by adorn."""
    title = request.form.get("title", "").strip()
    if not title:
        abort(400, description="the title cannot be empty")
    tags = [t.strip() for t in request.form.get("tags", "").split(",") if t.strip()]
    with db() as session:
        copy = found(get_listing_copy(session, shop_id(), product_id))
        copy.title = title
        copy.description_html = request.form.get("description", "")
        copy.tags = tags[:MAX_TAGS]
        copy.edited = True
        session.add(copy)
    return redirect(url_for("review.product", product_id=product_id))


@blueprint.post("/products/<int:product_id>/describe")
def describe(product_id: int) -> Response:
    """Write (or rewrite) the listing copy."""
    with db() as session:
        found(get_product(session, shop_id(), product_id))
    return _back_with_job(product_id, enqueue_describe(product_id))


@blueprint.post("/products/<int:product_id>/publish")
def publish(product_id: int) -> Response:
    """Publish the approved images and the copy to the chosen destinations."""
    destinations = _destinations(product_id)
    return _back_with_job(product_id, enqueue_publish(product_id, destinations))


@blueprint.post("/products/<int:product_id>/unpublish")
def unpublish(product_id: int) -> Response:
    """Undo: remove adorn's published images from the destinations (the seller's own photos are
    never touched); the approvals stay, so publishing again puts them back."""
    destinations = _destinations(product_id)
    return _back_with_job(product_id, enqueue_unpublish(product_id, destinations))


def _destinations(product_id: int) -> list[str]:
    """The destinations asked for, each one this shop can publish to."""
    with db() as session:
        found(get_product(session, shop_id(), product_id))
        shop = found(session.get(Shop, shop_id()))
    allowed = {shop.platform.value}
    destinations = request.form.getlist("destination") or sorted(allowed)
    unknown = set(destinations) - allowed
    if unknown:
        abort(400, description=f"this shop cannot publish to {', '.join(sorted(unknown))}")
    return destinations


def _image_of(session: Session, product_id: int, image_id: int) -> GeneratedImage:
    image = found(get_generated_image(session, shop_id(), image_id))
    if image.product_id != product_id:
        abort(404)
    return image


def _bounded_float(name: str, low: float, high: float) -> float:
    value = request.form.get(name, type=float)
    if value is None or not low <= value <= high:
        abort(400, description=f"{name} must be a number from {low:g} to {high:g}")
    return value


def _back_with_job(product_id: int, job_id: str) -> Response:
    return redirect(
        url_for("review.product", product_id=product_id, job=job_token(shop_id(), job_id))
    )
