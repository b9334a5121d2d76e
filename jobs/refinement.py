"""The optional diffusion stage of a generate job: contact-band refinement on the GPU worker.

The refiner is loaded once and kept between jobs (the gpu queue's worker does not fork, so the
weights stay on the GPU) until the worker needs another model (jobs/gpu_models.py). Without
weights, without a GPU, without the gpu extra, when the weights fail to load or the model fails on
a product, the render keeps its composites and the report says why. torch and diffusers are
imported inside the functions, and only when a refine model is configured, so the web app and the
default worker never load them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core.settings import Settings
from imaging.refine.outcome import RefineSettings, skip_refinement
from imaging.render import RenderResult
from jobs.gpu_models import load_on_gpu, resident_model

if TYPE_CHECKING:
    from imaging.refine.refiner import ContactBandRefiner

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _LoadedRefiner:
    """What loading gave for one configuration: a refiner, or the reason there is none."""

    refiner: ContactBandRefiner | None
    unavailable: str | None


def refine_render(result: RenderResult, settings: Settings) -> tuple[RenderResult, dict[str, Any]]:
    """Refine the contact band of every variation of `result` in batches, or keep the composites.

    Returns the render to save (refined variations where QA did not get worse) and the refine
    report for the run's record: model, seconds, and per variation its status and reason.
    """
    if settings.refine_model is None:
        return result, _skipped(result, "no refine model configured (ADORN_REFINE_MODEL)")
    loaded = _refiner_for(settings)
    if loaded.refiner is None:
        return result, _skipped(result, loaded.unavailable or "refiner unavailable")
    try:
        refined = loaded.refiner(result.variations, result.cutout, result.spec)
    except Exception as exc:  # out of GPU memory, an empty band...: the composites still stand
        log.exception("contact-band refinement failed; composites kept")
        return result, _skipped(result, f"refinement failed, composites kept: {exc}")
    return refined.applied_to(result), refined.to_dict()


def preload_refiner(settings: Settings) -> str:
    """Load the refiner before the first job (GPU worker start); says what this worker will do."""
    if settings.refine_model is None:
        return "off: no refine model configured (ADORN_REFINE_MODEL)"
    loaded = _refiner_for(settings)
    if loaded.refiner is None:
        return f"off: {loaded.unavailable}"
    return f"on: {settings.refine_model}"


def _refiner_for(settings: Settings) -> _LoadedRefiner:
    """The refiner for this configuration, loaded on first use and kept while the worker
    has no other model to hold."""
    key = (
        "refine",
        settings.refine_model,
        settings.refine_device,
        settings.refine_strength,
        settings.refine_steps,
        settings.refine_size_px,
        settings.refine_compile,
    )
    return resident_model(
        key, lambda: _load(settings), failed=lambda loaded: loaded.refiner is None
    )


def _load(settings: Settings) -> _LoadedRefiner:
    assert settings.refine_model is not None
    try:  # checked first: bad settings should not cost a model load
        refine_settings = RefineSettings(
            strength=settings.refine_strength,
            steps=settings.refine_steps,
            size_px=settings.refine_size_px,
        )
    except ValueError as exc:
        return _LoadedRefiner(None, str(exc))
    loaded = load_on_gpu(
        "inpaint",
        settings.refine_model,
        settings.refine_device,
        "no CUDA device on this worker: composites kept",
        compile_unet=settings.refine_compile,
    )
    if loaded.pipeline is None:
        return _LoadedRefiner(None, loaded.unavailable)
    from imaging.refine.refiner import ContactBandRefiner

    refiner = ContactBandRefiner(loaded.pipeline, refine_settings, model=settings.refine_model)
    return _LoadedRefiner(refiner, None)


def _skipped(result: RenderResult, reason: str) -> dict[str, Any]:
    return skip_refinement(result.variations, reason).to_dict()
