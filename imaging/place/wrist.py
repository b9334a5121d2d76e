"""Placing bracelets, bangles and watches around the wrist."""

from __future__ import annotations

import math

import cv2
import numpy as np

from imaging.cutout import Cutout
from imaging.errors import AnnotationError
from imaging.geometry import Point, unit
from imaging.jewelry import JewelryType
from imaging.place import Placement, PoseJitter
from imaging.place.ellipse import (
    BandPose,
    CanvasBox,
    Layer,
    Source,
    band_margin,
    body_in_box,
    clipped_jitter,
    draw_band,
    enlargement,
    fit_annulus,
    fit_disc,
    layered_placement,
    offset_point,
    paste_upright,
    prepare_source,
    stack_alpha,
)
from imaging.place.per_cutout import once_per_cutout
from imaging.product_spec import ProductSpec, with_typical_sizes
from imaging.template import Template, WristAnchor

CASE_EDGE_PX = 1.5  # beyond the case's inscribed circle by this much (source px), pixels are strap


def place_on_wrist(
    cutout: Cutout, spec: ProductSpec, template: Template, jitter: PoseJitter
) -> Placement:
    """Put a bracelet, bangle or watch around the template's wrist at true scale.

    Bracelets and bangles follow the band-around-the-axis model, their back arc hidden by the wrist;
    a watch keeps its case and dial undistorted and wraps its straps around the wrist.
    """
    wrist = template.annotation.wrist
    if wrist is None:
        raise AnnotationError(
            f"template {template.name} has no wrist annotation: mark the wrist's centre, axis and "
            "width, or choose a wrist template"
        )
    spec = with_typical_sizes(spec)
    if spec.jewelry_type is JewelryType.WATCH:
        return _place_watch(cutout, spec, template, wrist, jitter)
    if spec.jewelry_type in (JewelryType.BANGLE, JewelryType.BRACELET):
        return _place_band(cutout, spec, template, wrist, jitter)
    raise ValueError(f"a {spec.jewelry_type} is not worn on the wrist")


def _place_band(
    cutout: Cutout, spec: ProductSpec, template: Template, wrist: WristAnchor, jitter: PoseJitter
) -> Placement:
    """A bangle or chain bracelet: its face-on annulus unwrapped onto the ellipse around the wrist."""
    px_per_mm = template.annotation.px_per_mm
    if spec.jewelry_type is JewelryType.BANGLE:
        inner_mm = spec.get("inner_diameter_mm")
        thickness_mm, width_mm = spec.get("band_thickness_mm"), spec.get("band_width_mm")
    else:
        inner_mm = spec.get("inner_length_mm") / math.pi
        thickness_mm = width_mm = spec.get("chain_width_mm")
    outer_mm = inner_mm + 2 * thickness_mm
    outer_px = outer_mm * px_per_mm
    wrist_mm = wrist.width_px / px_per_mm

    source = prepare_source(cutout, outer_px)
    annulus = once_per_cutout(
        cutout, ("annulus", source.alpha.shape), lambda: fit_annulus(source.alpha)
    )
    along = unit(wrist.axis)
    across = (-along[1], along[0])
    turn_deg, shift_across, shift_along = clipped_jitter(jitter, template)
    # A band looser than the wrist slides towards the hand until its far side rests on the wrist.
    hang_mm = max(inner_mm - wrist_mm, 0.0) / 2
    center = offset_point(
        wrist.center, across, along, shift_across * px_per_mm, (shift_along + hang_mm) * px_per_mm
    )
    pose = BandPose(
        center=center,
        across=across,
        along=along,
        outer_radius_px=outer_px / 2,
        width_px=width_mm * px_per_mm,
        turn_deg=turn_deg,
    )
    reach_px = band_margin(annulus) * pose.outer_radius_px / annulus.outer_radius  # a clasp
    box = CanvasBox.around(
        pose.corners(reach_px), pad=3.0, width=template.width, height=template.height
    )
    front, back = draw_band(source, annulus, pose, box)
    back = Layer(back.rgba, hidden=body_in_box(template, box, pose, wrist.width_px))
    seen = stack_alpha([back.visible_alpha(), front.alpha])
    notes: tuple[str, ...] = ()
    if inner_mm < wrist_mm:
        notes = (
            f"the {spec.jewelry_type}'s inner diameter ({inner_mm:.1f} mm) is smaller than the wrist "
            f"({wrist_mm:.1f} mm): check the template's scale or the piece's size",
        )
    return layered_placement(
        template,
        box,
        [back, front],
        contact=seen,
        measure_mask=seen,
        measure_axis=across,
        expected_extent_mm=outer_mm,
        extent_name="outer diameter",
        anchor_points=(wrist.center, center),
        enlargement=enlargement(pose.outer_radius_px / annulus.outer_radius, source, cutout),
        notes=notes,
    )


def _place_watch(
    cutout: Cutout, spec: ProductSpec, template: Template, wrist: WristAnchor, jitter: PoseJitter
) -> Placement:
    """A watch: the case flat and undistorted on top of the wrist, the straps wrapped around it."""
    px_per_mm = template.annotation.px_per_mm
    case_mm = spec.get("case_diameter_mm")
    case_px = case_mm * px_per_mm

    # The source is shrunk to the size its case will have on the canvas: shrinking the whole cutout
    # to the case's width (it is wider: crown, lugs) shrank the case, which was then enlarged again.
    _, full_radius = once_per_cutout(cutout, "case", lambda: fit_disc(cutout.alpha))
    source = prepare_source(cutout, cutout.width * case_px / (2 * full_radius))
    case_center, case_radius = once_per_cutout(
        cutout, ("case", source.alpha.shape), lambda: fit_disc(source.alpha)
    )
    scale = case_px / (2 * case_radius)  # canvas px per source px
    case_weight = np.clip(
        case_radius + CASE_EDGE_PX - source.distance_from(case_center) + 0.5, 0.0, 1.0
    )
    case, straps = source.masked(case_weight), source.masked(1.0 - case_weight)

    along = unit(wrist.axis)
    across = (-along[1], along[0])
    turn_deg, shift_across, shift_along = clipped_jitter(jitter, template)
    axis_point = offset_point(
        wrist.center, across, along, shift_across * px_per_mm, shift_along * px_per_mm
    )
    wrist_radius = wrist.width_px / 2
    strap_band = BandPose(
        center=axis_point,
        across=across,
        along=along,
        outer_radius_px=wrist_radius,
        width_px=spec.get("strap_width_mm") * px_per_mm,
        turn_deg=turn_deg,
    )
    dial_at = offset_point(
        axis_point, across, along, wrist_radius * math.sin(math.radians(turn_deg)), 0.0
    )

    source_w = source.alpha.shape[1]
    half_length = max(case_center[0], source_w - case_center[0]) * scale
    half_across = max(wrist_radius, case_px / 2) + 2
    corners = [
        offset_point(axis_point, across, along, sa * half_across, sl * half_length)
        for sa in (-1, 1)
        for sl in (-1, 1)
    ]
    box = CanvasBox.around(corners, pad=3.0, width=template.width, height=template.height)

    # The case's 12 o'clock points across the wrist, so its 3 o'clock (the crown) points to the hand.
    dial = paste_upright(case, case_center, dial_at, scale, (-across[0], -across[1]), box)
    strap_layer = _wrap_straps(straps, case_center, scale, strap_band, case_px / 2, box)
    notes: tuple[str, ...] = ()
    if case_px >= wrist.width_px:
        notes = (
            f"the watch case ({case_mm:.1f} mm) is as wide as the wrist "
            f"({wrist.width_px / px_per_mm:.1f} mm): check the template's scale or the case size",
        )
    return layered_placement(
        template,
        box,
        [strap_layer, dial],
        contact=stack_alpha([strap_layer.alpha, dial.alpha]),
        measure_mask=dial.alpha,
        measure_axis=across,
        expected_extent_mm=case_mm,
        extent_name="case diameter",
        anchor_points=(wrist.center, dial_at),
        enlargement=enlargement(scale, source, cutout),
        notes=notes,
    )


def _wrap_straps(
    straps: Source,
    case_center: Point,
    scale: float,
    band: BandPose,
    half_case: float,
    box: CanvasBox,
) -> Layer:
    """The straps wound around the wrist, a cylinder of `band`'s radius: x_canvas = r sin(theta).

    Each strap leaves the flat case at its edge and follows the wrist's surface, so it compresses
    towards the wrist's sides and is hidden past them. The photo's straps run up and down from the
    case (`scale` canvas px per source px); on the canvas the lower one runs to +across.
    """
    p, q = box.frame(band.center, band.across, band.along)
    wrist_radius = band.outer_radius_px
    theta = np.arcsin(np.clip(p / wrist_radius, -1.0, 1.0))
    turn = math.radians(band.turn_deg)
    theta_edge = math.asin(min(half_case / wrist_radius, 1.0))
    side = np.where(theta >= turn, 1.0, -1.0)
    # Distance along the strap from the case centre, canvas px: the flat half case, then the arc.
    along_strap = half_case + wrist_radius * (side * (theta - turn) - theta_edge)
    cx, cy = case_center
    sampled = cv2.remap(
        straps.rgba,
        (cx + q / scale).astype(np.float32),
        (cy + side * along_strap / scale).astype(np.float32),
        cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=(0.0, 0.0, 0.0, 0.0),
    )
    on_wrist = np.clip(wrist_radius - np.abs(p) + 0.5, 0.0, 1.0)
    return Layer(sampled * on_wrist[..., None])
