"""Placing a ring across the ring finger, between the knuckle and the middle joint."""

from __future__ import annotations

import numpy as np

from imaging.cutout import Cutout
from imaging.errors import AnnotationError
from imaging.geometry import distance, unit
from imaging.place import Placement, PoseJitter
from imaging.place.ellipse import (
    BandPose,
    CanvasBox,
    Layer,
    body_in_box,
    clipped_jitter,
    draw_band,
    enlargement,
    fit_annulus,
    layered_placement,
    offset_point,
    paste_upright,
    prepare_source,
    stack_alpha,
)
from imaging.place.per_cutout import once_per_cutout
from imaging.product_spec import ProductSpec, with_typical_sizes
from imaging.template import Template

RING_POSITION = 0.4  # of the way from knuckle to middle joint: a ring sits on the proximal phalanx
FIT_TOLERANCE = (
    0.15  # finger width vs inner diameter beyond which the scale or the size is in doubt
)
SETTING_GAP_PX = (
    1.5  # beyond the band's outer edge by this much (source px), pixels are the setting
)


def place_ring(
    cutout: Cutout, spec: ProductSpec, template: Template, jitter: PoseJitter
) -> Placement:
    """Put the ring on the template's ring finger at true scale, its back arc hidden by the finger.

    The band (the annulus of the face-on photo) is unwrapped onto the thin ellipse a band makes
    around the finger; the stone and setting above it are moved undistorted to the front of the band,
    pointing to the fingertip. `jitter` turns the ring around the finger and slides it along it.
    """
    finger = template.annotation.finger
    if finger is None:
        raise AnnotationError(
            f"template {template.name} has no ring finger annotation: mark its knuckle and middle "
            "joint, or choose a hand template"
        )
    spec = with_typical_sizes(spec)
    px_per_mm = template.annotation.px_per_mm
    inner_mm = spec.get("inner_diameter_mm")
    outer_mm = inner_mm + 2 * spec.get("band_thickness_mm")
    outer_px = outer_mm * px_per_mm

    source = prepare_source(cutout, outer_px)
    annulus = once_per_cutout(
        cutout, ("annulus", source.alpha.shape), lambda: fit_annulus(source.alpha)
    )
    scale = outer_px / (2 * annulus.outer_radius)  # canvas px per source px
    from_center = source.distance_from(annulus.center)
    band_weight = np.clip(annulus.outer_radius + SETTING_GAP_PX - from_center + 0.5, 0.0, 1.0)
    cx, cy = annulus.center
    above_center = np.arange(band_weight.shape[0])[:, None] < cy
    band = source.masked(band_weight)
    setting = source.masked((1.0 - band_weight) * above_center)
    setting_base = (cx, cy - annulus.outer_radius)
    setting_reach = float(
        np.max(source.distance_from(setting_base)[setting.alpha > 1e-3], initial=0)
    )

    knuckle, joint = finger.knuckle, finger.middle_joint
    along = unit((joint[0] - knuckle[0], joint[1] - knuckle[1]))
    across = (-along[1], along[0])
    turn_deg, shift_across, shift_along = clipped_jitter(jitter, template)
    center = offset_point(
        knuckle,
        across,
        along,
        shift_across * px_per_mm,
        RING_POSITION * distance(knuckle, joint) + shift_along * px_per_mm,
    )
    pose = BandPose(
        center=center,
        across=across,
        along=along,
        outer_radius_px=outer_px / 2,
        width_px=spec.get("band_width_mm") * px_per_mm,
        turn_deg=turn_deg,
    )
    stone_at = pose.front_center()
    reach = setting_reach * scale
    box = CanvasBox.around(
        [
            *pose.corners(),
            (stone_at[0] - reach, stone_at[1] - reach),
            (stone_at[0] + reach, stone_at[1] + reach),
        ],
        pad=3.0,
        width=template.width,
        height=template.height,
    )

    front, back = draw_band(band, annulus, pose, box)
    back = Layer(back.rgba, hidden=body_in_box(template, box, pose, finger.width_px))
    stone = paste_upright(setting, setting_base, stone_at, scale, along, box)
    band_seen = stack_alpha([back.visible_alpha(), front.alpha])
    return layered_placement(
        template,
        box,
        [back, front, stone],
        contact=band_seen,
        measure_mask=band_seen,
        measure_axis=across,
        expected_extent_mm=outer_mm,
        extent_name="ring outer width",
        anchor_points=(knuckle, joint, center),
        enlargement=enlargement(scale, source, cutout),
        notes=_fit_notes(finger.width_px / px_per_mm, inner_mm),
    )


def _fit_notes(finger_mm: float, inner_mm: float) -> tuple[str, ...]:
    """A note when the finger and the ring's inner diameter disagree more than FIT_TOLERANCE."""
    if abs(finger_mm - inner_mm) <= FIT_TOLERANCE * inner_mm:
        return ()
    return (
        f"the finger is {finger_mm:.1f} mm wide but the ring's inner diameter is {inner_mm:.1f} mm: "
        "check the template's scale or the ring size",
    )
