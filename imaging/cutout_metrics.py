"""How close a cutout is to a known true matte: IoU of the hard masks and the halo it leaves.

Used by the tests and benchmarks/cutout_quality.py on generated product photos, where the true
alpha and the piece's true colours are known exactly.
"""

from __future__ import annotations

import cv2
import numpy as np

from imaging.cutout import Cutout
from imaging.image_io import LUMA_WEIGHTS, FloatImage

# A dark skin tone: a light fringe shows most on it.
HALO_BACKDROP_RGB = np.array([0.36, 0.24, 0.18], dtype=np.float32)


def in_frame(cutout: Cutout, shape: tuple[int, ...]) -> tuple[FloatImage, FloatImage]:
    """The cutout's colours and alpha pasted back into a frame of `shape` (height, width)."""
    alpha = np.zeros(shape, dtype=np.float32)
    rgb = np.zeros((*shape, 3), dtype=np.float32)
    x, y = cutout.offset
    alpha[y : y + cutout.height, x : x + cutout.width] = cutout.alpha
    rgb[y : y + cutout.height, x : x + cutout.width] = cutout.rgb
    return rgb, alpha


def matte_iou(alpha: FloatImage, true_alpha: FloatImage) -> float:
    """Intersection over union of alpha > 0.5 and true alpha > 0.5."""
    ours, truth = alpha > 0.5, true_alpha > 0.5
    union = int((ours | truth).sum())
    return float((ours & truth).sum() / union) if union else 1.0


def halo(rgb: FloatImage, alpha: FloatImage, true_rgb: FloatImage, true_alpha: FloatImage) -> float:
    """Mean luminance excess over the truth, composited on dark skin, in the 2 px band outside the
    true edge: a white or grey fringe makes it positive."""
    inside = true_alpha > 0.5
    band = (cv2.dilate(inside.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0) & ~inside
    if not band.any():
        return 0.0
    skin = HALO_BACKDROP_RGB
    ours = alpha[band][:, None] * rgb[band] + (1 - alpha[band][:, None]) * skin
    truth = true_alpha[band][:, None] * true_rgb[band] + (1 - true_alpha[band][:, None]) * skin
    return float(((ours - truth) @ LUMA_WEIGHTS).mean())
