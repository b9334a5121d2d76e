"""Earrings: one of the pair at each visible lobe, studs centred on it, drops hanging plumb from it.

The product photo shows the pair side by side, each upright. The larger of the two is used for every
ear, flipped left-right for an ear on the image's right so the placed pair reads as mirrored.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from imaging.cutout import Cutout
from imaging.errors import ImagingError
from imaging.geometry import Point, rotate, unit
from imaging.image_io import FloatImage
from imaging.place import Placement, PoseJitter
from imaging.place.per_cutout import once_per_cutout
from imaging.place.warp import paint_over, similarity_matrix, warp_affine_box
from imaging.product_spec import ProductSpec
from imaging.template import Template

JOIN_FRACTION = 0.03  # parts closer than this fraction of the photo's long side are one earring
DROP_CONTACT_MM = 1.0  # radius of the disc where a drop's hook touches the lobe
HANGING_CONTACT = 0.15  # contact weight of the part of a drop that hangs free


@dataclass(frozen=True)
class _Earring:
    """One earring cropped from the pair photo, with the point that goes to the lobe."""

    rgb: FloatImage
    alpha: FloatImage
    anchor: Point  # top of the hook (drop) or centre (stud), in crop pixels
    height_px: float
    width_px: float


def place_earrings(
    cutout: Cutout, spec: ProductSpec, template: Template, jitter: PoseJitter
) -> Placement:
    """Put one earring at each lobe of the template, at true scale, mirrored for the far side."""
    ears = template.annotation.ears
    if ears is None or not ears.lobes:
        raise ValueError(
            f"template {template.name} has no ear anchor: annotate the ear lobes before placing "
            "earrings on it"
        )
    px_per_mm = template.annotation.px_per_mm
    is_drop = spec.drop_length_mm is not None
    earring = once_per_cutout(
        cutout, ("earring", is_drop), lambda: _larger_earring(cutout, is_drop)
    )
    if is_drop:
        expected_mm = spec.get("drop_length_mm")
        scale = expected_mm * px_per_mm / earring.height_px
        contact_radius = DROP_CONTACT_MM * px_per_mm
    else:
        expected_mm = spec.get("stud_diameter_mm")
        scale = expected_mm * px_per_mm / earring.width_px
        contact_radius = earring.width_px * scale / 2.0

    down = unit(ears.down)
    across = (down[1], -down[0])
    plumb = rotate(down, jitter.rotation_deg)
    turn = math.degrees(math.atan2(-plumb[0], plumb[1]))
    shift = (
        (jitter.shift_mm[0] * across[0] + jitter.shift_mm[1] * down[0]) * px_per_mm,
        (jitter.shift_mm[0] * across[1] + jitter.shift_mm[1] * down[1]) * px_per_mm,
    )
    canvas_hw = (template.height, template.width)
    rgb = np.zeros((*canvas_hw, 3), np.float32)
    alpha = np.zeros(canvas_hw, np.float32)
    contact = np.zeros(canvas_hw, np.float32)
    measure_mask = np.zeros(canvas_hw, np.float32)
    boxes = []
    for index, (lobe, facing_right) in enumerate(zip(ears.lobes, ears.facing_right, strict=True)):
        at = (lobe[0] + shift[0], lobe[1] + shift[1])
        matrix = similarity_matrix(earring.anchor, at, scale, turn, mirror=facing_right)
        layer = warp_affine_box(earring.rgb, earring.alpha, matrix, canvas_hw)
        if layer is None:
            continue
        paint_over(rgb, alpha, layer)
        boxes.append(layer.box)
        weight = _disc_weight(layer.box, at, contact_radius, HANGING_CONTACT if is_drop else 0.0)
        contact[layer.box] = np.maximum(contact[layer.box], layer.alpha * weight)
        if index == 0:
            measure_mask[layer.box] = layer.alpha

    visible_alpha, visible_contact = alpha, contact
    if template.hair_mask is not None:
        visible_alpha, visible_contact = np.zeros_like(alpha), np.zeros_like(contact)
        for box in boxes:  # the hair in front, where the earrings are
            shown = 1.0 - np.clip(template.hair_mask[box], 0.0, 1.0)
            visible_alpha[box], visible_contact[box] = alpha[box] * shown, contact[box] * shown
    return Placement(
        rgb=rgb,
        alpha=visible_alpha,
        alpha_unoccluded=alpha,
        contact=visible_contact,
        measure_mask=measure_mask,
        measure_axis=plumb,
        expected_extent_mm=expected_mm,
        extent_name="drop length" if is_drop else "stud diameter",
        anchor_points=tuple(ears.lobes),
        enlargement=scale,
    )


def _larger_earring(cutout: Cutout, is_drop: bool) -> _Earring:
    """The larger earring of the pair: parts joined by a small dilation so a drop's links stay together."""
    solid = (cutout.alpha > 0.5).astype(np.uint8)
    if not solid.any():
        raise ImagingError("no earring found in the photo: check that the piece stands out")
    size = max(round(JOIN_FRACTION * max(solid.shape)) | 1, 3)
    joined = cv2.dilate(solid, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size)))
    count, labels = cv2.connectedComponents(joined, connectivity=8)
    pieces = labels * solid
    areas = np.bincount(pieces.ravel(), minlength=count)
    areas[0] = 0
    component = labels == int(np.argmax(areas))
    ys, xs = np.nonzero(component & (solid > 0))
    y0, y1, x0, x1 = int(ys.min()), int(ys.max()) + 1, int(xs.min()), int(xs.max()) + 1
    alpha = (cutout.alpha[y0:y1, x0:x1] * component[y0:y1, x0:x1]).astype(np.float32)
    rgb = cutout.rgb[y0:y1, x0:x1].astype(np.float32)
    if is_drop:
        top_xs = xs[ys == y0] - x0
        anchor = (float(top_xs.mean()), 0.0)
    else:
        anchor = ((x1 - x0 - 1) / 2.0, (y1 - y0 - 1) / 2.0)
    return _Earring(rgb, alpha, anchor, height_px=float(y1 - y0), width_px=float(x1 - x0))


def _disc_weight(
    box: tuple[slice, slice], centre: Point, radius: float, outside: float
) -> FloatImage:
    """Over a canvas box: 1 inside a soft-edged disc around `centre`, `outside` elsewhere."""
    rows, cols = box
    grid_y, grid_x = np.mgrid[rows, cols]
    distance = np.hypot(grid_x - centre[0], grid_y - centre[1])
    inside = np.clip(radius + 0.5 - distance, 0.0, 1.0)
    return np.maximum(inside, outside).astype(np.float32)
