"""Fixtures for the refine tests: a small real render and a tiny random SDXL inpainting pipeline."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import torch

from imaging.diffusion.random_models import build_random_sdxl
from imaging.image_io import SourceImage
from imaging.jewelry import REGION_FOR_TYPE
from imaging.platforms import get_platform
from imaging.render import RenderPipeline, RenderResult
from imaging.samples.catalog import DEMO_PIECES
from imaging.samples.models import make_template
from imaging.samples.products import make_product_photo
from imaging.size_text import parse_product_spec


@pytest.fixture(scope="session", autouse=True)
def one_torch_thread() -> Iterator[None]:
    """Tiny models on a shared 2-core machine: one thread is 10x faster than two fighting."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def ring_render() -> RenderResult:
    """Three variations of a yellow-gold ring on a 512 px generated hand, exported for Instagram."""
    kind, metal, background = DEMO_PIECES[4]
    photo = make_product_photo(kind, metal, background, long_edge_px=600, seed=1)
    spec = parse_product_spec(f"{photo.title}. {photo.description}", photo.spec.jewelry_type)
    template = make_template(REGION_FOR_TYPE[spec.jewelry_type], width=512, height=512, seed=4)
    pipeline = RenderPipeline([template], [get_platform("instagram")])
    return pipeline(SourceImage.from_array(photo.rgb), spec, variations=3, seed=7)


@pytest.fixture(scope="session")
def tiny_inpaint() -> Any:
    return build_random_sdxl("inpaint", "tiny", seed=0)
