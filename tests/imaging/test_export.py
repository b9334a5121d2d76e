"""Per-platform export: exact size and ratio, sRGB ICC, provenance XMP, byte caps, framing, EXIF."""

from __future__ import annotations

import dataclasses
import io
import math
import subprocess
import sys
import time

import numpy as np
import pytest
from PIL import Image

from imaging.errors import ImagingError
from imaging.export import (
    DIGITAL_SOURCE_TYPE_BASE,
    FOCUS_MARGIN,
    crop_for_ratio,
    export_for_platform,
    read_export_metadata,
)
from imaging.image_io import FloatImage, load_image, to_pil
from imaging.platforms import PLATFORMS, PlatformSpec, get_platform

SETTINGS: dict[str, str | int | float] = {
    "preset": "studio-soft",
    "template": "neck-03",
    "seed": 1234,
    "strength": 0.35,
}


def smooth_render(width: int, height: int) -> FloatImage:
    """A photo-like render: smooth gradients and a bright 'piece' that compresses like a photo."""
    xs = np.arange(width, dtype=np.float32)[None, :]
    ys = np.arange(height, dtype=np.float32)[:, None]
    rgb = np.empty((height, width, 3), np.float32)
    rgb[..., 0] = 0.55 + 0.3 * xs / width
    rgb[..., 1] = 0.45 + 0.2 * ys / height
    rgb[..., 2] = 0.4 + 0.1 * np.sin(xs / 90.0)
    piece = (xs - width * 0.4) ** 2 + (ys - height * 0.55) ** 2 < (min(width, height) * 0.05) ** 2
    rgb[piece] = 0.95
    return rgb


@pytest.fixture(scope="module")
def large_render() -> FloatImage:
    return smooth_render(3200, 2600)


def noisy_render(width: int, height: int, seed: int = 0) -> FloatImage:
    return np.random.default_rng(seed).random((height, width, 3), dtype=np.float32)


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_get_platform_is_case_insensitive_and_names_the_choices() -> None:
    assert get_platform(" Etsy ") is PLATFORMS["etsy"]
    with pytest.raises(ImagingError, match="amazon, etsy, instagram, shopify"):
        get_platform("ebay")


def test_platform_spec_refuses_a_size_off_its_ratio() -> None:
    with pytest.raises(ValueError, match="is not 4:3"):
        dataclasses.replace(PLATFORMS["etsy"], height=2000)


@pytest.mark.parametrize("name", sorted(PLATFORMS))
def test_each_platform_gets_exact_size_icc_xmp_and_fits_its_byte_limit(
    name: str, large_render: FloatImage
) -> None:
    platform = PLATFORMS[name]
    rgb = large_render
    focus = (1100, 1200, 1500, 1650)
    exported = export_for_platform(rgb, focus, platform, SETTINGS, alt_text="Gold pendant, 18 in")

    image = decode(exported.data)
    assert image.format == "JPEG" and image.info.get("progressive") and exported.progressive
    assert image.size == (platform.width, platform.height) == (exported.width, exported.height)
    ratio_w, ratio_h = platform.ratio
    assert image.width * ratio_h == image.height * ratio_w
    assert len(exported.data) <= platform.max_bytes

    x0, y0, x1, y1 = exported.crop_box
    assert (x1 - x0) * ratio_h == (y1 - y0) * ratio_w
    assert x0 <= focus[0] and y0 <= focus[1] and x1 >= focus[2] and y1 >= focus[3]
    # The file shows the source's crop: compare with an independent resize of the same region.
    expected = to_pil(rgb[y0:y1, x0:x1]).resize(image.size, Image.Resampling.BILINEAR)
    error = np.abs(np.asarray(image, np.float32) - np.asarray(expected, np.float32)).mean()
    assert error < 3.0  # of 255

    meta = read_export_metadata(exported.data)
    assert meta["icc_profile"] is not None and "sRGB" in meta["icc_profile"]
    assert meta["settings"] == {key: str(value) for key, value in SETTINGS.items()}
    assert meta["digital_source_type"] == DIGITAL_SOURCE_TYPE_BASE + "composite"
    assert meta["alt_text"] == "Gold pendant, 18 in"
    assert not meta["has_exif"]


def test_diffusion_refined_source_type_and_awkward_text_round_trip() -> None:
    settings = {"note": 'a < b & "c" > d', "versions": "imaging=0.1;sdxl=1.0"}
    alt = "Ohrringe mit Perlen – 925er Silber, \u00e9t\u00e9 \U0001f48d"
    exported = export_for_platform(
        smooth_render(1200, 1200),
        (500, 500, 700, 700),
        PLATFORMS["instagram"],
        settings,
        digital_source_type="compositeWithTrainedAlgorithmicMedia",
        alt_text=alt,
    )
    meta = read_export_metadata(exported.data)
    assert meta["settings"] == settings
    assert meta["alt_text"] == alt
    assert meta["digital_source_type"] == (
        "http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia"
    )


def test_bad_source_type_and_setting_names_are_refused() -> None:
    rgb = smooth_render(400, 500)
    with pytest.raises(ValueError, match="digital_source_type"):
        export_for_platform(rgb, (0, 0, 10, 10), PLATFORMS["instagram"], {}, "photo")
    with pytest.raises(ValueError, match="not a valid XMP property name"):
        export_for_platform(rgb, (0, 0, 10, 10), PLATFORMS["instagram"], {"a b": 1})


def test_a_smaller_source_is_not_upscaled() -> None:
    exported = export_for_platform(
        smooth_render(1300, 1000), (600, 400, 700, 500), PLATFORMS["shopify"], SETTINGS
    )
    assert (exported.width, exported.height) == (1000, 1000)
    assert exported.scale == 1.0
    assert decode(exported.data).size == (1000, 1000)


def test_a_source_under_the_minimum_is_upscaled_just_enough() -> None:
    etsy = PLATFORMS["etsy"]
    exported = export_for_platform(
        smooth_render(2400, 1800), (1000, 800, 1200, 1000), etsy, SETTINGS
    )
    assert exported.crop_box == (0, 0, 2400, 1800)
    assert (exported.width, exported.height) == (2668, 2001)
    assert exported.height >= etsy.min_short_side
    assert exported.scale == pytest.approx(2668 / 2400)
    assert decode(exported.data).size == (2668, 2001)


def test_quality_steps_down_until_the_file_fits() -> None:
    rgb = noisy_render(540, 675)
    focus = (200, 250, 350, 400)
    first = export_for_platform(rgb, focus, PLATFORMS["instagram"], SETTINGS)
    assert (first.quality, first.subsampling) == (92, "4:4:4")

    cap = int(len(first.data) * 0.6)
    tight = dataclasses.replace(PLATFORMS["instagram"], max_bytes=cap)
    fitted = export_for_platform(rgb, focus, tight, SETTINGS)
    assert len(fitted.data) <= cap
    assert fitted.quality < first.quality
    assert decode(fitted.data).size == (540, 675)

    tiny = dataclasses.replace(PLATFORMS["instagram"], max_bytes=5_000)
    with pytest.raises(ImagingError, match=r"even at JPEG quality 60, over the 5,000 byte limit"):
        export_for_platform(rgb, focus, tiny, SETTINGS)


def test_crop_frames_random_pieces_correctly() -> None:
    """Property over many random images, boxes, ratios, zooms and shifts (seeded, reproducible)."""
    rng = np.random.default_rng(2024)
    ratios = sorted({spec.ratio for spec in PLATFORMS.values()} | {(3, 4), (16, 9)})
    fitted = 0
    for _ in range(3000):
        width, height = (int(v) for v in rng.integers(40, 5000, size=2))
        ratio_w, ratio_h = ratios[rng.integers(len(ratios))]
        # Piece sizes from 0.3 % to all of the image side, log-uniform: jewelry is mostly small.
        focus_w = max(1, int(width * 10 ** rng.uniform(-2.5, 0)))
        focus_h = max(1, int(height * 10 ** rng.uniform(-2.5, 0)))
        fx0 = int(rng.integers(0, width - focus_w + 1))
        fy0 = int(rng.integers(0, height - focus_h + 1))
        fx1, fy1 = fx0 + focus_w, fy0 + focus_h
        zoom = 1.0 if rng.random() < 0.3 else float(rng.uniform(1.0, 4.0))
        dx, dy = (0.0, 0.0) if rng.random() < 0.3 else (float(v) for v in rng.normal(0, 0.2, 2))
        shift = (dx, dy)
        min_short = int(rng.choice([0, 320, 800, 1600, 2000]))
        largest = min(width // ratio_w, height // ratio_h)
        if focus_w > largest * ratio_w or focus_h > largest * ratio_h:
            with pytest.raises(ImagingError, match="does not fit"):
                crop_for_ratio(
                    width, height, (fx0, fy0, fx1, fy1), (ratio_w, ratio_h), zoom, shift, min_short
                )
            continue
        fitted += 1
        x0, y0, x1, y1 = crop_for_ratio(
            width, height, (fx0, fy0, fx1, fy1), (ratio_w, ratio_h), zoom, shift, min_short
        )
        crop_w, crop_h = x1 - x0, y1 - y0
        assert x0 >= 0 and y0 >= 0 and x1 <= width and y1 <= height
        assert crop_w % ratio_w == 0 and crop_w // ratio_w * ratio_h == crop_h
        assert x0 <= fx0 and y0 <= fy0 and x1 >= fx1 and y1 >= fy1
        margin = math.ceil(FOCUS_MARGIN * max(focus_w, focus_h))
        with_margin = max(
            math.ceil((focus_w + 2 * margin) / ratio_w), math.ceil((focus_h + 2 * margin) / ratio_h)
        )
        if with_margin <= largest:  # room for the margin: it is kept, clipped to the image
            assert x0 <= max(0, fx0 - margin) and x1 >= min(width, fx1 + margin)
            assert y0 <= max(0, fy0 - margin) and y1 >= min(height, fy1 + margin)
        no_upscale = min(largest, math.ceil(min_short / min(ratio_w, ratio_h)))
        assert crop_w // ratio_w >= no_upscale  # zooming in never goes under the platform minimum
        assert crop_w // ratio_w <= max(
            math.floor(largest / zoom), min(with_margin, largest), no_upscale
        )
        if zoom == 1.0:
            assert crop_w // ratio_w == largest
        if shift == (0.0, 0.0) and x0 > 0 and x1 < width:
            assert abs((x0 + x1) - (fx0 + fx1)) <= 2  # centred on the piece where there is room
        if shift == (0.0, 0.0) and y0 > 0 and y1 < height:
            assert abs((y0 + y1) - (fy0 + fy1)) <= 2
    assert fitted > 2000  # the property was exercised, not skipped


def test_zoom_and_shift_tighten_and_move_the_crop_but_keep_the_piece() -> None:
    rgb = smooth_render(2400, 2400)
    focus = (1000, 1100, 1300, 1400)
    shopify: PlatformSpec = PLATFORMS["shopify"]
    full = export_for_platform(rgb, focus, shopify, SETTINGS)
    tight = export_for_platform(rgb, focus, shopify, SETTINGS, crop_zoom=2.0)
    moved = export_for_platform(
        rgb, focus, shopify, SETTINGS, crop_zoom=2.0, crop_shift=(0.1, -0.1)
    )
    extreme = export_for_platform(
        rgb, focus, shopify, SETTINGS, crop_zoom=20.0, crop_shift=(1.0, 1.0)
    )
    assert full.crop_box == (0, 0, 2400, 2400)
    assert tight.crop_box == (550, 650, 1750, 1850)  # 1200 px square centred on the piece
    assert moved.crop_box == (670, 530, 1870, 1730)  # moved by 10 % of its side
    for exported in (full, tight, moved, extreme):
        x0, y0, x1, y1 = exported.crop_box
        assert x0 <= focus[0] and y0 <= focus[1] and x1 >= focus[2] and y1 >= focus[3]
        assert decode(exported.data).size == (exported.width, exported.height)
    # At 20x zoom Shopify's 800 px minimum sets the size (no upscaling), and the full shift is
    # clamped so the piece and its margin stay inside.
    assert extreme.crop_box == (970, 1070, 1770, 1870)
    assert (extreme.width, extreme.height) == (800, 800)
    assert extreme.scale == 1.0


def test_a_piece_wider_than_the_ratio_allows_is_a_clear_error() -> None:
    with pytest.raises(ImagingError, match="does not fit in a 4:5 crop"):
        export_for_platform(
            smooth_render(2000, 1000), (100, 400, 1900, 600), PLATFORMS["instagram"], SETTINGS
        )


def test_gps_and_camera_serial_never_reach_the_export() -> None:
    exif = Image.Exif()
    exif[0x010F] = "Canon"
    exif[0x0110] = "EOS R5"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 7.0)})
    exif.get_ifd(0x8769)[0xA431] = "SN-0123456789"
    buffer = io.BytesIO()
    to_pil(smooth_render(1200, 1500)).save(buffer, format="JPEG", quality=95, exif=exif)
    source_bytes = buffer.getvalue()

    source_meta = read_export_metadata(source_bytes)
    assert source_meta["has_exif"] and source_meta["has_gps"] and source_meta["has_serial"]

    source = load_image(source_bytes)
    exported = export_for_platform(source.rgb, (500, 600, 700, 800), PLATFORMS["instagram"], {})
    meta = read_export_metadata(exported.data)
    assert not meta["has_exif"] and not meta["has_gps"] and not meta["has_serial"]
    assert b"Exif\x00\x00" not in exported.data
    assert b"SN-0123456789" not in exported.data


def test_the_same_render_exports_to_the_same_bytes_in_another_process() -> None:
    # LittleCMS stamps the time a profile is built into its header: each process (a second
    # apart) embedded a different sRGB profile, so a reproduced variation never matched its file.
    script = (
        "import sys\n"
        "from imaging.export import export_for_platform\n"
        "from imaging.platforms import PLATFORMS\n"
        "from tests.imaging.test_export import smooth_render\n"
        "data = export_for_platform(smooth_render(900, 900), (300, 300, 600, 600),\n"
        "    PLATFORMS['instagram'], {'seed': 7}).data\n"
        "sys.stdout.buffer.write(data)\n"
    )
    runs = []
    for _ in range(2):
        runs.append(subprocess.run([sys.executable, "-c", script], capture_output=True, check=True))
        time.sleep(1.1)  # the profile's time stamp counts seconds
    assert runs[0].stdout[:2] == b"\xff\xd8" and runs[0].stdout == runs[1].stdout
