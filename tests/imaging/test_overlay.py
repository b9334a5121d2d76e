"""The QA overlay draws what QA measured: failing regions in red, scale, arrows and a legend."""

from __future__ import annotations

import dataclasses

import numpy as np

from imaging.jewelry import JewelryType
from imaging.light import LightParams, light_and_composite
from imaging.overlay import draw_qa_overlay
from imaging.product_spec import ProductSpec
from imaging.qa import evaluate_render
from tests.imaging.synthetic_light_scene import make_placement, make_source, make_template

PENDANT = ProductSpec(JewelryType.PENDANT, pendant_height_mm=15.0)


def _red(rgb: np.ndarray) -> np.ndarray:
    return (rgb[..., 0] > 0.6) & (rgb[..., 1] < 0.35) & (rgb[..., 2] < 0.35)


def test_overlay_marks_failures_and_leaves_a_good_render_untinted() -> None:
    template = make_template(size=480)
    placement = make_placement(template, center=(300.0, 300.0))
    composite = light_and_composite(template, placement, LightParams())
    report = evaluate_render(make_source(), composite, placement, template, PENDANT)
    overlay = draw_qa_overlay(composite, placement, report, template)
    assert overlay.shape == composite.rgb.shape and overlay.dtype == np.float32
    piece = placement.alpha > 0.5
    assert not _red(overlay)[piece].any()
    assert (np.abs(overlay - composite.rgb).max(axis=2) > 0.2).sum() > 500  # lines, text, legend

    hidden_alpha = placement.alpha.copy()
    hidden_alpha[:300] = 0.0
    hidden = dataclasses.replace(placement, alpha=hidden_alpha)
    composite = light_and_composite(template, hidden, LightParams())
    report = evaluate_render(make_source(), composite, hidden, template, PENDANT)
    assert "occlusion" in {c.name for c in report.failed()}
    overlay = draw_qa_overlay(composite, hidden, report, template)
    hidden_part = (placement.alpha_unoccluded > 0.5) & (hidden_alpha < 0.5)
    assert _red(overlay)[hidden_part].mean() > 0.8


def _yellow(rgb: np.ndarray) -> np.ndarray:
    return (rgb[..., 0] > 0.9) & (rgb[..., 1] > 0.75) & (rgb[..., 1] < 0.95) & (rgb[..., 2] < 0.2)


def test_the_light_arrow_shows_the_shadow_direction_the_check_compared_with() -> None:
    # On a narrow finger or a wrist the check expects the shadow along the body, not along the
    # raw light: the overlay must draw that, or a passing check shows two arrows that disagree.
    template = make_template(size=480)
    placement = make_placement(template, center=(240.0, 120.0))  # the legend goes below
    composite = light_and_composite(template, placement, LightParams())
    report = evaluate_render(make_source(), composite, placement, template, PENDANT)
    ys, xs = np.nonzero(placement.alpha > 0.5)
    centre_x, centre_y = float(xs.mean()), int(ys.mean())
    band = slice(centre_y - 30, centre_y + 30)  # the arrows' height
    for direction in ((-1.0, 0.0), (1.0, 0.0)):
        shown = dataclasses.replace(report, shadow_offset=None, expected_shadow_offset=direction)
        overlay = draw_qa_overlay(composite, placement, shown, template)
        xs = np.nonzero(_yellow(overlay[band]) & ~_yellow(composite.rgb[band]))[1]
        assert xs.size > 50
        beyond = xs < centre_x - 20 if direction[0] < 0 else xs > centre_x + 20
        assert beyond.mean() > 0.6
