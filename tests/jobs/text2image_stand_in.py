"""A text-to-image stand-in for the generate_template job: it hands over adorn's own sample photos,
so the job runs the real annotator and checks without a diffusion model."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
import torch

from core.settings import Settings
from imaging.diffusion.convert import image_to_pil
from imaging.image_io import FloatImage
from imaging.jewelry import BodyRegion
from imaging.samples.models import make_template
from jobs import gpu_models, template_generation

SIZE = 1024  # the job's default generation size: the stand-in's photos are drawn at it


@lru_cache(maxsize=1)
def hand_photo() -> FloatImage:
    """adorn's sample hand (Monk tone 7, seed 0): the real annotator finds it and its five fingers."""
    return make_template(BodyRegion.HAND, skin_tone=7, width=SIZE, height=SIZE, seed=0).rgb


def grey_photo() -> FloatImage:
    """A blank grey frame: no hand to find."""
    return np.full((SIZE, SIZE, 3), 0.5, dtype=np.float32)


@dataclass
class PhotoStandIn:
    """Diffusers' text-to-image calling convention; returns the given photos in turn (the last
    one again once they run out) and records each call's seed."""

    photos: list[FloatImage]
    seeds: list[int] = field(default_factory=list)

    def __call__(self, *, generator: torch.Generator, **_options: Any) -> SimpleNamespace:
        self.seeds.append(generator.initial_seed())
        photo = self.photos[min(len(self.seeds), len(self.photos)) - 1]
        return SimpleNamespace(images=[image_to_pil(photo)])


def use_stand_in(monkeypatch: pytest.MonkeyPatch, stand_in: PhotoStandIn) -> list[Settings]:
    """Make the job's model loading give `stand_in`; the settings of each load, in order."""
    loads: list[Settings] = []

    def load(settings: Settings) -> Any:
        loads.append(settings)
        return template_generation._LoadedText2Image(stand_in, None)

    gpu_models.release_models()
    monkeypatch.setattr(template_generation, "_load", load)
    return loads
