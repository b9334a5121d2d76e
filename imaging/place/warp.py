"""Pasting a small layer (rgb + alpha) onto a canvas with an affine map, and stacking layers.

Layers here are un-premultiplied: rgb holds the piece's colours where alpha > 0 and is 0 elsewhere.
Warps are done on premultiplied colour so edge pixels never pick up the zeros around the piece, and
only inside the bounding box the layer lands in, not over the whole canvas.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from imaging.geometry import Point
from imaging.image_io import FloatImage

AffineMatrix = NDArray[np.float64]  # 2 x 3, maps layer (x, y) to canvas (x, y)

# Below this scale a layer is first shrunk with area averaging: bilinear warping alone would alias.
_PRESHRINK_BELOW = 0.75


def similarity_matrix(
    src_point: Point,
    dst_point: Point,
    scale: float,
    rotation_deg: float = 0.0,
    mirror: bool = False,
) -> AffineMatrix:
    """Map `src_point` to `dst_point`, scaling by `scale` and turning clockwise on screen by `rotation_deg`.

    With `mirror`, the layer is flipped left-right about `src_point` before it is turned.
    """
    r = math.radians(rotation_deg)
    flip = -1.0 if mirror else 1.0
    linear = scale * np.array(
        [[math.cos(r) * flip, -math.sin(r)], [math.sin(r) * flip, math.cos(r)]], dtype=np.float64
    )
    offset = np.asarray(dst_point, dtype=np.float64) - linear @ np.asarray(src_point, np.float64)
    return np.hstack([linear, offset[:, None]])


@dataclass(frozen=True)
class BoxLayer:
    """A layer that covers only `box` of a canvas: un-premultiplied rgb and alpha of the box's size."""

    box: tuple[slice, slice]  # rows, columns of the canvas
    rgb: FloatImage
    alpha: FloatImage


def warp_affine_box(
    layer_rgb: FloatImage,
    layer_alpha: FloatImage,
    matrix: AffineMatrix,
    canvas_hw: tuple[int, int],
) -> BoxLayer | None:
    """Warp a layer by `matrix` into the canvas box it lands in; None when it misses the canvas."""
    height, width = canvas_hw
    layer_rgb, layer_alpha, matrix = _preshrink(layer_rgb, layer_alpha, matrix)
    h, w = layer_alpha.shape
    corners = np.array([[0, 0, 1], [w, 0, 1], [0, h, 1], [w, h, 1]], dtype=np.float64)
    landed = corners @ matrix.T
    x0 = max(math.floor(landed[:, 0].min()) - 1, 0)
    y0 = max(math.floor(landed[:, 1].min()) - 1, 0)
    x1 = min(math.ceil(landed[:, 0].max()) + 1, width)
    y1 = min(math.ceil(landed[:, 1].max()) + 1, height)
    if x1 <= x0 or y1 <= y0:
        return None

    to_box = matrix.copy()
    to_box[:, 2] -= (x0, y0)
    premultiplied = np.dstack([layer_rgb * layer_alpha[..., None], layer_alpha])
    warped = cv2.warpAffine(
        premultiplied,
        to_box,
        (x1 - x0, y1 - y0),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=(0.0, 0.0, 0.0, 0.0),
    ).astype(np.float32, copy=False)
    alpha = np.clip(warped[..., 3], 0.0, 1.0)
    return BoxLayer((slice(y0, y1), slice(x0, x1)), unpremultiply(warped[..., :3], alpha), alpha)


def paste_affine(
    layer_rgb: FloatImage,
    layer_alpha: FloatImage,
    matrix: AffineMatrix,
    canvas_hw: tuple[int, int],
) -> tuple[FloatImage, FloatImage]:
    """Warp a layer onto an empty canvas of `canvas_hw`; returns canvas-size (rgb, alpha)."""
    canvas_rgb = np.zeros((*canvas_hw, 3), np.float32)
    canvas_alpha = np.zeros(canvas_hw, np.float32)
    layer = warp_affine_box(layer_rgb, layer_alpha, matrix, canvas_hw)
    if layer is not None:
        canvas_rgb[layer.box] = layer.rgb
        canvas_alpha[layer.box] = layer.alpha
    return canvas_rgb, canvas_alpha


def paint_over(canvas_rgb: FloatImage, canvas_alpha: FloatImage, layer: BoxLayer) -> None:
    """Porter-Duff `layer over canvas`, in place, touching only the layer's box."""
    bottom_a = canvas_alpha[layer.box]
    top_a = layer.alpha
    out_a = top_a + bottom_a * (1.0 - top_a)
    premultiplied = (
        layer.rgb * top_a[..., None] + canvas_rgb[layer.box] * (bottom_a * (1.0 - top_a))[..., None]
    )
    canvas_rgb[layer.box] = unpremultiply(premultiplied, out_a)
    canvas_alpha[layer.box] = out_a


def unpremultiply(premultiplied_rgb: FloatImage, alpha: FloatImage) -> FloatImage:
    """Colours divided back by alpha (0 where alpha is 0), clipped to [0, 1]."""
    safe = np.where(alpha > 1e-6, alpha, 1.0)[..., None]
    rgb = np.where(alpha[..., None] > 1e-6, premultiplied_rgb / safe, 0.0)
    return np.clip(rgb, 0.0, 1.0).astype(np.float32)


def _preshrink(
    rgb: FloatImage, alpha: FloatImage, matrix: AffineMatrix
) -> tuple[FloatImage, FloatImage, AffineMatrix]:
    """Shrink a layer the matrix would scale down a lot, and return the matrix left to apply."""
    scale = math.sqrt(abs(float(np.linalg.det(matrix[:, :2]))))
    if scale >= _PRESHRINK_BELOW:
        return rgb, alpha, matrix
    h, w = alpha.shape
    new_w, new_h = max(round(w * scale), 1), max(round(h * scale), 1)
    fx, fy = new_w / w, new_h / h
    premultiplied = np.dstack([rgb * alpha[..., None], alpha]).astype(np.float32)
    small = cv2.resize(premultiplied, (new_w, new_h), interpolation=cv2.INTER_AREA).astype(
        np.float32, copy=False
    )
    small_alpha = np.clip(small[..., 3], 0.0, 1.0)
    # A pixel centre x' of the small layer sits at (x' + 0.5) / fx - 0.5 in the original.
    back = np.array([[1 / fx, 0, 0.5 / fx - 0.5], [0, 1 / fy, 0.5 / fy - 0.5], [0, 0, 1]])
    remaining = matrix @ back
    return unpremultiply(small[..., :3], small_alpha), small_alpha, remaining
