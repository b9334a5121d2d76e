"""The region checks on adorn's sample templates, whose annotations are exact: each passes as
drawn, and fails once the place a piece would go is covered, cropped or mis-scaled."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from imaging.generate.checks import usability_problem
from imaging.jewelry import BodyRegion
from imaging.samples.models import make_template
from imaging.template import Template

NAVY = np.array([0.10, 0.12, 0.30], np.float32)


def _sample(region: BodyRegion, tone: int) -> Template:
    return make_template(region, skin_tone=tone, width=512, height=512, seed=1)


@pytest.mark.parametrize("tone", [2, 9])
@pytest.mark.parametrize("region", [BodyRegion.NECK, BodyRegion.EAR, BodyRegion.WRIST])
def test_exactly_annotated_samples_pass(region: BodyRegion, tone: int) -> None:
    # The hand's check runs mediapipe on the photo: test_generator covers it.
    assert usability_problem(_sample(region, tone)) is None


@pytest.mark.parametrize("tone", [2, 9])
def test_a_collar_over_the_neckline_fails(tone: int) -> None:
    template = _sample(BodyRegion.NECK, tone)
    assert template.annotation.neck is not None
    notch_y = round(template.annotation.neck.notch[1])
    rgb = template.rgb.copy()
    rgb[notch_y - 40 : notch_y + 30] = NAVY
    problem = usability_problem(replace(template, rgb=rgb, body_mask=None))
    assert problem is not None and problem.startswith("the neckline is covered (only ")


def test_a_lying_down_neck_fails() -> None:
    template = _sample(BodyRegion.NECK, 5)
    assert template.annotation.neck is not None
    sideways = replace(template.annotation.neck, down=(1.0, 0.0))
    annotation = replace(template.annotation, neck=sideways)
    problem = usability_problem(replace(template, annotation=annotation))
    assert problem is not None and problem.startswith("the person is not upright")


@pytest.mark.parametrize("tone", [2, 9])
def test_a_sleeve_over_the_wrist_fails(tone: int) -> None:
    template = _sample(BodyRegion.WRIST, tone)
    assert template.annotation.wrist is not None
    centre_x = round(template.annotation.wrist.center[0])
    rgb = template.rgb.copy()
    rgb[:, centre_x - 40 : centre_x + 40] = NAVY
    problem = usability_problem(replace(template, rgb=rgb, body_mask=None))
    assert problem is not None and problem.startswith("the wrist is covered")


def test_hair_over_the_lobe_fails() -> None:
    template = _sample(BodyRegion.EAR, 5)
    assert template.hair_mask is not None
    covered = replace(template, hair_mask=np.ones_like(template.hair_mask))
    assert usability_problem(covered) == "no visible ear lobe: hair covers 100% of the ear lobe"


def test_a_lobe_without_room_below_for_a_drop_fails() -> None:
    template = _sample(BodyRegion.EAR, 5)
    assert template.body_mask is not None and template.hair_mask is not None
    rows = slice(0, 380)  # the lobe is at y = 261 and a 35 mm drop needs 128 px below it
    cropped = replace(
        template,
        rgb=template.rgb[rows],
        body_mask=template.body_mask[rows],
        hair_mask=template.hair_mask[rows],
    )
    assert usability_problem(cropped) == (
        "no visible ear lobe: an ear lobe has no room below it for a 35 mm drop"
    )


@pytest.mark.parametrize(("px_per_mm", "width_mm"), [(0.4, 1280), (20.0, 26)])
def test_a_scale_no_close_up_could_have_fails(px_per_mm: float, width_mm: int) -> None:
    template = _sample(BodyRegion.WRIST, 5)
    annotation = replace(template.annotation, px_per_mm=px_per_mm)
    assert usability_problem(replace(template, annotation=annotation)) == (
        f"the frame spans {width_mm} mm across at the measured scale, outside the 60-600 mm "
        "of a close-up of the wrist"
    )
