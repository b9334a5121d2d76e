"""inspect_photo: a good photo grades well, and each check fails on a photo made bad in its way."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from functools import cache

import cv2
import numpy as np
from PIL import Image

from imaging.image_io import FloatImage, SourceImage, load_image, to_pil
from imaging.inspect import InspectionReport, inspect_photo
from imaging.samples.products import Metal, SampleKind, make_product_photo


def _source(rgb: np.ndarray, **fields: object) -> SourceImage:
    return replace(SourceImage.from_array(rgb), **fields)  # type: ignore[arg-type]


@cache
def _ring(long_edge: int = 1300) -> FloatImage:
    return make_product_photo(SampleKind.RING, Metal.YELLOW_GOLD, "white", long_edge, seed=1).rgb


def _status(report: InspectionReport, code: str) -> str:
    finding = report.finding(code)
    assert finding is not None, f"{code} missing"
    return finding.status


def test_good_photo_is_graded_good_and_serialises() -> None:
    report = inspect_photo(_source(_ring(2100)))
    assert {f.code: f.status for f in report.findings} == {
        "long_edge": "ok",
        "jpeg_quality": "ok",
        "colour_profile": "ok",
        "plain_background": "ok",
        "white_balance": "ok",
        "sharpness": "ok",
        "clipped_highlights": "ok",
        "fill_ratio": "ok",
    }
    assert report.grade == "good"
    data = json.loads(json.dumps(report.to_dict()))
    assert data["grade"] == "good" and len(data["findings"]) == 8


def test_small_photo_must_be_reshot() -> None:
    report = inspect_photo(_source(_ring(long_edge=900)))
    assert _status(report, "long_edge") == "reshoot"
    assert report.grade == "reshoot"


def test_the_long_edge_is_judged_as_shot_not_as_reduced_for_work() -> None:
    # A 1300 px photo worked on at 1300 px, and the same pixels said to come from a 5200 px file.
    as_shot = inspect_photo(_source(_ring()))
    reduced = inspect_photo(_source(_ring(), reduced_from=(4160, 5200)))
    assert _status(as_shot, "long_edge") == "warn"
    finding = reduced.finding("long_edge")
    assert finding is not None and finding.status == "ok" and finding.value == 5200


def test_low_jpeg_quality_is_flagged_from_the_real_file() -> None:
    buffer = io.BytesIO()
    to_pil(_ring()[::4, ::4].copy()).save(buffer, format="JPEG", quality=40)
    report = inspect_photo(load_image(buffer.getvalue()))
    assert _status(report, "jpeg_quality") == "reshoot"


def test_blue_cast_background_fails_white_balance() -> None:
    report = inspect_photo(_source(_ring() * np.array([0.88, 0.94, 1.06], dtype=np.float32)))
    finding = report.finding("white_balance")
    assert finding is not None and finding.status != "ok" and "blue" in finding.message


def test_blurred_photo_scores_worse_and_warns() -> None:
    sharp = inspect_photo(_source(_ring())).finding("sharpness")
    blurred = inspect_photo(_source(cv2.GaussianBlur(_ring(), (0, 0), 4.0))).finding("sharpness")
    assert sharp is not None and blurred is not None
    assert isinstance(sharp.value, float) and isinstance(blurred.value, float)
    assert blurred.value > 2 * sharp.value
    assert blurred.status != "ok"


def test_clipped_piece_is_flagged() -> None:
    photo = make_product_photo(SampleKind.RING, Metal.YELLOW_GOLD, "light_grey", 1300, seed=1)
    blown = np.where(photo.true_alpha[..., None] > 0.5, np.minimum(photo.rgb * 4.0, 1.0), photo.rgb)
    report = inspect_photo(_source(blown))
    assert _status(report, "clipped_highlights") == "reshoot"


def test_overexposed_gold_is_flagged_though_little_of_it_is_white() -> None:
    photo = make_product_photo(SampleKind.RING, Metal.YELLOW_GOLD, "white", 1300, seed=1)
    bright = np.where(
        photo.true_alpha[..., None] > 0.5, np.minimum(photo.rgb * 1.5, 1.0), photo.rgb
    )
    assert _status(inspect_photo(_source(photo.rgb)), "clipped_highlights") == "ok"
    report = inspect_photo(_source(bright))
    finding = report.finding("clipped_highlights")
    assert finding is not None and finding.status == "reshoot", finding
    assert "colour at its limit" in finding.message
    assert isinstance(finding.value, float) and finding.value > 0.3


def test_tiny_piece_fails_fill_ratio() -> None:
    photo = make_product_photo(SampleKind.RING, Metal.YELLOW_GOLD, "white", 1300, 0.25, seed=1)
    report = inspect_photo(_source(photo.rgb))
    assert _status(report, "fill_ratio") == "reshoot"


def test_busy_background_reports_instead_of_raising() -> None:
    stripes = (np.indices((1200, 1200)).sum(axis=0) // 40 % 2).astype(np.float32)
    busy = np.dstack([0.3 + 0.5 * stripes, 0.6 - 0.3 * stripes, 0.4 + 0.1 * stripes])
    report = inspect_photo(_source(busy))
    assert _status(report, "plain_background") == "reshoot"
    assert report.grade == "reshoot"


def test_black_and_white_photo_fails_colour_profile() -> None:
    grey = np.repeat(_ring().mean(axis=2, keepdims=True), 3, axis=2)
    report = inspect_photo(_source(grey, mode="L"))
    assert _status(report, "colour_profile") == "reshoot"


def test_a_photo_with_no_piece_is_reported_not_raised() -> None:
    empty = np.full((1300, 1040, 3), 0.93, np.float32)
    report = inspect_photo(_source(empty))
    finding = report.finding("piece_found")
    assert finding is not None and finding.status == "reshoot" and report.grade == "reshoot"
    assert finding.message.startswith("No piece was found")
    assert report.finding("sharpness") is None  # nothing to judge the focus of


def test_transparent_png_says_the_background_checks_do_not_apply() -> None:
    photo = make_product_photo(SampleKind.RING, Metal.SILVER, "white", 1300, seed=1)
    report = inspect_photo(_source(photo.true_rgb, alpha=photo.true_alpha, mode="RGBA"))
    background = report.finding("plain_background")
    assert background is not None and background.value == "transparent"
    assert "do not apply" in background.message and report.finding("white_balance") is None
    assert _status(report, "fill_ratio") == "ok"


def test_pil_roundtrip_of_a_real_png_file_grades_lossless() -> None:
    buffer = io.BytesIO()
    Image.fromarray((_ring()[::2, ::2] * 255).astype(np.uint8)).save(buffer, format="PNG")
    assert _status(inspect_photo(load_image(buffer.getvalue())), "jpeg_quality") == "ok"
