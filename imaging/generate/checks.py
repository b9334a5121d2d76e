"""Is an annotated, generated photo usable as a template? The checks each region's placement needs.

The annotator has already found the body part; these checks ask more of a generated photo than of
an uploaded one, because a bad generation costs only another seed: the frame spans a plausible
width for the region, a hand shows five extended fingers inside the frame, an ear lobe is bare with
room below it for a drop, a neckline is bare where a chain lies and has room for a pendant, a wrist
is bare where a bracelet sits.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
from numpy.typing import NDArray
from skimage.color import deltaE_ciede2000, rgb2lab

from imaging.annotate import hand_landmarks
from imaging.geometry import Point
from imaging.jewelry import BodyRegion
from imaging.template import Annotation, EarAnchor, NeckAnchor, Template, WristAnchor

# How wide, in millimetres, the frame of a close-up of each region can plausibly be. Outside this
# either the model ignored the framing or the annotator's scale is wrong; both make a bad template.
FRAME_WIDTH_MM: dict[BodyRegion, tuple[float, float]] = {
    BodyRegion.NECK: (150.0, 1000.0),
    BodyRegion.EAR: (60.0, 600.0),
    BodyRegion.HAND: (60.0, 600.0),
    BodyRegion.WRIST: (60.0, 600.0),
}
# mediapipe hand landmarks: (name, fingertip, the joint the tip must reach beyond), wrist.
FINGERS = (
    ("thumb", 4, 3),
    ("index finger", 8, 6),
    ("middle finger", 12, 10),
    ("ring finger", 16, 14),
    ("little finger", 20, 18),
)
HAND_WRIST = 0
# An extended finger's tip is this much farther from the wrist than its middle joint; bent or
# hidden fingers (whose landmarks mediapipe guesses) come out near or below 1.1.
MIN_FINGER_REACH = 1.15
EDGE_MARGIN = 0.01  # of the frame's short side: a tip this close to the edge may be cut off
# A finger cut off by the frame has its own colour where it meets the edge; a whole one has the
# background's there (CIEDE2000 between the two: under 4 cut off, over 12 whole on the samples).
MIN_FINGER_EDGE_DE = 8.0
COLOUR_PATCH = 0.006  # of the frame's short side: half-size of the patches compared
LOBE_DISC_MM = 3.0  # the lobe where the post goes through
MIN_SKIN_ON_LOBE = 0.5
MAX_HAIR_ON_LOBE = 0.2
DROP_ROOM_MM = 35.0  # a drop earring hangs this far below the lobe
MIN_UPRIGHT = math.cos(math.radians(30.0))  # the body's vertical against the photo's
PENDANT_ROOM_MM = 60.0  # below the notch, inside the frame
NECKLINE_DEPTH_MM = 25.0  # where a 16-18 inch chain lies, from the neck's base down
MIN_BARE = 0.75  # share of bare skin where a chain or bracelet lies
# Skin-like: Lab chroma near the template's skin colour, lightness within shading's reach.
SKIN_CHROMA = 12.0
SKIN_LIGHTNESS = 35.0


def usability_problem(template: Template) -> str | None:
    """Why the annotated photo is not usable as a template, in one line; None when it is."""
    annotation = template.annotation
    problem = _framing_problem(template)
    if problem is not None:
        return problem
    if annotation.region == BodyRegion.HAND:
        return _hand_problem(template)
    if annotation.region == BodyRegion.EAR and annotation.ears is not None:
        return _ear_problem(template, annotation.ears)
    if annotation.region == BodyRegion.NECK and annotation.neck is not None:
        return _neck_problem(template, annotation.neck)
    if annotation.region == BodyRegion.WRIST and annotation.wrist is not None:
        return _wrist_problem(template, annotation.wrist)
    return f"the annotation has no {annotation.region.value} anchor"


def _framing_problem(template: Template) -> str | None:
    annotation = template.annotation
    low, high = FRAME_WIDTH_MM[annotation.region]
    width_mm = template.width / annotation.px_per_mm
    if low <= width_mm <= high:
        return None
    return (
        f"the frame spans {width_mm:.0f} mm across at the measured scale, outside the "
        f"{low:.0f}-{high:.0f} mm of a close-up of the {annotation.region.value}"
    )


def _hand_problem(template: Template) -> str | None:
    hands = hand_landmarks(template.rgb)
    if not hands:
        return "no hand landmarks found"
    points = hands[0]
    margin = EDGE_MARGIN * min(template.width, template.height)
    wrist = points[HAND_WRIST]
    for name, tip, joint in FINGERS:
        if not _inside(template, (float(points[tip][0]), float(points[tip][1])), margin):
            return (
                f"the {name}'s tip is outside the frame: a ring template needs five whole fingers"
            )
        if _runs_into_edge(template, points[tip - 1], points[tip]):
            return f"the {name} runs out of the frame: a ring template needs five whole fingers"
        joint_distance = max(float(np.linalg.norm(points[joint] - wrist)), 1.0)
        reach = float(np.linalg.norm(points[tip] - wrist)) / joint_distance
        if reach < MIN_FINGER_REACH:
            return f"the {name} is bent or hidden: a ring template needs five extended fingers"
    return None


def _runs_into_edge(
    template: Template, joint: NDArray[np.float64], tip: NDArray[np.float64]
) -> bool:
    """Whether the finger's colour (at its last joint) is still there where it points out of the
    frame: mediapipe places a tip inside the frame even when the finger runs out of it."""
    direction = (tip - joint) / max(float(np.linalg.norm(tip - joint)), 1e-6)
    limits = []
    for axis, size in ((0, template.width), (1, template.height)):
        if direction[axis] > 1e-6:
            limits.append((size - 1 - tip[axis]) / direction[axis])
        elif direction[axis] < -1e-6:
            limits.append(-tip[axis] / direction[axis])
    if not limits:  # the tip sits on its joint: no direction to follow
        return False
    exit_point = tip + direction * max(min(limits), 0.0)
    radius = max(2, round(COLOUR_PATCH * min(template.width, template.height)))
    finger = _median_lab(template, joint, radius)
    edge = _median_lab(template, exit_point, radius)
    return float(deltaE_ciede2000(finger, edge)) < MIN_FINGER_EDGE_DE


def _median_lab(
    template: Template, centre: NDArray[np.float64], radius: int
) -> NDArray[np.float64]:
    x = min(max(round(float(centre[0])), 0), template.width - 1)
    y = min(max(round(float(centre[1])), 0), template.height - 1)
    patch = template.rgb[max(y - radius, 0) : y + radius + 1, max(x - radius, 0) : x + radius + 1]
    lab = rgb2lab(patch.astype(np.float64)).reshape(-1, 3)
    return np.asarray(np.median(lab, axis=0))


def _ear_problem(template: Template, ears: EarAnchor) -> str | None:
    annotation = template.annotation
    radius = LOBE_DISC_MM * annotation.px_per_mm
    drop = DROP_ROOM_MM * annotation.px_per_mm
    problems = []
    for lobe in ears.lobes:
        disc = _disc(template, lobe, radius)
        skin = _coverage(template.body_mask, disc)
        hair = _coverage(template.hair_mask, disc)
        if not _inside(template, (lobe[0], lobe[1] + drop), radius):
            problems.append(f"an ear lobe has no room below it for a {DROP_ROOM_MM:.0f} mm drop")
        elif hair > MAX_HAIR_ON_LOBE:
            problems.append(f"hair covers {hair:.0%} of the ear lobe")
        elif skin < MIN_SKIN_ON_LOBE:
            problems.append(f"only {skin:.0%} of the ear lobe is bare skin")
        else:
            return None
    return "no visible ear lobe: " + "; ".join(problems)


def _neck_problem(template: Template, neck: NeckAnchor) -> str | None:
    annotation = template.annotation
    down = np.array(neck.down)
    if down[1] < MIN_UPRIGHT:
        return "the person is not upright: a necklace template needs the neck vertical"
    pendant = np.array(neck.notch) + down * PENDANT_ROOM_MM * annotation.px_per_mm
    if not _inside(template, (float(pendant[0]), float(pendant[1])), 0.0):
        return f"the frame ends less than {PENDANT_ROOM_MM:.0f} mm below the neckline"
    depth = down * NECKLINE_DEPTH_MM * annotation.px_per_mm
    left, right = np.array(neck.left), np.array(neck.right)
    neckline = [left, right, right + depth, left + depth]
    if not all(_inside(template, (float(p[0]), float(p[1])), 0.0) for p in neckline):
        return "the neckline runs out of the frame"
    bare = _bare_fraction(template, neckline)
    if bare < MIN_BARE:
        return (
            f"the neckline is covered (only {bare:.0%} bare skin where a chain lies): "
            "hair, a collar or clothing is in the way"
        )
    return None


def _wrist_problem(template: Template, wrist: WristAnchor) -> str | None:
    annotation = template.annotation
    axis = np.array(wrist.axis)
    across = np.array((-axis[1], axis[0])) * 0.4 * wrist.width_px
    along = axis * 5.0 * annotation.px_per_mm  # a bracelet's band, 10 mm wide
    centre = np.array(wrist.center)
    band = [
        centre - across - along,
        centre + across - along,
        centre + across + along,
        centre - across + along,
    ]
    if not all(_inside(template, (float(p[0]), float(p[1])), 0.0) for p in band):
        return "the wrist runs out of the frame"
    bare = _bare_fraction(template, band)
    if bare < MIN_BARE:
        return (
            f"the wrist is covered (only {bare:.0%} bare skin where a bracelet sits): "
            "a sleeve or a band is in the way"
        )
    return None


def _inside(template: Template, point: Point, margin: float) -> bool:
    x, y = point
    return (
        margin <= x <= template.width - 1 - margin and margin <= y <= template.height - 1 - margin
    )


def _disc(template: Template, centre: Point, radius: float) -> NDArray[np.bool_]:
    ys, xs = np.ogrid[: template.height, : template.width]
    return np.asarray(np.hypot(xs - centre[0], ys - centre[1]) <= max(radius, 1.0))


def _coverage(mask: NDArray[np.float32] | None, region: NDArray[np.bool_]) -> float:
    if mask is None or not region.any():
        return 0.0
    return float((mask[region] > 0.5).mean())


def _bare_fraction(template: Template, polygon: list[NDArray[np.float64]]) -> float:
    """Share of a polygon inside the frame that is skin: the annotator's body mask, or pixels
    near the template's skin colour.

    The body mask alone is too strict (its colour model misses shaded skin); colour alone would
    take warm hair or clothing for skin, so it only counts near the measured skin's chroma.
    """
    region = np.zeros((template.height, template.width), dtype=np.uint8)
    cv2.fillPoly(region, [np.round(np.array(polygon)).astype(np.int32)], (1,))
    inside = region > 0
    if not inside.any():
        return 0.0
    lab = rgb2lab(template.rgb[inside].astype(np.float64)[None])[0]
    skin = _skin_lab(template.annotation)
    chroma = np.hypot(lab[:, 1] - skin[1], lab[:, 2] - skin[2])
    bare = (chroma <= SKIN_CHROMA) & (np.abs(lab[:, 0] - skin[0]) <= SKIN_LIGHTNESS)
    if template.body_mask is not None:
        bare |= template.body_mask[inside] > 0.5
    return float(bare.mean())


def _skin_lab(annotation: Annotation) -> NDArray[np.float64]:
    return np.array(annotation.skin_lab, dtype=np.float64)
