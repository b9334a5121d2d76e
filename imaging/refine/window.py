"""The square window around the band that diffusion sees, and putting its result back.

The window is cut from the canvas (padded by reflection where it runs past an edge), resized to
the model's working size, and its refined version is resized back and blended into the full
canvas with a feathered weight: 1 on the band, falling to 0 over `feather_px` around it and
towards the window's inner edges, 0 everywhere else. The piece's own pixels are put back in the
same step: exactly where it is opaque, by alpha on its soft edge.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from imaging.image_io import FloatImage
from imaging.refine.band import OPAQUE_ALPHA, BoolMask

# Context around the band's box, per side, as a fraction of the box's longer side: the model
# needs to see enough skin and piece to continue them.
CONTEXT_FRACTION = 0.2


@dataclass(frozen=True)
class Window:
    """A square of the canvas: rows top..top+side, columns left..left+side. It may run past the
    canvas (a canvas smaller than the square); those parts are padded and never pasted back."""

    top: int
    left: int
    side: int
    canvas_height: int
    canvas_width: int

    @property
    def inside(self) -> tuple[slice, slice]:
        """The canvas slices the window covers."""
        return (
            slice(max(self.top, 0), min(self.top + self.side, self.canvas_height)),
            slice(max(self.left, 0), min(self.left + self.side, self.canvas_width)),
        )

    @property
    def inside_of_window(self) -> tuple[slice, slice]:
        """The same region, in the window's own coordinates."""
        rows, cols = self.inside
        return (
            slice(rows.start - self.top, rows.stop - self.top),
            slice(cols.start - self.left, cols.stop - self.left),
        )


def window_around(band: BoolMask, feather_px: float) -> Window:
    """The square window holding the band, its feather and some context, kept on the canvas
    where the canvas is large enough. ValueError when the band is empty."""
    rows = np.flatnonzero(band.any(axis=1))
    cols = np.flatnonzero(band.any(axis=0))
    if rows.size == 0:
        raise ValueError("the contact band is empty: there is nothing to refine")
    height, width = band.shape
    box_h = int(rows[-1] - rows[0] + 1)
    box_w = int(cols[-1] - cols[0] + 1)
    margin = math.ceil(feather_px + CONTEXT_FRACTION * max(box_h, box_w)) + 2
    side = max(box_h, box_w) + 2 * margin
    centre_y = (rows[0] + rows[-1] + 1) / 2.0
    centre_x = (cols[0] + cols[-1] + 1) / 2.0
    return Window(
        top=_place(centre_y, side, height),
        left=_place(centre_x, side, width),
        side=side,
        canvas_height=height,
        canvas_width=width,
    )


def cut_window(image: FloatImage, window: Window, size_px: int) -> FloatImage:
    """The window's pixels (reflected past the canvas edges), resized to size_px x size_px."""
    rows, cols = window.inside
    inner = image[rows, cols]
    (top, bottom), (left, right) = _padding(window)
    if top or bottom or left or right:
        inner = np.asarray(
            cv2.copyMakeBorder(inner, top, bottom, left, right, cv2.BORDER_REFLECT_101),
            dtype=np.float32,
        )
    return _resize(inner, size_px)


def feathered_weight(band: BoolMask, window: Window, feather_px: float) -> FloatImage:
    """The blend weight of the refined window over `window.inside` (the part of the canvas it
    covers): 1 on the band, a smooth fall to 0 over `feather_px` outside it and towards the
    window's edges inside the canvas, 0 beyond."""
    if feather_px <= 0:
        raise ValueError(f"feather_px must be positive, got {feather_px}")
    rows, cols = window.inside
    # The window holds the band and its feather, so distances need only be measured inside it.
    distance = cv2.distanceTransform((~band[rows, cols]).astype(np.uint8), cv2.DIST_L2, 5)
    return _smoothstep(1.0 - distance / feather_px) * _edge_taper(window, feather_px)


def paste_back(
    canvas: FloatImage,
    refined_window: FloatImage,
    window: Window,
    weight: FloatImage,
    alpha: FloatImage,
) -> FloatImage:
    """`canvas` with the refined window (at any working size) blended in, and the piece's own
    pixels put back: each pixel moves towards the refined one by `weight` times the background's
    share of it (1 - alpha). Where the piece is opaque (alpha >= OPAQUE_ALPHA), where the weight
    is 0 and outside the window, the canvas's pixels stay exactly as they were."""
    rows, cols = window.inside
    refined = _resize(refined_window, window.side)[window.inside_of_window]
    piece = alpha[rows, cols]
    change = weight * (1.0 - piece)
    change[piece >= OPAQUE_ALPHA] = 0.0  # adds exactly 0: the seller's pixels, bit for bit
    out = canvas.copy()
    original = canvas[rows, cols]
    out[rows, cols] = original + change[..., None] * (refined - original)
    return out


def _place(centre: float, side: int, length: int) -> int:
    """Start of a span of `side` centred on `centre`, shifted to stay within 0..length when it
    fits, and centred on the canvas when it does not."""
    if side >= length:
        return (length - side) // 2
    start = round(centre - side / 2.0)
    return min(max(start, 0), length - side)


def _padding(window: Window) -> tuple[tuple[int, int], tuple[int, int]]:
    rows, cols = window.inside
    return (
        (rows.start - window.top, window.top + window.side - rows.stop),
        (cols.start - window.left, window.left + window.side - cols.stop),
    )


def _edge_taper(window: Window, feather_px: float) -> FloatImage:
    """Weight over the window's part of the canvas that falls to 0 at the window's edges inside
    the canvas; an edge on the canvas's own border needs no seam and keeps weight 1."""
    rows, cols = window.inside
    height, width = rows.stop - rows.start, cols.stop - cols.start
    y = np.arange(height, dtype=np.float32) + 0.5
    x = np.arange(width, dtype=np.float32) + 0.5
    top = y if rows.start > 0 else np.full_like(y, np.inf)
    bottom = height - y if rows.stop < window.canvas_height else np.full_like(y, np.inf)
    left = x if cols.start > 0 else np.full_like(x, np.inf)
    right = width - x if cols.stop < window.canvas_width else np.full_like(x, np.inf)
    to_edge = np.minimum(np.minimum(top, bottom)[:, None], np.minimum(left, right)[None, :])
    return _smoothstep(to_edge / feather_px)


def _smoothstep(x: FloatImage) -> FloatImage:
    t = np.clip(x, 0.0, 1.0)
    return (t * t * (3.0 - 2.0 * t)).astype(np.float32)


def _resize(image: FloatImage, side: int) -> FloatImage:
    if image.shape[0] == side and image.shape[1] == side:
        return image.astype(np.float32, copy=False)
    shrinking = image.shape[0] > side
    interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC
    resized = cv2.resize(image, (side, side), interpolation=interpolation)
    return np.clip(resized, 0.0, 1.0).astype(np.float32)
