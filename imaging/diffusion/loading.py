"""Loading a diffusers SDXL pipeline once, on the best device, or saying clearly why not."""

from __future__ import annotations

import gc
import re
from pathlib import Path
from typing import Any, Literal

import torch
from diffusers import StableDiffusionXLInpaintPipeline, StableDiffusionXLPipeline
from diffusers.models.attention_processor import AttnProcessor2_0

from imaging.diffusion.config import DiffusionConfig

PipelineKind = Literal["inpaint", "text2image"]
# A StableDiffusionXLInpaintPipeline or StableDiffusionXLPipeline. Typed Any because diffusers
# registers a pipeline's modules (unet, vae, ...) at run time: mypy sees none of them, nor the
# pipeline as callable.
SdxlPipeline = Any

_PIPELINE_CLASSES: dict[str, Any] = {
    "inpaint": StableDiffusionXLInpaintPipeline,
    "text2image": StableDiffusionXLPipeline,
}
# "org/name" or "name": anything else (absolute, ./, ~, deeper paths) can only be a folder.
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")
_MAX_REASON_CHARS = 240


class PipelineUnavailable(Exception):
    """Diffusion cannot run with this configuration; the message says why and what to set."""


def pick_device(requested: str) -> str:
    """The device to run on: "auto" and "cuda[:N]" give CUDA when there is one, else "cpu"."""
    if requested == "cpu" or not torch.cuda.is_available():
        return "cpu"
    return "cuda" if requested == "auto" else requested


def load_pipeline(kind: PipelineKind, config: DiffusionConfig) -> SdxlPipeline:
    """Load a StableDiffusionXLInpaintPipeline ("inpaint") or StableDiffusionXLPipeline
    ("text2image") from `config.model`, ready to call: fp16 on CUDA (fp32 on CPU),
    scaled-dot-product attention, the UNet compiled when asked, no progress bar.
    Raises PipelineUnavailable, with one line saying why and what to set, on any failure."""
    if kind not in _PIPELINE_CLASSES:
        raise ValueError(f"kind must be one of {sorted(_PIPELINE_CLASSES)}, not {kind!r}")
    model = config.model
    if model is None:
        raise PipelineUnavailable(
            f"no diffusion weights configured for {kind}: set the model to a local diffusers "
            "folder or a hub id of an SDXL-class model"
        )
    _check_location(model, kind)
    device = pick_device(config.device)
    dtype = torch.float16 if config.half_precision and device.startswith("cuda") else torch.float32
    try:
        pipeline = _PIPELINE_CLASSES[kind].from_pretrained(
            model, dtype=dtype, local_files_only=config.local_files_only
        )
        pipeline.to(device)
        pipeline.unet.set_attn_processor(AttnProcessor2_0())
        pipeline.vae.set_attn_processor(AttnProcessor2_0())
        if config.compile_unet:
            pipeline.unet.to(memory_format=torch.channels_last)
            pipeline.unet.compile(fullgraph=True)
    # Any failure here (missing files, a truncated checkpoint, a wrong architecture, no memory)
    # means the same thing to the caller: no diffusion, continue on the compositing path.
    except Exception as exc:
        raise PipelineUnavailable(
            f"diffusion weights {model!r} failed to load for {kind} ({_one_line(exc)}): "
            "set the model to a complete SDXL-class diffusers folder or a cached hub id"
        ) from exc
    pipeline.set_progress_bar_config(disable=True)
    return pipeline


def free_memory() -> None:
    """Release what Python and the CUDA caching allocator hold: call between models."""
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def _check_location(model: str, kind: PipelineKind) -> None:
    """A folder must exist and hold a pipeline; a hub id is left to from_pretrained."""
    path = Path(model).expanduser()
    if path.exists():
        if not (path / "model_index.json").is_file():
            raise PipelineUnavailable(
                f"diffusion weights folder {model!r} holds no diffusers pipeline (no "
                f"model_index.json): set the model to a folder written by save_pretrained"
            )
        return
    if not _HUB_ID.match(model):
        raise PipelineUnavailable(
            f"diffusion weights folder {model!r} does not exist: set the model to an existing "
            f"folder or a hub id for {kind}"
        )


def _one_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    text = f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__
    return text if len(text) <= _MAX_REASON_CHARS else text[: _MAX_REASON_CHARS - 3] + "..."
