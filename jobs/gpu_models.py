"""The one diffusion model a GPU worker keeps loaded between jobs.

Refinement and template generation use different SDXL pipelines (several GB each in fp16). The
worker holds one at a time: asking for another frees the first, so alternating jobs never hold
both. torch is imported only when a model is freed, so the web app never loads it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

Loaded = TypeVar("Loaded")

_resident: tuple[tuple[object, ...], Any] | None = None


def resident_model(key: tuple[object, ...], load: Callable[[], Loaded]) -> Loaded:
    """What `load` gave for `key`, loaded on first use after freeing any other model.

    `key` names the model and every setting that changes it (kind, weights, device, ...).
    """
    global _resident
    if _resident is not None and _resident[0] == key:
        loaded: Loaded = _resident[1]
        return loaded
    release_models()
    loaded = load()
    _resident = (key, loaded)
    return loaded


def resident_key() -> tuple[object, ...] | None:
    """The key of the model held now, None when none is."""
    return None if _resident is None else _resident[0]


def release_models() -> None:
    """Drop the held model and free its GPU memory."""
    global _resident
    if _resident is None:
        return
    _resident = None
    from imaging.diffusion.loading import free_memory

    free_memory()
