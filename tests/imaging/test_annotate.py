"""Auto-annotation on real photos: anchors land on the body part, scale is anatomically plausible."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from skimage import data

from imaging.annotate import annotate_photo
from imaging.errors import AnnotationError
from imaging.geometry import Point, distance
from imaging.image_io import FloatImage, load_image
from imaging.jewelry import BodyRegion
from imaging.template import Template

PEOPLE = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures" / "people"
needs_people = pytest.mark.skipif(
    not PEOPLE.is_dir(), reason=f"real people photos not found at {PEOPLE}"
)


def _photo(name: str) -> FloatImage:
    return load_image(PEOPLE / name).rgb


def _astronaut() -> FloatImage:
    return (data.astronaut() / 255.0).astype(np.float32)


def _on_mask(template: Template, point: Point) -> bool:
    assert template.body_mask is not None
    return bool(template.body_mask[round(point[1]), round(point[0])] > 0.5)


def _check_common(template: Template) -> None:
    annotation = template.annotation
    assert annotation.source == "auto"
    assert math.isclose(math.hypot(*annotation.light_direction), 1.0, abs_tol=1e-6)
    lightness, a, b = annotation.skin_lab
    assert 20 < lightness < 95 and 0 < a < 40 and 0 < b < 45  # skin: warm, neither black nor white
    assert template.body_mask is not None and template.body_mask.shape == template.rgb.shape[:2]


@pytest.mark.people
@needs_people
@pytest.mark.parametrize("name", ["hand-thumb-up-dark.jpg", "hand-thumbs-up.png", "two-hands.jpg"])
def test_ring_finger_anchor_lies_on_the_finger(name: str) -> None:
    rgb = _photo(name)
    template = annotate_photo(rgb, BodyRegion.HAND, "hand")
    annotation, finger = template.annotation, template.annotation.finger
    assert finger is not None and annotation.scale_source == "hand_world_landmarks"
    _check_common(template)
    middle = (
        (finger.knuckle[0] + finger.middle_joint[0]) / 2,
        (finger.knuckle[1] + finger.middle_joint[1]) / 2,
    )
    assert _on_mask(template, middle)
    assert 15.0 <= distance(finger.knuckle, finger.middle_joint) / annotation.px_per_mm <= 35.0
    assert 11.0 <= finger.width_px / annotation.px_per_mm <= 26.0
    # These photos frame a hand and forearm: the frame is 15 to 80 cm across.
    assert 150.0 <= rgb.shape[1] / annotation.px_per_mm <= 800.0


@pytest.mark.people
@needs_people
def test_seated_woman_gives_neck_and_wrist() -> None:
    rgb = _photo("seated-woman-tanktop.jpg")
    neck = annotate_photo(rgb, BodyRegion.NECK, "seated")
    _check_common(neck)
    anchor = neck.annotation.neck
    assert anchor is not None
    # Checked by eye on the photo: the notch sits at about (365, 178) between the collarbones.
    assert 340 <= anchor.notch[0] <= 400 and 160 <= anchor.notch[1] <= 200
    assert anchor.left[0] < anchor.notch[0] < anchor.right[0]
    assert anchor.down[1] > 0.9
    assert 0.3 <= neck.annotation.px_per_mm <= 0.6  # her shoulders, 160 px apart, are 35-45 cm

    wrist = annotate_photo(rgb, BodyRegion.WRIST, "seated")
    _check_common(wrist)
    assert wrist.annotation.wrist is not None
    assert _on_mask(wrist, wrist.annotation.wrist.center)
    assert 35.0 <= wrist.annotation.wrist.width_px / wrist.annotation.px_per_mm <= 80.0


@pytest.mark.people
@needs_people
def test_portrait_gives_the_visible_ear_lobe_and_the_neck() -> None:
    rgb = _photo("portrait-business-woman.png")
    ears = annotate_photo(rgb, BodyRegion.EAR, "portrait")
    _check_common(ears)
    anchor = ears.annotation.ears
    assert anchor is not None and ears.annotation.scale_source == "iris"
    # Her image-left ear is bare; the image-right one is under her hair.
    assert anchor.facing_right == (False,)
    lobe = anchor.lobes[0]
    assert 330 <= lobe[0] <= 370 and 300 <= lobe[1] <= 340  # the lobe, checked by eye
    assert any("hidden under hair" in note for note in ears.annotation.notes)
    assert ears.hair_mask is not None and _on_mask(ears, lobe)
    assert 1.5 <= ears.annotation.px_per_mm <= 2.3  # her face, 250 px wide, is 12-16 cm

    neck = annotate_photo(rgb, BodyRegion.NECK, "portrait")
    notch = neck.annotation.neck.notch if neck.annotation.neck else (0.0, 0.0)
    assert 440 <= notch[0] <= 520 and 450 <= notch[1] <= 560  # below the chin, above the lapels


@pytest.mark.people
@needs_people
def test_overrides_replace_fields() -> None:
    rgb = _photo("seated-woman-tanktop.jpg")
    template = annotate_photo(rgb, BodyRegion.NECK, "seated", overrides={"px_per_mm": 0.5})
    assert template.annotation.px_per_mm == 0.5
    assert template.annotation.source == "manual"


def test_photo_without_a_hand_is_refused() -> None:
    with pytest.raises(AnnotationError, match="no hand found"):
        annotate_photo(_astronaut(), BodyRegion.HAND, "astronaut")


def test_ears_under_hair_are_refused() -> None:
    with pytest.raises(AnnotationError, match="no ear lobe visible"):
        annotate_photo(_astronaut(), BodyRegion.EAR, "astronaut")


@pytest.mark.parametrize("region", list(BodyRegion))
def test_plain_grey_image_is_refused(region: BodyRegion) -> None:
    grey = np.full((480, 640, 3), 0.5, dtype=np.float32)
    with pytest.raises(AnnotationError):
        annotate_photo(grey, region, "grey")
