"""Presets per jewelry type, and the model template library: upload (annotated by a job) or
generation from a description (a gpu job), the backdrop label presets choose by, and the
calibration, fixed by hand where needed."""

from __future__ import annotations

import json
import math
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from sqlmodel import Session
from werkzeug.wrappers import Response

from app.auth import require_shop
from app.job_boxes import job_boxes
from app.progress import job_token
from app.web import db, found, settings, shop_id, storage
from imaging.errors import ImagingError
from imaging.generate.request import (
    MAX_SEED,
    AgeRange,
    Background,
    LightDirection,
    Styling,
    TemplateRequest,
)
from imaging.image_io import load_image
from imaging.jewelry import BodyRegion, JewelryType
from imaging.qa import Tier
from imaging.template import NAME_PATTERN, Annotation
from imaging.variations import LIGHT_FROM_SCENE_MAX_DEG
from jobs.api import QueueUnavailableError, enqueue_annotate_template, enqueue_generate_template
from jobs.generation import LIBRARY_BACKGROUND, parse_crop_ratio
from jobs.tasks import template_folder
from jobs.template_generation import (
    GENERATED_SOURCE,
    NO_MODEL,
    pending_row,
    request_values,
    template_name,
)
from models.enums import BackgroundStyle
from models.queries import get_shop_template, list_presets, list_templates
from models.tables import Preset, Template

blueprint = Blueprint("presets", __name__)
blueprint.before_request(require_shop)

BACKGROUND_STYLES = tuple(style.value for style in BackgroundStyle)
MAX_VARIATIONS = 12
PX_PER_MM_RANGE = (0.5, 100.0)
UPLOAD_SUFFIXES = {"JPEG": "jpg", "PNG": "png"}  # the formats the upload form offers
QUEUE_DOWN = "not started: the job queue did not answer; send the photo or description again"


@blueprint.get("/presets")
def index() -> str:
    """The shop's presets, its templates and the library's, each with its calibration."""
    with db() as session:
        presets = list_presets(session, shop_id())
        templates = [t for t in list_templates(session, shop_id()) if t.shop_id == shop_id()]
    library = library_calibrations(settings().templates_dir)
    usable = [t.name for t in templates if t.annotation] + [t["name"] for t in library]
    return render_template(
        "presets.html",
        presets=presets,
        templates=templates,
        library=library,
        template_names=sorted(set(usable)),
        jewelry_types=[t.value for t in JewelryType],
        regions=[r.value for r in BodyRegion],
        tiers=[t.value for t in Tier if t is not Tier.FAIL],
        backgrounds=BACKGROUND_STYLES,
        light_max_deg=LIGHT_FROM_SCENE_MAX_DEG,
        jobs=job_boxes(shop_id(), request.args.getlist("job")),
        generate_unavailable=NO_MODEL if settings().generate_model is None else None,
        age_ranges=[a.value for a in AgeRange],
        stylings=[s.value for s in Styling],
        lights=[d.value for d in LightDirection],
        generate_backgrounds=[b.value for b in Background],
        max_seed=MAX_SEED,
    )


@blueprint.post("/presets")
def save_preset() -> Response:
    """Create the preset for a jewelry type and name, or replace its settings."""
    form = request.form
    jewelry_type = _choice("jewelry_type", [t.value for t in JewelryType])
    name = _name(form.get("name", "default"))
    try:
        ratio_w, ratio_h = parse_crop_ratio(form.get("crop_ratio", ""))
    except ValueError as error:
        abort(400, description=str(error))
    variations = form.get("variations", type=int)
    if variations is None or not 1 <= variations <= MAX_VARIATIONS:
        abort(400, description=f"variations must be 1 to {MAX_VARIATIONS}")
    light = form.get("light_direction_deg", "").strip()
    try:
        light_deg = float(light) % 360.0 if light else None
    except ValueError:
        light_deg = math.nan
    if light_deg is not None and not math.isfinite(light_deg):
        abort(400, description="light direction must be degrees, or empty for the photo's own")
    with db() as session:
        known = {t.name for t in list_templates(session, shop_id()) if t.annotation}
        known |= {t["name"] for t in library_calibrations(settings().templates_dir)}
        fields: dict[str, Any] = {
            "name": name,
            "template_names": [n for n in form.getlist("template_names") if n in known],
            "background_style": _choice("background_style", BACKGROUND_STYLES),
            "light_direction_deg": light_deg,
            "crop_ratio": f"{ratio_w}:{ratio_h}",
            "variations": variations,
            "target_tier": _choice("target_tier", [t.value for t in Tier if t is not Tier.FAIL]),
            "auto_publish": form.get("auto_publish") == "on",
        }
        existing = [
            p for p in list_presets(session, shop_id(), jewelry_type=jewelry_type) if p.name == name
        ]
        if existing:
            existing[0].sqlmodel_update(fields)
            session.add(existing[0])
        else:
            session.add(Preset(shop_id=shop_id(), jewelry_type=jewelry_type, **fields))
    return redirect(url_for("presets.index"))


@blueprint.post("/templates")
def upload_template() -> Response:
    """Keep an uploaded model photo and start the job that annotates it (mediapipe); the page
    follows the job and then shows the calibration, or why the photo could not be used."""
    region = _choice("region", [r.value for r in BodyRegion])
    background = _choice("background_style", BACKGROUND_STYLES)
    name = _name(request.form.get("name", ""))
    upload = request.files.get("photo")
    if upload is None:
        abort(400, description="choose a photo to upload")
    data = upload.read()
    try:  # formats and pixel limits are checked here; the slow annotation runs in the job
        photo_format = load_image(data, max_pixels=settings().max_source_pixels).format
    except ImagingError as error:
        abort(400, description=str(error))
    suffix = UPLOAD_SUFFIXES.get(photo_format)
    if suffix is None:
        abort(400, description="upload a JPEG or PNG photo")
    upload_path = storage().write(
        f"{template_folder(shop_id())}/uploads/{name}-{secrets.token_hex(8)}.{suffix}", data
    )
    with db() as session:
        row = get_shop_template(session, shop_id(), name) or Template(
            shop_id=shop_id(), name=name, region=region, photo_path=upload_path, source="upload"
        )
        superseded = row.photo_path if "/uploads/" in row.photo_path else None
        row.sqlmodel_update(
            {
                "region": region,
                "photo_path": upload_path,
                "annotation": {},
                "annotation_error": None,
                "source": "upload",
                "background_style": background,
            }
        )
        session.add(row)
    if superseded and superseded != upload_path:
        storage().delete(superseded)  # an earlier upload of this name that was never annotated
    with _not_started_on_queue_failure(name):
        job_id = enqueue_annotate_template(shop_id(), name, region, upload_path)
    return redirect(url_for("presets.index", job=job_token(shop_id(), job_id)))


@blueprint.post("/templates/generate")
def generate_template() -> Response:
    """Start the gpu job that generates a model photo from the seller's description; the page
    follows the job and then shows the calibration, or why no usable photo came out."""
    if settings().generate_model is None:
        abort(409, description=NO_MODEL)
    description = _template_request()
    seed = _seed(request.form.get("seed", ""))
    name = template_name(description, seed)
    with db() as session:
        row = get_shop_template(session, shop_id(), name)
        if row is not None and (row.source != GENERATED_SOURCE or row.annotation):
            abort(409, description=f"{name} is already one of your templates: choose another seed")
        row = row or pending_row(shop_id(), name, description.region.value)
        row.annotation_error = None  # asked again after a failure: a new try
        session.add(row)
    with _not_started_on_queue_failure(name):
        job_id = enqueue_generate_template(shop_id(), name, request_values(description), seed)
    return redirect(url_for("presets.index", job=job_token(shop_id(), job_id)))


@contextmanager
def _not_started_on_queue_failure(name: str) -> Iterator[None]:
    """The template's row is written before its job is enqueued; if Redis does not take the job,
    the row says so (instead of waiting for a job that will never run) and the 503 page follows."""
    try:
        yield
    except QueueUnavailableError:
        with db() as session:
            row = get_shop_template(session, shop_id(), name)
            if row is not None:
                row.annotation_error = QUEUE_DOWN
                session.add(row)
        raise


@blueprint.post("/templates/<int:template_id>/calibration")
def calibrate(template_id: int) -> Response:
    """Fix a template's scale by hand (pixels per millimetre at its anchor)."""
    px_per_mm = request.form.get("px_per_mm", type=float)
    if px_per_mm is None or not PX_PER_MM_RANGE[0] <= px_per_mm <= PX_PER_MM_RANGE[1]:
        abort(400, description="px per mm must be a number from 0.5 to 100")
    with db() as session:
        template = _own_template(session, template_id)
        if not template.annotation:
            abort(409, description="the photo is not annotated yet: wait for its job to finish")
        calibrated = Annotation.from_dict(template.annotation).with_overrides(
            {"px_per_mm": px_per_mm}
        )
        annotation = json.loads(calibrated.to_json())
        template.annotation = annotation
        template.source = calibrated.source
        session.add(template)
        json_path = storage().path(template.photo_path).with_suffix(".json")
    json_path.write_text(json.dumps(annotation, indent=2))
    return redirect(url_for("presets.index"))


@blueprint.post("/templates/<int:template_id>/background")
def label_background(template_id: int) -> Response:
    """Change the backdrop label of one of the shop's templates."""
    background = _choice("background_style", BACKGROUND_STYLES)
    with db() as session:
        template = _own_template(session, template_id)
        template.background_style = background
        session.add(template)
    return redirect(url_for("presets.index"))


def library_calibrations(folder: Path) -> list[dict[str, Any]]:
    """Name, region, scale and backdrop of each template in the library folder (from its JSON)."""
    rows = []
    for path in sorted(folder.glob("*.json")):
        try:
            data = json.loads(path.read_text())
            rows.append(
                {
                    "name": path.stem,
                    "region": str(data["region"]),
                    "px_per_mm": float(data["px_per_mm"]),
                    "scale_source": str(data.get("scale_source", "")),
                    "background_style": LIBRARY_BACKGROUND.value,
                }
            )
        except (OSError, ValueError, KeyError, TypeError):
            continue  # a malformed file is the library's problem, not this page's
    return rows


def _own_template(session: Session, template_id: int) -> Template:
    """The signed-in shop's own template with this id (library templates are not the shop's)."""
    templates = list_templates(session, shop_id())
    return found(
        next((t for t in templates if t.id == template_id and t.shop_id == shop_id()), None)
    )


def _template_request() -> TemplateRequest:
    """The generation form's description; a 400 names the field that is wrong."""
    form = request.form
    try:
        skin_tone = int(form.get("skin_tone", ""))
    except ValueError:
        abort(400, description="skin tone must be a whole number from 1 (lightest) to 10 (deepest)")
    try:
        return TemplateRequest.parse(
            region=form.get("region", ""),
            skin_tone=skin_tone,
            age_range=form.get("age_range", ""),
            styling=form.get("styling", ""),
            light=form.get("light", ""),
            background=form.get("background", ""),
        )
    except ValueError as error:
        abort(400, description=str(error))


def _seed(text: str) -> int:
    """The form's seed, or a new one when it is left empty."""
    if not text.strip():
        return secrets.randbelow(MAX_SEED + 1)
    try:
        seed = int(text)
    except ValueError:
        seed = -1
    if not 0 <= seed <= MAX_SEED:
        abort(400, description=f"seed must be a whole number from 0 to {MAX_SEED}, or empty")
    return seed


def _choice(field: str, allowed: list[str] | tuple[str, ...]) -> str:
    value = request.form.get(field, "")
    if value not in allowed:
        abort(400, description=f"{field} must be one of {', '.join(allowed)}")
    return value


def _name(value: str) -> str:
    name = value.strip().lower()
    if not NAME_PATTERN.fullmatch(name):
        abort(400, description="names are lowercase letters, digits, - and _ (up to 64)")
    return name
