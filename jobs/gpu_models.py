"""The one diffusion model a GPU worker keeps loaded between jobs.

Refinement and template generation use different SDXL pipelines (several GB each in fp16). The
worker holds one at a time: asking for another frees the first, so alternating jobs never hold
both. torch is imported only when a model is freed, so the web app never loads it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

log = logging.getLogger(__name__)

Loaded = TypeVar("Loaded")

# A load that failed (no weights yet, no CUDA) is tried again after this long, so weights put in
# place later are picked up without restarting the worker, and a burst of jobs does not retry a
# broken model once per job.
FAILED_LOAD_RETRY_S = 300.0


@dataclass(frozen=True)
class _Resident:
    key: tuple[object, ...]
    value: Any
    failed_at: float | None  # time.monotonic() of a failed load; None when it loaded


_resident: _Resident | None = None


def resident_model(
    key: tuple[object, ...],
    load: Callable[[], Loaded],
    failed: Callable[[Loaded], bool] = lambda _: False,
) -> Loaded:
    """What `load` gave for `key`, loaded on first use after freeing any other model.

    `key` names the model and every setting that changes it (kind, weights, device, ...).
    `failed` tells a failed load from a model; a failure is remembered for FAILED_LOAD_RETRY_S.
    """
    global _resident
    if _resident is not None and _resident.key == key:
        fresh = (
            _resident.failed_at is None
            or time.monotonic() - _resident.failed_at < FAILED_LOAD_RETRY_S
        )
        if fresh:
            held: Loaded = _resident.value
            return held
    release_models()
    loaded = load()
    _resident = _Resident(key, loaded, time.monotonic() if failed(loaded) else None)
    return loaded


def resident_key() -> tuple[object, ...] | None:
    """The key of the model held now, None when none is."""
    return None if _resident is None else _resident.key


def release_models() -> None:
    """Drop the held model and free its GPU memory."""
    global _resident
    if _resident is None:
        return
    _resident = None
    from imaging.diffusion.loading import free_memory

    free_memory()


@dataclass(frozen=True)
class LoadedPipeline:
    """A loaded diffusers pipeline, or the one-line reason there is none."""

    pipeline: Any | None  # a diffusers SDXL pipeline
    unavailable: str | None


def load_on_gpu(
    kind: Literal["inpaint", "text2image"],
    model: str,
    device: str,
    no_gpu_reason: str,
    compile_unet: bool = False,
) -> LoadedPipeline:
    """Load the `kind` pipeline ("inpaint" or "text2image") of `model` on `device`.

    "auto" on a machine without CUDA gives `no_gpu_reason` instead of an SDXL run that would take
    minutes per image on the CPU; a missing gpu extra or weights that fail to load give their
    reason. torch and diffusers are imported here, only when a model is asked for.
    """
    try:
        from imaging.diffusion.config import DiffusionConfig
        from imaging.diffusion.loading import PipelineUnavailable, load_pipeline, pick_device
    except ImportError as exc:
        return LoadedPipeline(
            None, f"the gpu extra is not installed (pip install 'adorn[gpu]'): {exc}"
        )
    chosen = pick_device(device)
    if chosen == "cpu" and device != "cpu":
        return LoadedPipeline(None, no_gpu_reason)
    config = DiffusionConfig(
        model=model, device=chosen, compile_unet=compile_unet, local_files_only=False
    )
    try:
        pipeline = load_pipeline(kind, config)
    except PipelineUnavailable as exc:
        log.warning("%s model unavailable: %s", kind, exc)
        return LoadedPipeline(None, str(exc))
    log.info("%s model loaded from %s on %s", kind, model, chosen)
    return LoadedPipeline(pipeline, None)
