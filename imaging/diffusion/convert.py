"""The one conversion between imaging's working form and what diffusers takes and returns.

Working form (imaging/image_io.py): float32 sRGB in [0, 1], H x W x 3. Diffusers takes PIL images
(RGB for pictures, L for masks: white is repainted) and, with output_type="np", returns a float32
batch B x H x W x 3 in [0, 1].
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from imaging.image_io import FloatImage, from_pil, to_pil


def image_to_pil(rgb: FloatImage) -> Image.Image:
    """A working-form RGB array to an 8-bit RGB PIL image."""
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected an H x W x 3 RGB array, got shape {rgb.shape}")
    return to_pil(rgb)


def mask_to_pil(mask: NDArray[np.bool_] | FloatImage) -> Image.Image:
    """A repaint mask (True or > 0.5 where diffusion may repaint) to an 8-bit L PIL image."""
    if mask.ndim != 2:
        raise ValueError(f"expected an H x W mask, got shape {mask.shape}")
    return Image.fromarray(np.where(mask > 0.5, 255, 0).astype(np.uint8), "L")


def image_from_pil(image: Image.Image) -> FloatImage:
    """A PIL image (any mode; alpha is dropped) to a working-form RGB array."""
    return from_pil(image.convert("RGB"))[0]


def images_from_output(images: NDArray[np.floating] | Sequence[Image.Image]) -> list[FloatImage]:
    """A diffusers pipeline's `.images` (output_type "np" or "pil") as working-form arrays."""
    if isinstance(images, np.ndarray):
        if images.ndim != 4 or images.shape[3] != 3:
            raise ValueError(f"expected a B x H x W x 3 batch, got shape {images.shape}")
        return [np.clip(image, 0.0, 1.0).astype(np.float32) for image in images]
    return [image_from_pil(image) for image in images]
