"""Auto-annotating a model photo with mediapipe: anchors, scale, masks, light and skin colour.

`annotate_photo` finds the body part a template needs (hand, wrist, neck or ear) with mediapipe's
legacy solutions (their models ship in the wheel), measures it on a skin mask built from the
pixels around the landmarks, and returns a Template. Scale comes from anatomy: hand world
landmarks (metric 3-D), the iris (11.7 mm across) or a typical width, named in `scale_source`.
"""

from __future__ import annotations

import atexit
import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import mediapipe as mp
import numpy as np
from numpy.typing import NDArray
from skimage.color import rgb2lab

from imaging.errors import AnnotationError
from imaging.geometry import Point, Vector, angle_between_deg, distance, unit
from imaging.image_io import FloatImage
from imaging.jewelry import BodyRegion
from imaging.template import (
    Annotation,
    EarAnchor,
    FingerAnchor,
    NeckAnchor,
    Template,
    WristAnchor,
)

Points = NDArray[np.float64]  # N x 2 pixel coordinates (x, y)
Mask = NDArray[np.bool_]

IRIS_DIAMETER_MM = 11.7
TYPICAL_FINGER_WIDTH_MM = 17.0
TYPICAL_WRIST_WIDTH_MM = 55.0
TYPICAL_NECK_WIDTH_MM = 115.0
TYPICAL_SHOULDER_WIDTH_MM = 380.0  # between the shoulder joints (biacromial 360-400 mm)
TYPICAL_FACE_WIDTH_MM = 140.0  # across the face at the ears (face mesh points 234-454)
PLAUSIBLE_FINGER_MM = (11.0, 26.0)
PLAUSIBLE_WRIST_MM = (35.0, 80.0)
PLAUSIBLE_NECK_MM = (80.0, 160.0)
BRACELET_BEHIND_WRIST_MM = 15.0  # a bracelet sits this far up the forearm from the wrist joint
MAX_WRIST_BEND_DEG = 45.0  # between the hand's axis and the forearm's, as the photo shows them
MIN_VISIBILITY = 0.5

# Hand landmarks (mediapipe hands).
WRIST, MIDDLE_MCP, MIDDLE_PIP, RING_MCP, RING_PIP, PINKY_MCP, PINKY_PIP = 0, 9, 10, 13, 14, 17, 18
PALM_SEGMENTS = ((0, 5), (0, 9), (0, 17), (5, 17))  # long ones: knuckle to knuckle is too noisy
PALM_OUTLINE = (0, 1, 5, 9, 13, 17)
# Pose landmarks.
NOSE, LEFT_EYE, RIGHT_EYE, MOUTH_LEFT, MOUTH_RIGHT = 0, 2, 5, 9, 10
LEFT_SHOULDER, RIGHT_SHOULDER = 11, 12
ARM_JOINTS = ((15, 13), (16, 14))  # (wrist, elbow) for the subject's left and right arm
# Face mesh landmarks.
FACE_LEFT, FACE_RIGHT, NOSE_TIP = 234, 454, 1  # image-left and image-right edges at the ears
LOBE_ROOTS = (93, 323)  # where the lobe meets the cheek, image-left and image-right
EYE_CORNERS = (33, 263)
UPPER_LIP, LOWER_LIP = 13, 14
CHEEKS = (50, 280, 101, 330, 123, 352, 205, 425)
IRISES = ((469, 470, 471, 472), (474, 475, 476, 477))  # contour points of each iris
EYELIDS = ((159, 145, 33, 133), (386, 374, 362, 263))  # upper, lower, corner, corner
# Lobe position from its root, in face widths: outward from the face and down the face.
LOBE_OUTWARD, LOBE_DOWN = 0.075, -0.035
MIN_EYE_OPENNESS = 0.15  # eyelid gap over eye width: below it the iris is a guess
LOBE_RADIUS_MM = 10.0  # the body mask of an ear template: this much around the lobe
HAIR_REACH_MM = 35.0  # hair this close to a lobe may fall in front of an earring


# --- detectors: created once per process, closed at exit ------------------------------------

_DETECTOR_FACTORIES: dict[str, Callable[[], Any]] = {
    "hands": lambda: mp.solutions.hands.Hands(
        static_image_mode=True, max_num_hands=2, model_complexity=1
    ),
    "pose": lambda: mp.solutions.pose.Pose(static_image_mode=True, model_complexity=1),
    "face_mesh": lambda: mp.solutions.face_mesh.FaceMesh(
        static_image_mode=True, max_num_faces=1, refine_landmarks=True
    ),
    "selfie": lambda: mp.solutions.selfie_segmentation.SelfieSegmentation(model_selection=0),
}
_detectors: dict[str, Any] = {}
_detector_lock = threading.Lock()  # mediapipe graphs are not safe to share between threads


def _detect(kind: str, image: NDArray[np.uint8]) -> Any:
    """Run the cached detector `kind` on an RGB uint8 image."""
    with _detector_lock:
        if kind not in _detectors:
            _detectors[kind] = _DETECTOR_FACTORIES[kind]()
        return _detectors[kind].process(image)


def close_detectors() -> None:
    """Close the cached mediapipe detectors (also done at interpreter exit)."""
    with _detector_lock:
        for detector in _detectors.values():
            detector.close()
        _detectors.clear()


atexit.register(close_detectors)


# --- public entry point ---------------------------------------------------------------------


def annotate_photo(
    rgb: FloatImage, region: BodyRegion, name: str, overrides: dict[str, Any] | None = None
) -> Template:
    """Annotate a model photo for `region` and return it as a Template with its masks.

    Raises AnnotationError with the reason when the body part is not found.
    `overrides` replace annotation fields (Annotation.with_overrides), e.g. a seller's scale.
    """
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise AnnotationError("the model photo must be an RGB image")
    image8 = _uint8(rgb)
    annotators = {
        BodyRegion.HAND: _annotate_hand,
        BodyRegion.WRIST: _annotate_wrist,
        BodyRegion.NECK: _annotate_neck,
        BodyRegion.EAR: _annotate_ear,
    }
    annotation, body_mask, hair_mask = annotators[region](rgb, image8)
    if overrides:
        annotation = annotation.with_overrides(overrides)
    return Template(
        name=name, rgb=rgb, annotation=annotation, body_mask=body_mask, hair_mask=hair_mask
    )


def hand_landmarks(rgb: FloatImage) -> list[Points]:
    """The 21 mediapipe hand landmarks (pixels, x y) of each hand in the photo, largest first:
    the hand `annotate_photo` measures for a ring is the first."""
    return [hand.points for hand in _hands(_uint8(rgb))]


def _uint8(rgb: FloatImage) -> NDArray[np.uint8]:
    return np.ascontiguousarray(np.clip(np.rint(rgb * 255.0), 0, 255).astype(np.uint8))


_Result = tuple[Annotation, FloatImage, FloatImage | None]


# --- landmarks ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Hand:
    points: Points  # 21 x 2 pixels
    world_mm: NDArray[np.float64]  # 21 x 3 millimetres, metric and camera-aligned

    @property
    def size_px(self) -> float:
        return float(np.linalg.norm(self.points[MIDDLE_MCP] - self.points[WRIST]))

    def px_per_mm(self) -> float:
        """Image length over world length of the long palm segments (weighted median).

        World landmarks are camera-aligned, so their x-y extent is what the image shows of a
        segment; segments that lie flatter to the image plane weigh more.
        """
        ratios, weights = [], []
        for a, b in PALM_SEGMENTS:
            world = self.world_mm[b] - self.world_mm[a]
            flat_mm = float(np.linalg.norm(world[:2]))
            ratios.append(float(np.linalg.norm(self.points[b] - self.points[a])) / flat_mm)
            weights.append(max(flat_mm / float(np.linalg.norm(world)), 0.05))
        return _weighted_median(np.array(ratios), np.array(weights))


def _hands(image8: NDArray[np.uint8]) -> list[_Hand]:
    """Detected hands, largest in the image first."""
    result = _detect("hands", image8)
    if not result.multi_hand_landmarks:
        return []
    height, width = image8.shape[:2]
    hands = [
        _Hand(
            points=np.array([(p.x * width, p.y * height) for p in image_lm.landmark]),
            world_mm=np.array([(p.x, p.y, p.z) for p in world_lm.landmark]) * 1000.0,
        )
        for image_lm, world_lm in zip(
            result.multi_hand_landmarks, result.multi_hand_world_landmarks, strict=True
        )
    ]
    return sorted(hands, key=lambda hand: -hand.size_px)


def _pose(image8: NDArray[np.uint8]) -> tuple[Points, NDArray[np.float64]] | None:
    """Pose landmarks in pixels and their visibility, or None without a person."""
    result = _detect("pose", image8)
    if result.pose_landmarks is None:
        return None
    height, width = image8.shape[:2]
    marks = result.pose_landmarks.landmark
    points = np.array([(p.x * width, p.y * height) for p in marks])
    return points, np.array([p.visibility for p in marks])


def _face(image8: NDArray[np.uint8]) -> Points | None:
    """Face mesh landmarks (478, irises included) in pixels.

    A small face is looked for again in a crop around the head that pose finds, enlarged,
    since the face mesh's own detector only finds faces that fill a good part of the frame.
    """
    points = _face_in(image8)
    if points is not None:
        return points
    pose = _pose(image8)
    if pose is None or pose[1][:11].min() < MIN_VISIBILITY:
        return None
    head = pose[0][:11]
    half = 2.2 * float(np.ptp(head, axis=0).max())
    x0, y0, x1, y1 = _box(head.mean(axis=0), half, image8.shape)
    zoom = 384.0 / max(y1 - y0, x1 - x0)
    crop = cv2.resize(image8[y0:y1, x0:x1], None, fx=zoom, fy=zoom, interpolation=cv2.INTER_CUBIC)
    points = _face_in(np.ascontiguousarray(crop))
    return None if points is None else points / zoom + (x0, y0)


def _face_in(image8: NDArray[np.uint8]) -> Points | None:
    result = _detect("face_mesh", image8)
    if not result.multi_face_landmarks:
        return None
    height, width = image8.shape[:2]
    return np.array([(p.x * width, p.y * height) for p in result.multi_face_landmarks[0].landmark])


def _iris_px(face: Points) -> float | None:
    """Iris diameter in pixels of the widest open eye, or None when both eyes are closed."""
    diameters = []
    for contour, (upper, lower, corner_a, corner_b) in zip(IRISES, EYELIDS, strict=True):
        eye_width = distance(tuple(face[corner_a]), tuple(face[corner_b]))
        if distance(tuple(face[upper]), tuple(face[lower])) < MIN_EYE_OPENNESS * eye_width:
            continue
        a, b, c, d = (face[i] for i in contour)
        diameters.append((np.linalg.norm(a - c) + np.linalg.norm(b - d)) / 2.0)
    # Turning the head only narrows an iris, so the widest one is the truest.
    return float(max(diameters)) if diameters else None


# --- hand and wrist -------------------------------------------------------------------------


def _annotate_hand(rgb: FloatImage, image8: NDArray[np.uint8]) -> _Result:
    hands = _hands(image8)
    if not hands:
        raise AnnotationError(
            "no hand found in the photo: a ring template needs the back of a hand "
            "with the fingers visible"
        )
    hand = hands[0]
    pts = hand.points
    px_per_mm = hand.px_per_mm()
    knuckle, joint = pts[RING_MCP], pts[RING_PIP]
    box = _box(pts.mean(axis=0), 0.75 * float(np.ptp(pts, axis=0).max()), rgb.shape)
    skin = _SkinPatch.from_seeds(rgb, box, _palm_seeds(pts))

    notes: list[str] = []
    axis = unit(tuple(joint - knuckle))
    across = np.array((-axis[1], axis[0]))
    middle = (knuckle + joint) / 2.0
    # Touching fingers merge in the skin mask: each side stops halfway to the neighbour finger.
    limits = [
        0.5 * float(np.dot((pts[a] + pts[b]) / 2.0 - middle, across))
        for a, b in ((MIDDLE_MCP, MIDDLE_PIP), (PINKY_MCP, PINKY_PIP))
    ]
    typical_half = 0.5 * TYPICAL_FINGER_WIDTH_MM * px_per_mm
    if limits[0] * limits[1] >= 0:  # neighbours on one side: the landmarks are tangled
        limits = [-1.5 * typical_half, 1.5 * typical_half]
    low, high = skin.run(middle, across, min(limits), max(limits))
    width_px = high - low
    if not _within(width_px / px_per_mm, PLAUSIBLE_FINGER_MM):
        width_px = TYPICAL_FINGER_WIDTH_MM * px_per_mm
        low, high = -width_px / 2.0, width_px / 2.0
        notes.append(
            f"ring finger width not measurable on the skin mask: typical "
            f"{TYPICAL_FINGER_WIDTH_MM:.0f} mm used"
        )
    shift = across * (low + high) / 2.0  # centre the finger axis on the measured finger
    knuckle, joint = knuckle + shift, joint + shift

    length = float(np.linalg.norm(joint - knuckle))
    direction = (joint - knuckle) / length
    body = skin.mask & skin.capsule(
        knuckle - 0.15 * length * direction, joint + 0.1 * length * direction, 0.6 * width_px
    )
    annotation = Annotation(
        region=BodyRegion.HAND,
        px_per_mm=px_per_mm,
        scale_source="hand_world_landmarks",
        finger=FingerAnchor(
            knuckle=_point(knuckle), middle_joint=_point(joint), width_px=float(width_px)
        ),
        **skin.light_and_colour(notes),
    )
    return annotation, skin.full_mask(body), None


def _annotate_wrist(rgb: FloatImage, image8: NDArray[np.uint8]) -> _Result:
    notes: list[str] = []
    hands = _hands(image8)
    px_per_mm: float | None = None
    if hands:
        hand = hands[0]
        px_per_mm = hand.px_per_mm()
        joint = hand.points[WRIST]
        axis = unit(tuple(hand.points[MIDDLE_MCP] - joint))
        reach = hand.size_px
        behind = BRACELET_BEHIND_WRIST_MM * px_per_mm
        seeds = _palm_seeds(hand.points)
    else:
        joint, axis, reach = _pose_wrist(image8)
        behind = 0.06 * reach  # the forearm is about 250 mm long
        seeds = joint - np.outer(np.linspace(0.1, 0.6, 6), axis) * reach
        notes.append("no hand landmarks: wrist from pose landmarks")
    skin = _SkinPatch.from_seeds(rgb, _box(joint, 1.6 * reach, rgb.shape), seeds)
    if hands:
        # A bent wrist turns the hand away from the forearm: a bracelet follows the forearm.
        axis = skin.forearm_axis(joint, axis, reach) or axis
    centre = joint - np.array(axis) * behind

    across = np.array((-axis[1], axis[0]))
    low, high = skin.run(centre, across, -0.8 * reach, 0.8 * reach)
    width_px = high - low
    if px_per_mm is None:
        px_per_mm = width_px / TYPICAL_WRIST_WIDTH_MM
        scale_source = "typical_width"
        notes.append(f"scale from a typical wrist width of {TYPICAL_WRIST_WIDTH_MM:.0f} mm")
    else:
        scale_source = "hand_world_landmarks"
        if not _within(width_px / px_per_mm, PLAUSIBLE_WRIST_MM):
            width_px = TYPICAL_WRIST_WIDTH_MM * px_per_mm
            low, high = -width_px / 2.0, width_px / 2.0
            notes.append(
                f"wrist width not measurable on the skin mask: typical "
                f"{TYPICAL_WRIST_WIDTH_MM:.0f} mm used"
            )
    centre = centre + across * (low + high) / 2.0
    body = skin.mask & skin.capsule(
        centre - np.array(axis) * 1.5 * width_px, centre + np.array(axis) * behind, 0.7 * width_px
    )
    annotation = Annotation(
        region=BodyRegion.WRIST,
        px_per_mm=float(px_per_mm),
        scale_source=scale_source,
        wrist=WristAnchor(center=_point(centre), axis=axis, width_px=float(width_px)),
        **skin.light_and_colour(notes),
    )
    return annotation, skin.full_mask(body), None


def _pose_wrist(image8: NDArray[np.uint8]) -> tuple[Points, Vector, float]:
    """The most visible wrist from pose: its joint, the forearm axis and the forearm length."""
    pose = _pose(image8)
    refusal = AnnotationError(
        "no wrist found in the photo: a bracelet or watch template needs a bare wrist "
        "and forearm in view"
    )
    if pose is None:
        raise refusal
    points, visibility = pose
    wrist, elbow = max(ARM_JOINTS, key=lambda arm: min(visibility[arm[0]], visibility[arm[1]]))
    if min(visibility[wrist], visibility[elbow]) < MIN_VISIBILITY:
        raise refusal
    forearm = points[wrist] - points[elbow]
    return points[wrist], unit(tuple(forearm)), float(np.linalg.norm(forearm))


def _palm_seeds(points: Points) -> Points:
    """Points on the palm: the outline landmarks pulled a third of the way to the palm centre."""
    outline = points[list(PALM_OUTLINE)]
    centre = outline.mean(axis=0)
    return np.vstack([centre, outline + (centre - outline) / 3.0])


# --- neck -----------------------------------------------------------------------------------


def _annotate_neck(rgb: FloatImage, image8: NDArray[np.uint8]) -> _Result:
    pose = _pose(image8)
    needed = [LEFT_SHOULDER, RIGHT_SHOULDER, MOUTH_LEFT, MOUTH_RIGHT, LEFT_EYE, RIGHT_EYE]
    if pose is None or pose[1][needed].min() < MIN_VISIBILITY:
        raise AnnotationError(
            "no neck and shoulders found in the photo: a necklace template needs the face, "
            "the neck and both shoulders in view"
        )
    points = pose[0]
    shoulders = points[LEFT_SHOULDER] - points[RIGHT_SHOULDER]
    shoulder_mid = (points[LEFT_SHOULDER] + points[RIGHT_SHOULDER]) / 2.0
    mouth = (points[MOUTH_LEFT] + points[MOUTH_RIGHT]) / 2.0
    eyes = (points[LEFT_EYE] + points[RIGHT_EYE]) / 2.0
    across = np.array(unit(tuple(shoulders)))
    down = np.array((-across[1], across[0]))
    if np.dot(shoulder_mid - mouth, down) < 0:
        down = -down
    mouth_height = float(np.dot(shoulder_mid - mouth, down))
    if mouth_height <= 0:
        raise AnnotationError(
            "the mouth is not above the shoulders: a necklace template needs an upright "
            "person with the neck in view"
        )
    # The notch sits about 0.9 eye-to-mouth lengths below the mouth; padded shoulders only ever
    # put the shoulder landmarks lower, so the higher of the two estimates wins.
    rise = max(0.2 * mouth_height, mouth_height - 0.9 * float(np.linalg.norm(mouth - eyes)))
    notch = shoulder_mid - down * rise

    notes: list[str] = []
    face = _face(image8)
    iris = _iris_px(face) if face is not None else None
    if iris is not None:
        px_per_mm, scale_source = iris / IRIS_DIAMETER_MM, "iris"
    else:
        px_per_mm = float(np.linalg.norm(shoulders)) / TYPICAL_SHOULDER_WIDTH_MM
        scale_source = "typical_width"
        notes.append(
            f"no open eye found: scale from a typical shoulder width of "
            f"{TYPICAL_SHOULDER_WIDTH_MM:.0f} mm"
        )

    neck_length = float(np.dot(notch - mouth, down))
    mid_neck = notch - down * 0.35 * neck_length
    seeds = mouth + np.outer(np.linspace(0.45, 0.9, 6), notch - mouth)
    box = _box(notch, 0.75 * float(np.linalg.norm(shoulders)), rgb.shape)
    skin = _SkinPatch.from_seeds(rgb, box, seeds)
    reach = 0.8 * TYPICAL_NECK_WIDTH_MM * px_per_mm
    low, high = skin.run(mid_neck, across, -reach, reach)
    width_px = high - low
    if _within(width_px / px_per_mm, PLAUSIBLE_NECK_MM):
        notch = notch + across * (low + high) / 2.0
    else:
        width_px = TYPICAL_NECK_WIDTH_MM * px_per_mm
        notes.append(
            f"neck width not measurable on the skin mask: typical "
            f"{TYPICAL_NECK_WIDTH_MM:.0f} mm used"
        )
    half_base = 0.55 * width_px  # the neck widens a little where it meets the shoulders
    sides = sorted((notch - across * half_base, notch + across * half_base), key=lambda p: p[0])
    shoulder_px = float(np.linalg.norm(shoulders))
    body = (
        skin.mask
        & skin.capsule(mid_neck, notch + down * 0.6 * shoulder_px, 0.5 * shoulder_px)
        & skin.half_plane(mid_neck, down)
    )
    annotation = Annotation(
        region=BodyRegion.NECK,
        px_per_mm=px_per_mm,
        scale_source=scale_source,
        neck=NeckAnchor(
            left=_point(sides[0]),
            right=_point(sides[1]),
            notch=_point(notch),
            down=(float(down[0]), float(down[1])),
        ),
        **skin.light_and_colour(notes),
    )
    return annotation, skin.full_mask(body), None


# --- ears -----------------------------------------------------------------------------------


def _annotate_ear(rgb: FloatImage, image8: NDArray[np.uint8]) -> _Result:
    face = _face(image8)
    if face is None:
        raise AnnotationError(
            "no face found in the photo: an earring template needs a face with an ear lobe visible"
        )
    notes: list[str] = []
    face_width = float(np.linalg.norm(face[FACE_RIGHT] - face[FACE_LEFT]))
    across = (face[FACE_RIGHT] - face[FACE_LEFT]) / face_width
    face_down = np.array((-across[1], across[0]))
    if np.dot(face[LOWER_LIP] - face[EYE_CORNERS[0]], face_down) < 0:
        face_down = -face_down
    iris = _iris_px(face)
    if iris is not None:
        px_per_mm, scale_source = iris / IRIS_DIAMETER_MM, "iris"
    else:
        px_per_mm, scale_source = face_width / TYPICAL_FACE_WIDTH_MM, "typical_width"
        notes.append(
            f"eyes closed: scale from a typical face width of {TYPICAL_FACE_WIDTH_MM:.0f} mm"
        )

    box = _box(face[:468].mean(axis=0), 1.0 * face_width, rgb.shape)
    skin = _SkinPatch.from_seeds(rgb, box, face[list(CHEEKS)])
    # Where the nose sits across the face tells which way it turns: the far ear is hidden.
    nose_at = float(np.dot(face[NOSE_TIP] - face[FACE_LEFT], across)) / face_width
    lobes: list[Point] = []
    facing_right: list[bool] = []
    for root, outward, on_right, turned_away in (
        (face[LOBE_ROOTS[0]], -across, False, nose_at < 0.25),
        (face[LOBE_ROOTS[1]], across, True, nose_at > 0.75),
    ):
        lobe = root + (outward * LOBE_OUTWARD + face_down * LOBE_DOWN) * face_width
        if turned_away:
            notes.append(f"{'right' if on_right else 'left'} ear turned away from the camera")
        elif skin.fraction_within(lobe, 2.5 * px_per_mm) < 0.5:
            notes.append(f"{'right' if on_right else 'left'} ear lobe hidden under hair")
        else:
            lobes.append(_point(lobe))
            facing_right.append(on_right)
    if not lobes:
        raise AnnotationError(
            "no ear lobe visible in the photo (under hair or turned away): an earring template "
            "needs at least one bare ear lobe"
        )

    near_lobes = np.zeros_like(skin.mask)
    on_lobes = np.zeros_like(skin.mask)
    for lobe in lobes:
        near_lobes |= skin.capsule(np.array(lobe), np.array(lobe), HAIR_REACH_MM * px_per_mm)
        on_lobes |= skin.capsule(np.array(lobe), np.array(lobe), LOBE_RADIUS_MM * px_per_mm)
    # The ear itself is redder and more shaded than the cheeks: judge it with a looser model.
    ear_or_skin = skin.loosely_skin()
    x0, y0, x1, y1 = box
    person = _detect("selfie", image8).segmentation_mask[y0:y1, x0:x1] > 0.5
    hair = person & ~ear_or_skin & near_lobes
    annotation = Annotation(
        region=BodyRegion.EAR,
        px_per_mm=px_per_mm,
        scale_source=scale_source,
        # Drops hang plumb: the photo's vertical, whatever the head's tilt.
        ears=EarAnchor(lobes=tuple(lobes), down=(0.0, 1.0), facing_right=tuple(facing_right)),
        **skin.light_and_colour(notes),
    )
    return annotation, skin.full_mask(ear_or_skin & on_lobes), skin.full_mask(hair)


# --- skin -----------------------------------------------------------------------------------

_Box = tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels, exclusive ends

# Skin colour model spreads never go below these (Lab units): shading moves L a lot.
MIN_SPREAD_LAB = np.array([12.0, 4.0, 4.0])
MAX_LIGHTNESS_Z = 3.5
MAX_CHROMA_Z = 3.0
LOOSE_Z = 5.0
LIGHT_GRID_PX = 96  # light direction is measured on a grid this size


@dataclass(frozen=True)
class _SkinPatch:
    """A crop of the photo with a skin mask from a colour model seeded at known skin points."""

    box: _Box
    image_shape: tuple[int, ...]
    lab: NDArray[np.float64]
    mask: Mask
    skin_z: NDArray[np.float64]  # per pixel Lab distance from the skin model, in spreads

    @classmethod
    def from_seeds(cls, rgb: FloatImage, box: _Box, seeds: Points) -> _SkinPatch:
        """Gaussian Lab model (median, MAD) of the pixels around `seeds`, applied to the crop."""
        x0, y0, x1, y1 = box
        lab = rgb2lab(rgb[y0:y1, x0:x1].astype(np.float64))
        local = np.round(seeds - (x0, y0)).astype(int)
        inside = (
            (local[:, 0] >= 2)
            & (local[:, 1] >= 2)
            & (local[:, 0] < x1 - x0 - 2)
            & (local[:, 1] < y1 - y0 - 2)
        )
        if not inside.any():
            raise AnnotationError("the body part lies outside the photo: use an uncropped photo")
        samples = np.concatenate(
            [lab[y - 2 : y + 3, x - 2 : x + 3].reshape(-1, 3) for x, y in local[inside]]
        )
        centre = np.median(samples, axis=0)
        spread = np.maximum(1.4826 * np.median(np.abs(samples - centre), axis=0), MIN_SPREAD_LAB)
        z = (lab - centre) / spread
        mask = (np.abs(z[..., 0]) <= MAX_LIGHTNESS_Z) & (
            z[..., 1] ** 2 + z[..., 2] ** 2 <= MAX_CHROMA_Z**2
        )
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
        cleaned = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_OPEN, kernel)
        cleaned = cv2.morphologyEx(cleaned, cv2.MORPH_CLOSE, kernel)
        # Keep only the skin connected to the seeds (not the sand or the wall behind).
        _, labels = cv2.connectedComponents(cleaned)
        seed_labels = np.unique(labels[local[inside, 1], local[inside, 0]])
        keep = np.isin(labels, seed_labels[seed_labels > 0])
        return cls(box=box, image_shape=rgb.shape, lab=lab, mask=keep, skin_z=z)

    def loosely_skin(self) -> Mask:
        """Skin under a looser model (ears, shaded creases), not limited to the seeds' region."""
        z = self.skin_z
        return np.asarray(
            (z[..., 0] >= -LOOSE_Z) & (z[..., 1] ** 2 + z[..., 2] ** 2 <= LOOSE_Z**2), dtype=bool
        )

    def _local(self, point: NDArray[np.float64]) -> NDArray[np.float64]:
        return point - np.array(self.box[:2], dtype=np.float64)

    def run(
        self, centre: NDArray[np.float64], direction: NDArray[np.float64], low: float, high: float
    ) -> tuple[float, float]:
        """The skin run through `centre` along `direction`, clipped to [low, high] pixels.

        Returns the run's ends as signed offsets from `centre`; (0, 0) when `centre` is not skin.
        """
        steps = np.arange(math.floor(low), math.ceil(high) + 1, 0.5)
        along = self._local(centre) + np.outer(steps, direction)
        xs, ys = np.round(along[:, 0]).astype(int), np.round(along[:, 1]).astype(int)
        height, width = self.mask.shape
        valid = (xs >= 0) & (ys >= 0) & (xs < width) & (ys < height)
        on = np.zeros(steps.size, dtype=bool)
        on[valid] = self.mask[ys[valid], xs[valid]]
        on &= (steps >= low) & (steps <= high)
        zero = int(np.argmin(np.abs(steps)))
        if not on[zero]:
            return 0.0, 0.0
        off_before = np.flatnonzero(~on[:zero])
        off_after = np.flatnonzero(~on[zero:])
        first = off_before[-1] + 1 if off_before.size else 0
        last = zero + off_after[0] - 1 if off_after.size else steps.size - 1
        return float(max(steps[first], low)), float(min(steps[last], high))

    def capsule(self, start: NDArray[np.float64], end: NDArray[np.float64], radius: float) -> Mask:
        """Crop pixels within `radius` of the segment start-end."""
        height, width = self.mask.shape
        ys, xs = np.mgrid[0:height, 0:width]
        a, b = self._local(start), self._local(end)
        segment = b - a
        length2 = float(np.dot(segment, segment))
        t = np.zeros((height, width))
        if length2 > 0:
            t = np.clip(((xs - a[0]) * segment[0] + (ys - a[1]) * segment[1]) / length2, 0, 1)
        squared = (xs - a[0] - t * segment[0]) ** 2 + (ys - a[1] - t * segment[1]) ** 2
        return np.asarray(squared <= radius**2, dtype=bool)

    def forearm_axis(
        self, joint: NDArray[np.float64], hand_axis: Vector, reach: float
    ) -> Vector | None:
        """Main direction of the skin behind the wrist joint, pointing to the hand.

        None when too little skin is there, it is not elongated like a forearm, or it bends
        away from the hand more than a wrist can (another arm behind it, not this forearm).
        """
        behind = joint - np.array(hand_axis) * 1.5 * reach
        region = self.mask & self.capsule(joint, behind, 0.6 * reach)
        region &= ~self.capsule(joint, joint, 0.2 * reach)
        ys, xs = np.nonzero(region)
        if len(xs) < 200:
            return None
        spreads, directions = np.linalg.eigh(np.cov(np.vstack([xs, ys])))
        if spreads[1] < 2.0 * spreads[0]:
            return None
        major = directions[:, 1] * np.sign(directions[:, 1] @ np.array(hand_axis))
        axis = unit((float(major[0]), float(major[1])))
        return axis if angle_between_deg(axis, hand_axis) <= MAX_WRIST_BEND_DEG else None

    def half_plane(self, point: NDArray[np.float64], normal: NDArray[np.float64]) -> Mask:
        """Crop pixels on the side of the line through `point` that `normal` points to."""
        height, width = self.mask.shape
        ys, xs = np.mgrid[0:height, 0:width]
        local = self._local(point)
        return np.asarray((xs - local[0]) * normal[0] + (ys - local[1]) * normal[1] >= 0)

    def fraction_within(self, point: Point, radius: float) -> float:
        """Fraction of skin pixels in the disc around `point` (0 outside the crop)."""
        disc = self.capsule(np.array(point), np.array(point), max(radius, 1.0))
        return float(self.mask[disc].mean()) if disc.any() else 0.0

    def full_mask(self, mask: Mask) -> FloatImage:
        """A crop mask placed on the whole photo as float32 0/1."""
        x0, y0, x1, y1 = self.box
        full = np.zeros(self.image_shape[:2], dtype=np.float32)
        full[y0:y1, x0:x1] = mask
        return full

    def light_and_colour(self, notes: list[str]) -> dict[str, Any]:
        """Annotation fields from the skin: light direction, median Lab, notes (appended to)."""
        if self.mask.sum() < 50:
            raise AnnotationError(
                "too little bare skin found at the body part: use a photo with the skin in "
                "clear view"
            )
        light = _light_direction(self.lab[..., 0], self.mask)
        if light is None:
            notes.append("flat light on the skin: light direction taken as straight down")
            light = (0.0, 1.0)
        lab = np.median(self.lab[self.mask], axis=0)
        return {
            "light_direction": light,
            "skin_lab": (float(lab[0]), float(lab[1]), float(lab[2])),
            "source": "auto",
            "notes": tuple(notes),
        }


def _light_direction(lightness: NDArray[np.float64], skin: Mask) -> Vector | None:
    """Direction from bright to dark across the heavily blurred skin; None when it is flat.

    Works on a coarse grid (the blur is heavy anyway) and blurs inside the mask only
    (normalised convolution), so the background's brightness does not leak into the shading.
    """
    zoom = min(1.0, LIGHT_GRID_PX / max(skin.shape))
    size = (max(round(skin.shape[1] * zoom), 1), max(round(skin.shape[0] * zoom), 1))
    coverage = cv2.resize(skin.astype(np.float32), size, interpolation=cv2.INTER_AREA)
    masked = cv2.resize((lightness * skin).astype(np.float32), size, interpolation=cv2.INTER_AREA)
    sigma = 0.15 * max(size)
    weight = cv2.GaussianBlur(coverage, (0, 0), sigma)
    smooth = cv2.GaussianBlur(masked, (0, 0), sigma) / np.maximum(weight, 1e-3)
    grad_y, grad_x = np.gradient(smooth)
    inner = coverage > 0.99
    if not inner.any():
        return None
    gradient = (float(grad_x[inner].mean()), float(grad_y[inner].mean()))
    # Less than 1 L unit across the whole crop is no measurable shading.
    if math.hypot(*gradient) * max(size) < 1.0:
        return None
    return unit((-gradient[0], -gradient[1]))


# --- small helpers --------------------------------------------------------------------------


def _box(centre: NDArray[np.float64], half: float, shape: Sequence[int]) -> _Box:
    height, width = int(shape[0]), int(shape[1])
    x0, y0 = max(int(centre[0] - half), 0), max(int(centre[1] - half), 0)
    x1, y1 = min(int(centre[0] + half) + 1, width), min(int(centre[1] + half) + 1, height)
    if x1 - x0 < 8 or y1 - y0 < 8:
        raise AnnotationError("the body part lies outside the photo: use an uncropped photo")
    return x0, y0, x1, y1


def _point(p: NDArray[np.float64]) -> Point:
    return (float(p[0]), float(p[1]))


def _within(value: float, bounds: tuple[float, float]) -> bool:
    return bounds[0] <= value <= bounds[1]


def _weighted_median(values: NDArray[np.float64], weights: NDArray[np.float64]) -> float:
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cumulative, cumulative[-1] / 2.0)])
