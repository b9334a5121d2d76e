"""load_image on hostile and unusual files: every refusal is an ImageInputError, every accepted
file comes out as sRGB working form with the right orientation, colours and alpha."""

from __future__ import annotations

import io
import struct
import zlib

import cv2
import numpy as np
import pytest
from PIL import Image

from imaging.errors import ImageInputError
from imaging.image_io import load_image


def _encode(image: Image.Image, fmt: str = "PNG", **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **params)
    return buffer.getvalue()


def _gradient(height: int = 40, width: int = 60) -> np.ndarray:
    ys, xs = np.mgrid[0:height, 0:width]
    return np.dstack([xs * 4, ys * 6, (xs + ys) * 2]).astype(np.uint8)


def _png_with_chunks(png: bytes, chunks: list[tuple[bytes, bytes]]) -> bytes:
    """Insert ancillary chunks right after IHDR (cv2 cannot write them, PIL cannot write 16-bit RGB)."""
    extra = b"".join(
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        for kind, data in chunks
    )
    return png[:33] + extra + png[33:]


def _png16(rgb16: np.ndarray) -> bytes:
    ok, encoded = cv2.imencode(".png", np.ascontiguousarray(rgb16[..., ::-1]))
    assert ok
    return encoded.tobytes()


def _adobe_rgb_profile() -> bytes:
    """A minimal ICC v2 matrix/TRC profile with Adobe RGB (1998) primaries, gamma 2.2."""

    def s15(v: float) -> bytes:
        return struct.pack(">i", round(v * 65536))

    def xyz(x: float, y: float, z: float) -> bytes:
        return b"XYZ \0\0\0\0" + s15(x) + s15(y) + s15(z)

    name = b"Test Adobe RGB\0"
    desc = b"desc\0\0\0\0" + struct.pack(">I", len(name)) + name + bytes(4 + 4 + 2 + 1 + 67)
    curve = b"curv\0\0\0\0" + struct.pack(">IH", 1, 0x0233) + b"\0\0"
    tags = [
        (b"desc", desc),
        (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", xyz(0.6097, 0.3111, 0.0195)),
        (b"gXYZ", xyz(0.2053, 0.6257, 0.0609)),
        (b"bXYZ", xyz(0.1492, 0.0632, 0.7446)),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
        (b"cprt", b"text\0\0\0\0none\0\0\0\0"),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, body = b"", b""
    for signature, data in tags:
        data += bytes(-len(data) % 4)
        table += signature + struct.pack(">II", offset + len(body), len(data))
        body += data
    size = offset + len(body)
    header = (
        struct.pack(">I", size) + bytes(4) + bytes([2, 0x10, 0, 0]) + b"mntrRGB XYZ " + bytes(12)
        + b"acsp" + bytes(24) + struct.pack(">I", 0) + s15(0.9642) + s15(1.0) + s15(0.8249)
        + bytes(48)
    )  # fmt: skip
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + body


@pytest.mark.parametrize(
    "data",
    [b"not an image at all", b"\x89PNG\r\n\x1a\n" + bytes(40), b"GIF89a" + bytes(30)],
)
def test_corrupt_bytes_are_refused(data: bytes) -> None:
    with pytest.raises(ImageInputError):
        load_image(data)


def test_empty_and_missing_files_are_refused(tmp_path: object) -> None:
    with pytest.raises(ImageInputError, match="empty"):
        load_image(b"")
    with pytest.raises(ImageInputError, match="no such file"):
        load_image("/nonexistent/photo.jpg")


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_truncated_files_are_refused(fmt: str) -> None:
    noise = np.random.default_rng(1).integers(0, 255, (200, 200, 3), dtype=np.uint8)
    data = _encode(Image.fromarray(noise), fmt)
    with pytest.raises(ImageInputError, match="truncated or corrupt"):
        load_image(data[: len(data) // 2])


def test_gif_is_not_an_accepted_format() -> None:
    with pytest.raises(ImageInputError, match="not accepted"):
        load_image(_encode(Image.new("RGB", (64, 64)), "GIF"))


def test_pixel_limit_refuses_decompression_bombs() -> None:
    data = _encode(Image.new("L", (400, 300)))
    with pytest.raises(ImageInputError, match="decompression bomb"):
        load_image(data, max_pixels=100_000)
    assert load_image(data, max_pixels=120_000).width == 400


def test_pillow_bomb_warning_is_reported_as_too_large(monkeypatch: pytest.MonkeyPatch) -> None:
    # Between Pillow's limit and twice it, Pillow only warns: that must not read as "not an image".
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 15_000)
    with pytest.raises(ImageInputError, match="too large"):
        load_image(_encode(Image.new("L", (200, 100))), max_pixels=10**9)


def test_zero_and_tiny_sizes_are_refused() -> None:
    png = _encode(Image.new("RGB", (20, 20)))
    ihdr = b"IHDR" + struct.pack(">II", 0, 20) + png[24:29]
    zero_width = png[:12] + ihdr + struct.pack(">I", zlib.crc32(ihdr)) + png[33:]
    with pytest.raises(ImageInputError):
        load_image(zero_width)
    with pytest.raises(ImageInputError, match="too small"):
        load_image(_encode(Image.new("RGB", (10, 200))))


def test_absurd_aspect_ratio_is_refused() -> None:
    with pytest.raises(ImageInputError, match="aspect ratio"):
        load_image(_encode(Image.new("RGB", (2000, 100))))


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_applied_the_same_way_for_8_and_16_bit(orientation: int) -> None:
    pixels = _gradient()
    exif = Image.Exif()
    exif[0x0112] = orientation
    eight = load_image(_encode(Image.fromarray(pixels), exif=exif.tobytes()))
    exif_payload = exif.tobytes()[len(b"Exif\0\0") :]
    sixteen = load_image(
        _png_with_chunks(_png16(pixels.astype(np.uint16) * 257), [(b"eXIf", exif_payload)])
    )
    assert eight.exif_orientation == sixteen.exif_orientation == orientation
    assert sixteen.bit_depth == 16
    np.testing.assert_allclose(eight.rgb, sixteen.rgb, atol=1e-6)
    if orientation == 6:  # "rotate 90 clockwise to display"
        np.testing.assert_allclose(eight.rgb, np.rot90(pixels, -1) / 255.0, atol=1e-6)
    assert eight.rgb.shape[:2] == (pixels.shape[:2] if orientation < 5 else pixels.shape[1::-1])


def test_16_bit_png_keeps_its_precision() -> None:
    ramp = (
        np.linspace(0, 2000, 40 * 60).reshape(40, 60).astype(np.uint16)
    )  # all below one 8-bit step*8
    image = load_image(_png16(np.dstack([ramp, ramp, ramp])))
    assert image.bit_depth == 16 and image.alpha is None
    assert len(np.unique(image.rgb[..., 0])) > 1000
    np.testing.assert_allclose(image.rgb[..., 0], ramp / 65535.0, atol=1e-6)


def test_dark_16_bit_grey_png_is_not_scaled_as_8_bit() -> None:
    dark = np.full((32, 32), 200, dtype=np.uint16)  # 200 / 65535: nearly black
    image = load_image(_encode(Image.fromarray(dark)))
    assert float(image.rgb.max()) == pytest.approx(200 / 65535, abs=1e-6)


def test_adobe_rgb_profile_is_converted_to_srgb() -> None:
    colour = np.zeros((32, 32, 3), dtype=np.uint8)
    colour[:16] = (40, 160, 70)  # a green that sRGB shows more saturated
    colour[16:] = (128, 128, 128)  # neutral stays neutral
    tagged = load_image(_encode(Image.fromarray(colour), icc_profile=_adobe_rgb_profile()))
    untagged = load_image(_encode(Image.fromarray(colour)))
    assert tagged.icc_profile_name == "Test Adobe RGB"
    assert untagged.icc_profile_name is None
    green, grey = tagged.rgb[4, 4], tagged.rgb[24, 4]
    assert float(np.ptp(green) - np.ptp(untagged.rgb[4, 4])) > 0.05  # more saturated in sRGB
    assert float(np.ptp(grey)) < 0.02


def test_icc_profile_on_16_bit_png_is_applied() -> None:
    rgb16 = np.zeros((32, 32, 3), dtype=np.uint16)
    rgb16[:] = (10280, 41120, 17990)
    profile = zlib.compress(_adobe_rgb_profile())
    data = _png_with_chunks(_png16(rgb16), [(b"iCCP", b"adobe\0\0" + profile)])
    image = load_image(data)
    assert image.icc_profile_name == "Test Adobe RGB"
    assert float(np.ptp(image.rgb[0, 0])) > float(np.ptp(rgb16[0, 0] / 65535.0)) + 0.05


def test_cmyk_jpeg_becomes_rgb() -> None:
    cyan = Image.new("CMYK", (32, 32), (255, 0, 0, 0))
    image = load_image(_encode(cyan, "JPEG", quality=95))
    assert image.mode == "CMYK"
    np.testing.assert_allclose(image.rgb[16, 16], (0.0, 1.0, 1.0), atol=0.03)


def test_palette_grey_and_alpha_inputs() -> None:
    rgb = _gradient()
    palette = load_image(_encode(Image.fromarray(rgb).quantize(64)))
    assert palette.mode == "P" and palette.alpha is None
    assert float(np.abs(palette.rgb - rgb / 255.0).mean()) < 0.03

    grey = load_image(_encode(Image.fromarray(rgb[..., 0])))
    assert np.array_equal(grey.rgb[..., 0], grey.rgb[..., 2]) and grey.alpha is None

    la = np.dstack([rgb[..., 1], np.full(rgb.shape[:2], 128, np.uint8)])
    grey_alpha = load_image(_encode(Image.fromarray(la, "LA")))
    assert grey_alpha.alpha is not None
    assert float(grey_alpha.alpha.mean()) == pytest.approx(128 / 255, abs=1e-6)

    opaque = load_image(
        _encode(Image.fromarray(np.dstack([rgb, np.full(rgb.shape[:2], 255)]).astype(np.uint8)))
    )
    assert opaque.alpha is None  # a fully opaque alpha channel carries nothing

    rgba = np.dstack([rgb, np.zeros(rgb.shape[:2], np.uint8)])
    rgba[10:20, 10:20, 3] = 255
    cut = load_image(_encode(Image.fromarray(rgba, "RGBA")))
    assert cut.alpha is not None and float(cut.alpha.sum()) == pytest.approx(100.0)

    transparent_palette = Image.fromarray(rgb).quantize(16)
    transparent_palette.info["transparency"] = 0
    assert load_image(_encode(transparent_palette, transparency=0)).alpha is not None


@pytest.mark.parametrize("quality", [40, 75, 89, 90, 97])
def test_jpeg_quality_is_estimated_exactly_for_libjpeg_files(quality: int) -> None:
    data = _encode(Image.fromarray(_gradient()), "JPEG", quality=quality)
    assert load_image(data).jpeg_quality == quality


@pytest.mark.parametrize(("subsampling", "subsampled"), [(0, False), (1, True), (2, True)])
def test_jpeg_chroma_subsampling_is_read_from_the_file(subsampling: int, subsampled: bool) -> None:
    # 0 is 4:4:4 (colour at full resolution), 1 is 4:2:2, 2 is 4:2:0 (most cameras and phones).
    data = _encode(Image.fromarray(_gradient()), "JPEG", quality=90, subsampling=subsampling)
    assert load_image(data).chroma_subsampled is subsampled
    assert load_image(_encode(Image.fromarray(_gradient()))).chroma_subsampled is False


def test_a_photo_over_the_cap_is_area_reduced_and_remembers_its_size() -> None:
    rgb = _gradient(90, 120)
    image = load_image(_encode(Image.fromarray(rgb)), long_edge_cap=60)
    assert (image.width, image.height) == (60, 45)
    assert image.reduced_from == (120, 90) and image.file_long_edge == 120
    # Area averaging: each working pixel is the mean of the 2 x 2 block it stands for.
    block_mean = rgb[:2, :2].reshape(-1, 3).mean(axis=0) / 255.0
    np.testing.assert_allclose(image.rgb[0, 0], block_mean, atol=1e-5)

    under = load_image(_encode(Image.fromarray(rgb)), long_edge_cap=120)
    assert under.width == 120 and under.reduced_from is None and under.file_long_edge == 120


def test_transparent_pixels_do_not_bleed_into_a_reduced_edge() -> None:
    # A cut-out piece whose hidden pixels hold bright green: averaging colours straight would
    # tint the piece's outline green; weighted by alpha, the outline keeps the piece's colour.
    rgba = np.zeros((80, 80, 4), np.uint8)
    rgba[..., 1] = 255
    rgba[:, :41, :3] = (200, 150, 60)
    rgba[:, :41, 3] = 255
    image = load_image(_encode(Image.fromarray(rgba, "RGBA")), long_edge_cap=40)
    assert image.alpha is not None
    edge = image.rgb[20, 20]  # half piece, half transparent
    assert image.alpha[20, 20] == pytest.approx(0.5, abs=0.01)
    np.testing.assert_allclose(edge, np.array((200, 150, 60)) / 255.0, atol=0.01)
