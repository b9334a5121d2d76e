"""The generate_template job (gpu queue): a model photo made from the seller's description,
annotated and checked like an upload, stored as one of the shop's templates.

The text-to-image pipeline is loaded once and kept between jobs, like the refiner, in the worker's
one model slot (jobs/gpu_models.py), so the two never hold GPU memory together. torch and
diffusers are imported only inside the job, so the web app (which names templates and enqueues)
never loads them.

The pending template's row is the seller's view of the job: while it has neither an annotation nor
an error it is being generated; a generation that fails leaves the reason (every attempt's) on the
row and no files.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from core.settings import Settings
from imaging.generate.request import TemplateRequest
from jobs import queues
from jobs.context import current
from jobs.gpu_models import load_on_gpu, resident_model
from jobs.tasks import template_folder
from models.db import session_scope
from models.enums import BackgroundStyle
from models.queries import get_shop_template
from models.tables import Shop, Template

log = logging.getLogger(__name__)

GENERATED_SOURCE = "generated"  # the Template row's source
# Generated photos are studio photographs on a plain backdrop, labelled like the library's.
GENERATED_BACKGROUND = BackgroundStyle.STUDIO
NO_MODEL = (
    "no text-to-image model configured: set ADORN_GENERATE_MODEL to a local diffusers folder or "
    "the hub id of an SDXL-class model"
)
NO_CUDA = (
    "no CUDA device on this worker: generated templates need a GPU worker "
    "(ADORN_GENERATE_DEVICE=cpu forces the CPU, minutes per photo)"
)


@dataclass(frozen=True)
class _LoadedText2Image:
    """What loading gave for one configuration: a pipeline, or the reason there is none."""

    pipeline: Any | None  # a diffusers StableDiffusionXLPipeline
    unavailable: str | None


def template_name(request: TemplateRequest, seed: int) -> str:
    """The template name of a generated photo: the same description and seed give the same name,
    so asking again finds the template (or the job) already there."""
    digest = hashlib.sha256(f"{request.describe()}\n{seed}".encode()).hexdigest()[:8]
    return f"generated-{request.region.value}-mst{request.skin_tone}-{digest}"


def request_values(request: TemplateRequest) -> dict[str, Any]:
    """The request as plain values, for the job's arguments (TemplateRequest.parse reads them)."""
    return {
        "region": request.region.value,
        "skin_tone": request.skin_tone,
        "age_range": request.age_range.value,
        "styling": request.styling.value,
        "light": request.light.value,
        "background": request.background.value,
    }


def pending_row(shop_id: int, name: str, region: str) -> Template:
    """The row a generation fills in: no photo, annotation or error yet."""
    return Template(
        shop_id=shop_id,
        name=name,
        region=region,
        photo_path="",
        annotation={},
        source=GENERATED_SOURCE,
        background_style=GENERATED_BACKGROUND.value,
    )


def generate_template(shop_id: int, name: str, values: dict[str, Any], seed: int) -> bool:
    """Generate the described model photo into the shop's template `name`; whether it worked.

    Each attempt's result is reported as progress. A generation that gives no usable photo, or
    cannot run here (no model, no GPU), or a request the generator refuses (ValueError) is not
    retried: the reason is kept on the template's row and nothing is saved. Any other error is kept
    there too, and raised (RQ retries the job).
    """
    context = current()
    with session_scope(context.engine) as session:
        if not _still_wanted(session, shop_id, name):
            return False
    region = str(values.get("region", ""))
    try:
        request = TemplateRequest.parse(**values)
        saved = _generate_and_save(context.settings, shop_id, name, request, seed)
    except ValueError as error:  # the same request fails the same way on a retry
        _record_failure(shop_id, name, region, f"generation refused: {error}")
        saved = False
    except Exception as error:
        _record_failure(shop_id, name, region, f"generation failed: {error}")
        raise
    queues.report_progress(1.0, "done" if saved else "no usable photo")
    return saved


def _generate_and_save(
    settings: Settings, shop_id: int, name: str, request: TemplateRequest, seed: int
) -> bool:
    from imaging.generate.generator import Attempt, GenerationFailed, TemplateGenerator

    queues.report_progress(0.02, "loading the text-to-image model")
    loaded = _text2image_for(settings)
    if loaded.pipeline is None or settings.generate_model is None:
        _record_failure(shop_id, name, request.region.value, loaded.unavailable or NO_MODEL)
        return False
    generator = TemplateGenerator(
        loaded.pipeline,
        settings.generate_model,
        size=settings.generate_size_px,
        steps=settings.generate_steps,
    )

    def report(attempt: Attempt) -> None:
        done = attempt.number / generator.max_attempts
        queues.report_progress(0.05 + 0.85 * done, attempt.describe())

    queues.report_progress(0.05, f"attempt 1 of {generator.max_attempts}: {request.describe()}")
    try:
        result = generator(request, seed, name=name, progress=report)
    except GenerationFailed as failure:
        _record_failure(shop_id, name, request.region.value, str(failure))
        return False
    queues.report_progress(0.95, "saving the template")
    template = result.template
    folder = template_folder(shop_id)
    with session_scope(current().engine) as session:
        if not _still_wanted(session, shop_id, name):
            return False  # replaced (an upload of the same name) while it was generated
        template.save(current().storage.path(folder))
        row = get_shop_template(session, shop_id, name) or pending_row(
            shop_id, name, request.region.value
        )
        row.photo_path = f"{folder}/{name}.png"
        row.annotation = json.loads(template.annotation.to_json())
        row.annotation_error = None
        session.add(row)
    log.info("generated template %s for shop %s (seed %s)", name, shop_id, result.seed)
    return True


def _still_wanted(session: Session, shop_id: int, name: str) -> bool:
    """Whether the shop is active and `name` is free or a generated template still pending."""
    shop = session.get(Shop, shop_id)
    if shop is None or shop.uninstalled_at is not None:
        log.info("shop %s is gone or uninstalled: template generation skipped", shop_id)
        return False
    row = get_shop_template(session, shop_id, name)
    return row is None or (row.source == GENERATED_SOURCE and not row.annotation)


def _record_failure(shop_id: int, name: str, region: str, reason: str) -> None:
    """Keep why on the template's row (created if the job ran without one); no files."""
    with session_scope(current().engine) as session:
        if not _still_wanted(session, shop_id, name):
            return
        row = get_shop_template(session, shop_id, name) or pending_row(shop_id, name, region)
        row.annotation_error = reason
        session.add(row)


def _text2image_for(settings: Settings) -> _LoadedText2Image:
    """The pipeline for this configuration, loaded on first use into the worker's model slot."""
    key = ("text2image", settings.generate_model, settings.generate_device)
    return resident_model(
        key, lambda: _load(settings), failed=lambda loaded: loaded.pipeline is None
    )


def _load(settings: Settings) -> _LoadedText2Image:
    if settings.generate_model is None:
        return _LoadedText2Image(None, NO_MODEL)
    loaded = load_on_gpu("text2image", settings.generate_model, settings.generate_device, NO_CUDA)
    return _LoadedText2Image(loaded.pipeline, loaded.unavailable)
