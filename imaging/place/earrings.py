"""Earrings: one of the pair at each visible lobe, studs centred on it, drops hanging plumb from it.

The product photo shows the pair side by side, each upright. The larger of the two is used for every
ear, flipped left-right for an ear on the image's right so the placed pair reads as mirrored. A
drop's hook passes through the lobe at the top of its arc: the leg that carries the drop hangs in
front of the ear, the other leg behind it, hidden where the ear covers it.
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
BACK_MIN_OFFSET = 0.1  # a drop this far (share of the width) beside the hook's top: a fish hook
BACK_TOP_FRACTION = 0.1  # the back leg's part reaches this close to the top (share of the height)
BACK_JOIN_FRACTION = 0.02


@dataclass(frozen=True)
class _Earring:
    """One earring cropped from the pair photo, with the point that goes to the lobe."""

    rgb: FloatImage
    alpha: FloatImage
    anchor: Point  # top of the hook (drop) or centre (stud), in crop pixels
    height_px: float  # along `hang` for a drop
    width_px: float
    behind: FloatImage | None = None  # alpha of what passes behind the lobe (a hook's back leg)
    hang: Point = (0.0, 1.0)  # unit vector from the anchor to the centre of mass, crop pixels


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
    hang_x, hang_y = earring.hang
    shift = (
        (jitter.shift_mm[0] * across[0] + jitter.shift_mm[1] * down[0]) * px_per_mm,
        (jitter.shift_mm[0] * across[1] + jitter.shift_mm[1] * down[1]) * px_per_mm,
    )
    canvas_hw = (template.height, template.width)
    rgb = np.zeros((*canvas_hw, 3), np.float32)
    alpha = np.zeros(canvas_hw, np.float32)
    contact = np.zeros(canvas_hw, np.float32)
    measure_mask = np.zeros(canvas_hw, np.float32)
    behind = np.zeros(canvas_hw, np.float32)  # the hook's back leg where the ear hides it
    boxes = []
    for index, (lobe, facing_right) in enumerate(zip(ears.lobes, ears.facing_right, strict=True)):
        at = (lobe[0] + shift[0], lobe[1] + shift[1])
        # A drop turns on the piercing until its centre of mass hangs plumb below it.
        mirrored_x = -hang_x if facing_right else hang_x
        hang_deg = 90.0 - math.degrees(math.atan2(hang_y, mirrored_x))
        matrix = similarity_matrix(earring.anchor, at, scale, turn + hang_deg, mirror=facing_right)
        layer = warp_affine_box(earring.rgb, earring.alpha, matrix, canvas_hw)
        if layer is None:
            continue
        paint_over(rgb, alpha, layer)
        boxes.append(layer.box)
        if earring.behind is not None and template.body_mask is not None:
            back = warp_affine_box(earring.rgb, earring.behind, matrix, canvas_hw)
            if back is not None:
                hidden = back.alpha * template.body_mask[back.box]
                behind[back.box] = np.maximum(behind[back.box], hidden)
        weight = _disc_weight(layer.box, at, contact_radius, HANGING_CONTACT if is_drop else 0.0)
        contact[layer.box] = np.maximum(contact[layer.box], layer.alpha * weight)
        if index == 0:
            measure_mask[layer.box] = layer.alpha

    visible_alpha = np.clip(alpha - behind, 0.0, 1.0)
    visible_contact = np.minimum(contact, visible_alpha)
    if template.hair_mask is not None:
        for box in boxes:  # the hair in front, where the earrings are
            shown = 1.0 - np.clip(template.hair_mask[box], 0.0, 1.0)
            visible_alpha[box] *= shown
            visible_contact[box] *= shown
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
    if not is_drop:
        anchor = ((x1 - x0 - 1) / 2.0, (y1 - y0 - 1) / 2.0)
        return _Earring(rgb, alpha, anchor, float(y1 - y0), float(x1 - x0))
    top_xs = xs[ys == y0] - x0
    anchor = (float(top_xs.mean()), 0.0)
    rows, cols = np.nonzero(alpha > 0.5)
    weights = alpha[rows, cols]
    hang = unit(
        (
            float(np.average(cols, weights=weights)) - anchor[0],
            float(np.average(rows, weights=weights)) - anchor[1],
        )
    )
    along = (cols - anchor[0]) * hang[0] + (rows - anchor[1]) * hang[1]
    return _Earring(
        rgb,
        alpha,
        anchor,
        height_px=float(along.max() - along.min()) + 1.0,
        width_px=float(x1 - x0),
        behind=_back_of_hook(alpha, anchor[0]),
        hang=hang,
    )


def _back_of_hook(alpha: FloatImage, top_x: float) -> FloatImage | None:
    """The alpha of a hook's back: what lies beyond the top of its arc from the drop and reaches up
    to that top (the far half of the arc and the leg hanging from it).

    None when the drop hangs straight below the top, as from a lever-back or a hoop.
    """
    solid = alpha > 0.5
    height, width = alpha.shape
    ys, xs = np.nonzero(solid)
    drop_x = float(xs[ys >= height / 2].mean())
    if abs(drop_x - top_x) < BACK_MIN_OFFSET * width:
        return None
    side = 1.0 if top_x > drop_x else -1.0
    # A pixel's ramp from the top's column: the wire goes into the lobe there, without a hard cut.
    beyond = np.clip((np.arange(width, dtype=np.float32)[None, :] - top_x) * side, 0.0, 1.0)
    far = beyond > 0.0
    join_px = max(3, round(BACK_JOIN_FRACTION * height) | 1)  # over a thin wire's breaks
    joined = cv2.dilate(
        (solid & far).astype(np.uint8),
        cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (join_px, join_px)),
    )
    _, labels, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    reaching_top = stats[:, cv2.CC_STAT_TOP] <= BACK_TOP_FRACTION * height
    reaching_top[0] = False
    return np.where(reaching_top[labels], alpha * beyond, 0.0).astype(np.float32)


def _disc_weight(
    box: tuple[slice, slice], centre: Point, radius: float, outside: float
) -> FloatImage:
    """Over a canvas box: 1 inside a soft-edged disc around `centre`, `outside` elsewhere."""
    rows, cols = box
    grid_y, grid_x = np.mgrid[rows, cols]
    distance = np.hypot(grid_x - centre[0], grid_y - centre[1])
    inside = np.clip(radius + 0.5 - distance, 0.0, 1.0)
    return np.maximum(inside, outside).astype(np.float32)
