"""Presets per jewelry type, and the model template library: upload, auto-annotate, calibration."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from app.auth import require_shop
from app.web import db, found, settings, shop_id, storage
from imaging.annotate import annotate_photo
from imaging.errors import ImagingError
from imaging.image_io import load_image
from imaging.jewelry import BodyRegion, JewelryType
from imaging.qa import Tier
from models.queries import list_presets, list_templates
from models.tables import Preset, Template

blueprint = Blueprint("presets", __name__)
blueprint.before_request(require_shop)

NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
RATIO_PATTERN = re.compile(r"([1-9][0-9]?):([1-9][0-9]?)")
BACKGROUND_STYLES = ("studio", "lifestyle", "plain")
MAX_VARIATIONS = 12
PX_PER_MM_RANGE = (0.5, 100.0)


@blueprint.get("/presets")
def index() -> str:
    """The shop's presets, its templates and the library's, each with its calibration."""
    with db() as session:
        presets = list_presets(session, shop_id())
        templates = list_templates(session, shop_id())
    return render_template(
        "presets.html",
        presets=presets,
        templates=templates,
        library=library_calibrations(settings().templates_dir),
        jewelry_types=[t.value for t in JewelryType],
        regions=[r.value for r in BodyRegion],
        tiers=[t.value for t in Tier if t is not Tier.FAIL],
        backgrounds=BACKGROUND_STYLES,
    )


@blueprint.post("/presets")
def save_preset() -> Response:
    """Create the preset for a jewelry type and name, or replace its settings."""
    form = request.form
    jewelry_type = _choice("jewelry_type", [t.value for t in JewelryType])
    name = _name(form.get("name", "default"))
    ratio = form.get("crop_ratio", "")
    if not RATIO_PATTERN.fullmatch(ratio):
        abort(400, description="crop ratio must be width:height, e.g. 4:5")
    variations = form.get("variations", type=int)
    if variations is None or not 1 <= variations <= MAX_VARIATIONS:
        abort(400, description=f"variations must be 1 to {MAX_VARIATIONS}")
    light = form.get("light_direction_deg", "").strip()
    try:
        light_deg = float(light) % 360.0 if light else None
    except ValueError:
        abort(400, description="light direction must be degrees, or empty for the template's")
    with db() as session:
        known = {t.name for t in list_templates(session, shop_id())}
        fields: dict[str, Any] = {
            "name": name,
            "template_names": [n for n in form.getlist("template_names") if n in known],
            "background_style": _choice("background_style", BACKGROUND_STYLES),
            "light_direction_deg": light_deg,
            "crop_ratio": ratio,
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
    """Add a model photo to the shop's templates, annotated automatically (mediapipe)."""
    region = BodyRegion(_choice("region", [r.value for r in BodyRegion]))
    name = _name(request.form.get("name", ""))
    upload = request.files.get("photo")
    if upload is None:
        abort(400, description="choose a photo to upload")
    try:
        photo = load_image(upload.read(), max_pixels=settings().max_source_pixels)
        template = annotate_photo(photo.rgb, region, name)
    except ImagingError as error:
        abort(400, description=str(error))
    folder = f"shops/{shop_id()}/templates"
    template.save(storage().path(folder))
    _save_template_row(name, region.value, f"{folder}/{name}.png", template.annotation.to_json())
    return redirect(url_for("presets.index"))


@blueprint.post("/templates/<int:template_id>/calibration")
def calibrate(template_id: int) -> Response:
    """Fix a template's scale by hand (pixels per millimetre at its anchor)."""
    px_per_mm = request.form.get("px_per_mm", type=float)
    if px_per_mm is None or not PX_PER_MM_RANGE[0] <= px_per_mm <= PX_PER_MM_RANGE[1]:
        abort(400, description="px per mm must be a number from 0.5 to 100")
    with db() as session:
        templates = list_templates(session, shop_id())
        template = found(
            next((t for t in templates if t.id == template_id and t.shop_id == shop_id()), None)
        )
        annotation = {**template.annotation, "px_per_mm": px_per_mm, "scale_source": "seller"}
        template.annotation = annotation
        template.source = "manual"
        session.add(template)
        json_path = storage().path(template.photo_path).with_suffix(".json")
    json_path.write_text(json.dumps(annotation, indent=2))
    return redirect(url_for("presets.index"))


def library_calibrations(folder: Path) -> list[dict[str, Any]]:
    """Name, region and scale of each template in the library folder (read from its JSON only)."""
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
                }
            )
        except (OSError, ValueError, KeyError, TypeError):
            continue  # a malformed file is the library's problem, not this page's
    return rows


def _save_template_row(name: str, region: str, photo_path: str, annotation_json: str) -> None:
    annotation = json.loads(annotation_json)
    fields: dict[str, Any] = {
        "region": region,
        "photo_path": photo_path,
        "annotation": annotation,
        "source": str(annotation.get("source", "auto")),
    }
    with db() as session:
        existing = [t for t in list_templates(session, shop_id()) if t.name == name and t.shop_id]
        if existing:
            existing[0].sqlmodel_update(fields)
            session.add(existing[0])
        else:
            session.add(Template(shop_id=shop_id(), name=name, **fields))


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
