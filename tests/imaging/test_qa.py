"""Measured QA: a good synthetic render passes, and each check fails on the flaw it exists for."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from imaging.jewelry import JewelryType
from imaging.light import Composite, LightParams, light_and_composite
from imaging.place import Placement
from imaging.product_spec import ProductSpec
from imaging.qa import Check, QAReport, Tier, evaluate_render, measure_extent, reshoot_verdict
from imaging.template import Template
from tests.imaging.synthetic_light_scene import make_placement, make_source, make_template

PENDANT = ProductSpec(JewelryType.PENDANT, pendant_height_mm=15.0)
DEFAULT_LIGHT = LightParams()


def _evaluate(
    template: Template,
    placement: Placement,
    params: LightParams = DEFAULT_LIGHT,
    composite: Composite | None = None,
    source_edge_px: float = 0.7,
) -> dict[str, Check]:
    composite = composite or light_and_composite(template, placement, params)
    source = make_source(edge_sigma_px=source_edge_px)
    report = evaluate_render(source, composite, placement, template, PENDANT)
    return {check.name: check for check in report.checks}


def test_a_good_render_passes_every_check_at_the_editorial_tier() -> None:
    template = make_template()
    placement = make_placement(template)
    composite = light_and_composite(template, placement, LightParams())
    report = evaluate_render(make_source(), composite, placement, template, PENDANT)
    assert [c.name for c in report.failed()] == []
    assert report.tier == Tier.EDITORIAL
    checks = {c.name: c for c in report.checks}
    assert checks["scale_error_pct"].value < 1.5
    assert checks["pixels_across"].value == pytest.approx(120, abs=2)
    assert checks["metal_colour_de2000"].value < 1.0
    assert checks["shadow_direction"].value < 5.0
    for check in report.checks:
        assert check.threshold == check.limits["listing"]


def test_no_shadow_fails_contact_and_direction() -> None:
    template = make_template()
    checks = _evaluate(template, make_placement(template), LightParams(shadow_strength=0.0))
    assert not checks["contact_shadow"].passed
    assert checks["contact_shadow"].value < 1.0
    assert not checks["shadow_direction"].passed


def test_a_shadow_against_the_light_fails_direction() -> None:
    template = make_template(light=(0.6, 0.8))
    checks = _evaluate(template, make_placement(template), LightParams(angle_jitter_deg=150))
    assert checks["shadow_direction"].value > 120
    assert not checks["shadow_direction"].passed
    assert checks["contact_shadow"].passed


def test_a_hue_shifted_metal_fails_colour_fidelity() -> None:
    template = make_template()
    placement = make_placement(template)
    composite = light_and_composite(template, placement, LightParams())
    shifted = composite.rgb.copy()
    solid = placement.alpha > 0.5
    shifted[solid] = shifted[solid][:, [1, 0, 2]]  # swap red and green: gold turns green
    checks = _evaluate(template, placement, composite=dataclasses.replace(composite, rgb=shifted))
    assert checks["metal_colour_de2000"].value > 10
    assert not checks["metal_colour_de2000"].passed


def test_a_white_fringe_fails_halo() -> None:
    template = make_template()
    placement = make_placement(template)
    rgb = placement.rgb.copy()
    rgb[(placement.alpha < 0.95) & (placement.alpha > 0)] = 1.0  # background left in the matte edge
    checks = _evaluate(template, dataclasses.replace(placement, rgb=rgb))
    assert checks["halo"].value > 5.0
    assert not checks["halo"].passed
    assert _evaluate(template, placement)["halo"].value < 0.5


def test_wrong_scale_fails() -> None:
    template = make_template()
    checks = _evaluate(template, make_placement(template, drawn_mm=17.0))
    assert checks["scale_error_pct"].value == pytest.approx(100 * 2 / 15, abs=1.5)
    assert not checks["scale_error_pct"].passed


def test_hard_pasted_and_mushy_edges_fail_sharpness() -> None:
    template = make_template()
    placement = make_placement(template, edge_sigma_px=1.2)
    composite = light_and_composite(template, placement, LightParams())
    inside = (placement.alpha > 0.5)[..., None]
    pasted = dataclasses.replace(composite, rgb=np.where(inside, placement.rgb, composite.rgb))
    hard = _evaluate(template, placement, composite=pasted, source_edge_px=1.2)
    matched = _evaluate(template, placement, composite=composite, source_edge_px=1.2)
    mushy = _evaluate(template, make_placement(template, edge_sigma_px=3.0), source_edge_px=1.2)
    assert matched["edge_sharpness"].passed
    assert not hard["edge_sharpness"].passed and "sharper" in hard["edge_sharpness"].message
    assert not mushy["edge_sharpness"].passed and "softer" in mushy["edge_sharpness"].message


def test_too_few_pixels_fails_detail() -> None:
    template = make_template()
    tiny = make_placement(template, diameter_mm=2.5)
    checks = _evaluate(template, tiny)
    assert checks["pixels_across"].value == pytest.approx(20, abs=2)
    assert not checks["pixels_across"].passed


def test_a_hidden_or_off_body_piece_fails_occlusion() -> None:
    template = make_template()
    placement = make_placement(template)
    mostly_hidden = placement.alpha.copy()
    mostly_hidden[:200] = 0.0
    hidden = _evaluate(template, dataclasses.replace(placement, alpha=mostly_hidden))
    assert not hidden["occlusion"].passed
    off_body = make_template(body_from_x=250)
    assert not _evaluate(off_body, make_placement(off_body))["occlusion"].passed


def test_everything_hidden_fails_the_render() -> None:
    template = make_template()
    placement = make_placement(template)
    gone = dataclasses.replace(placement, alpha=np.zeros_like(placement.alpha))
    composite = light_and_composite(template, gone, LightParams())
    report = evaluate_render(make_source(), composite, gone, template, PENDANT)
    assert report.tier == Tier.FAIL
    assert {"occlusion", "metal_colour_de2000"} <= {c.name for c in report.failed()}


def test_extent_is_measured_along_a_tilted_axis() -> None:
    template = make_template()
    placement = make_placement(template)
    extent = measure_extent(dataclasses.replace(placement, measure_axis=(0.6, 0.8)))
    assert extent.length_px == pytest.approx(120, abs=3)


def _report(*failing: str) -> QAReport:
    checks = tuple(
        Check(name, 1.0, 0.5, name not in failing, "x", False, {}, f"{name} measured")
        for name in ("halo", "scale_error_pct")
    )
    return QAReport(checks=checks, tier=Tier.FAIL if failing else Tier.EDITORIAL)


def test_reshoot_only_when_the_same_check_fails_three_times_in_a_row() -> None:
    assert reshoot_verdict([_report("halo"), _report("halo"), _report()]) is None
    assert reshoot_verdict([_report("halo"), _report("scale_error_pct"), _report("halo")]) is None
    verdict = reshoot_verdict([_report(), _report("halo"), _report("halo"), _report("halo")])
    assert verdict == (
        "reshoot the source photo: halo failed in 3 variations in a row (halo measured)"
    )
    assert reshoot_verdict([_report("halo")] * 2, run=2) is not None
