"""Reading untrusted image files into adorn's working form, and the one numpy <-> PIL conversion.

Working form: float32 arrays in [0, 1], sRGB-encoded, RGB as H x W x 3 and alpha as H x W.
Every file is checked before its pixels are decoded: allow-listed format, a pixel limit
(decompression bombs), zero size and absurd aspect ratios are refused with one clear sentence.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageCms, ImageOps, JpegImagePlugin

from imaging.errors import ImageInputError

FloatImage = NDArray[np.float32]

ALLOWED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "TIFF", "MPO"})
DEFAULT_MAX_PIXELS = 50_000_000
MIN_SIDE_PX = 16
MAX_ASPECT_RATIO = 8.0
# Product and model photos are worked on at no more than this long edge, the size the checklist
# calls ideal: more pixels add nothing an export can show (Etsy's largest is 3000 px), and the
# cutout's and the render's memory grow with them (a 29 MP product photo peaked at 3.2 GB).
WORKING_LONG_EDGE_PX = 4000

# libjpeg's standard luminance quantization table (quality 50), in zig-zag-free natural order.
_STD_LUMA_QTABLE = np.array(
    [16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
     14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
     18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
     49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99],
    dtype=np.float64,
)  # fmt: skip

_SRGB_PROFILE = ImageCms.createProfile("sRGB")
# Rec. 709 weights: luminance from linear RGB, luma from sRGB-encoded values.
LUMA_WEIGHTS = np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)


@dataclass(frozen=True)
class SourceImage:
    """A decoded image in working form, with what the file said about itself."""

    rgb: FloatImage
    alpha: FloatImage | None  # only when the file carried a real (not fully opaque) alpha channel
    format: str
    mode: str  # the file's own PIL mode, before conversion
    bit_depth: int
    jpeg_quality: int | None  # estimated from the quantization tables
    icc_profile_name: str | None  # None: untagged, taken as sRGB
    exif_orientation: int
    # Whether the file kept colour at a lower resolution than lightness (JPEG 4:2:0, 4:2:2).
    chroma_subsampled: bool = False
    # The file's own (width, height) when its pixels were reduced to a working size.
    reduced_from: tuple[int, int] | None = None

    @property
    def width(self) -> int:
        return int(self.rgb.shape[1])

    @property
    def height(self) -> int:
        return int(self.rgb.shape[0])

    @property
    def file_long_edge(self) -> int:
        """The long edge of the file as shot, before any reduction to a working size."""
        return max(self.reduced_from or (self.width, self.height))

    @classmethod
    def from_array(cls, rgb: FloatImage, alpha: FloatImage | None = None) -> SourceImage:
        """An in-memory image in working form, described as a lossless 8-bit untagged PNG."""
        return cls(
            rgb=np.clip(rgb, 0.0, 1.0).astype(np.float32),
            alpha=alpha,
            format="PNG",
            mode="RGBA" if alpha is not None else "RGB",
            bit_depth=8,
            jpeg_quality=None,
            icc_profile_name=None,
            exif_orientation=1,
        )


def load_image(
    source: str | Path | bytes,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    long_edge_cap: int | None = None,
) -> SourceImage:
    """Decode an untrusted image file or bytes into sRGB working form, area-reduced to
    `long_edge_cap` px on its long edge when it is larger (None: as shot).

    Raises ImageInputError with a one-line reason for anything that is not a usable image.
    """
    data = _read_bytes(source)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageInputError(f"image is too large to decode safely: {exc}") from None
    except (OSError, SyntaxError, ValueError):
        raise ImageInputError("not an image: the file is not in a format adorn can read") from None
    _check_header(image, max_pixels)
    try:
        image.load()
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageInputError(f"the image is truncated or corrupt ({exc})") from None

    file_format = str(image.format)
    mode = image.mode
    quality = _estimate_jpeg_quality(image) if file_format in {"JPEG", "MPO"} else None
    # get_sampling: 0 is 4:4:4, 1 is 4:2:2, 2 is 4:2:0; -1 for other files and CMYK.
    subsampled = file_format in {"JPEG", "MPO"} and JpegImagePlugin.get_sampling(image) > 0
    orientation = int(image.getexif().get(0x0112, 1) or 1)
    icc_bytes = image.info.get("icc_profile")
    upright = ImageOps.exif_transpose(image) or image

    rgb, alpha, bit_depth = _decode_pixels(upright, data, file_format, orientation)
    profile_name = None
    if icc_bytes:
        rgb, profile_name = _convert_to_srgb(upright, icc_bytes, rgb, bit_depth)
    reduced_from = None
    if long_edge_cap is not None and max(rgb.shape[:2]) > long_edge_cap:
        reduced_from = (int(rgb.shape[1]), int(rgb.shape[0]))
        rgb, alpha = _reduce(rgb, alpha, long_edge_cap)
    return SourceImage(
        rgb=rgb,
        alpha=alpha,
        format=file_format,
        mode=mode,
        bit_depth=bit_depth,
        jpeg_quality=quality,
        icc_profile_name=profile_name,
        exif_orientation=orientation,
        chroma_subsampled=subsampled,
        reduced_from=reduced_from,
    )


def to_pil(rgb: FloatImage, alpha: FloatImage | None = None) -> Image.Image:
    """Working-form arrays to an 8-bit PIL image (RGB, or RGBA when alpha is given)."""
    channels = np.asarray(rgb if alpha is None else np.dstack([rgb, alpha]), dtype=np.float32)
    # OpenCV's scale and saturating cast to 8 bits clips to [0, 255] and rounds in one pass:
    # several times faster than np.clip followed by rint(x * 255).astype(uint8).
    pixels = cv2.addWeighted(channels, 255.0, channels, 0.0, 0.0, dtype=cv2.CV_8U)
    return Image.fromarray(pixels, "RGB" if alpha is None else "RGBA")


def from_pil(image: Image.Image) -> tuple[FloatImage, FloatImage | None]:
    """An 8-bit PIL image to working-form (rgb, alpha); alpha is None when the image has none."""
    if image.mode in {"RGBA", "LA", "PA"} or (image.mode == "P" and "transparency" in image.info):
        pixels = np.asarray(image.convert("RGBA"), dtype=np.float32) / 255.0
        return pixels[..., :3].copy(), pixels[..., 3].copy()
    return np.asarray(image.convert("RGB"), dtype=np.float32) / 255.0, None


def save_png(path: str | Path, rgb: FloatImage, alpha: FloatImage | None = None) -> None:
    """Write working-form arrays as an 8-bit PNG (fast compression: these are working files)."""
    to_pil(rgb, alpha).save(path, format="PNG", compress_level=1)


def _read_bytes(source: str | Path | bytes) -> bytes:
    if isinstance(source, bytes):
        data = source
    else:
        path = Path(source)
        if not path.is_file():
            raise ImageInputError(f"no such file: {path}")
        data = path.read_bytes()
    if not data:
        raise ImageInputError("the file is empty")
    return data


def _check_header(image: Image.Image, max_pixels: int) -> None:
    if image.format not in ALLOWED_FORMATS:
        allowed = ", ".join(sorted(ALLOWED_FORMATS - {"MPO"}))
        raise ImageInputError(f"format {image.format} is not accepted: use {allowed}")
    width, height = image.size
    if width <= 0 or height <= 0:
        raise ImageInputError("the image has zero size")
    if width * height > max_pixels:
        raise ImageInputError(
            f"image is {width}x{height} = {width * height / 1e6:.0f} MP, over the limit of "
            f"{max_pixels / 1e6:.0f} MP (refused as a possible decompression bomb)"
        )
    if min(width, height) < MIN_SIDE_PX:
        raise ImageInputError(f"image is {width}x{height}: too small to use")
    if max(width, height) / min(width, height) > MAX_ASPECT_RATIO:
        raise ImageInputError(
            f"image is {width}x{height}: aspect ratio over {MAX_ASPECT_RATIO:.0f}:1 is not a product photo"
        )


def _decode_pixels(
    image: Image.Image, data: bytes, file_format: str, orientation: int
) -> tuple[FloatImage, FloatImage | None, int]:
    """Pixels as float RGB and optional alpha; 16-bit files keep their precision."""
    if _is_16_bit_colour(image, data, file_format):
        decoded = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
        if decoded is not None and decoded.dtype == np.uint16 and decoded.ndim == 3:
            pixels = decoded.astype(np.float32) / 65535.0
            rgb = pixels[..., 2::-1] if pixels.shape[2] >= 3 else np.repeat(pixels[..., :1], 3, 2)
            alpha = pixels[..., 3] if pixels.shape[2] == 4 else None
            rgb, alpha = _apply_orientation(np.ascontiguousarray(rgb), alpha, orientation)
            return rgb, _meaningful_alpha(alpha), 16
    if image.mode in {"I;16", "I;16B", "I;16L", "I"}:
        grey = np.asarray(image, dtype=np.float32)
        # A 16-bit file's range is 0..65535 however dark its pixels; only plain "I" has no declared range.
        sixteen_bit = image.mode != "I" or grey.max() > 255
        grey = grey / (65535.0 if sixteen_bit else 255.0)
        return np.repeat(np.clip(grey, 0, 1)[..., None], 3, axis=2), None, 16
    if image.mode == "F":
        grey = np.clip(np.asarray(image, dtype=np.float32), 0, 1)
        return np.repeat(grey[..., None], 3, axis=2), None, 32
    rgb, alpha = from_pil(image)
    return rgb, _meaningful_alpha(alpha), 8


def _is_16_bit_colour(image: Image.Image, data: bytes, file_format: str) -> bool:
    # `file_format` comes from the opened file: `image` may be a transposed copy without a format.
    if file_format == "PNG" and len(data) > 26:
        bit_depth, colour_type = data[24], data[25]
        return bit_depth == 16 and colour_type in (2, 6)
    return file_format == "TIFF" and image.mode in {"RGB;16", "RGBA;16"}


def _apply_orientation(
    rgb: FloatImage, alpha: FloatImage | None, orientation: int
) -> tuple[FloatImage, FloatImage | None]:
    """The EXIF orientation transform for arrays decoded outside PIL."""
    ops = {
        2: "flip",
        3: "rot180",
        4: "flipud",
        5: "transpose",
        6: "rot270",
        7: "transverse",
        8: "rot90",
    }

    def apply(a: FloatImage) -> FloatImage:
        op = ops.get(orientation)
        if op == "flip":
            return a[:, ::-1]
        if op == "rot180":
            return a[::-1, ::-1]
        if op == "flipud":
            return a[::-1]
        if op == "transpose":
            return np.swapaxes(a, 0, 1)
        if op == "rot270":
            return np.rot90(a, 3)
        if op == "transverse":
            return np.rot90(np.swapaxes(a, 0, 1), 2)
        if op == "rot90":
            return np.rot90(a, 1)
        return a

    rgb = np.ascontiguousarray(apply(rgb))
    return rgb, (np.ascontiguousarray(apply(alpha)) if alpha is not None else None)


def _reduce(
    rgb: FloatImage, alpha: FloatImage | None, long_edge: int
) -> tuple[FloatImage, FloatImage | None]:
    """Area-average the pixels down to `long_edge`. With alpha, colours are averaged weighted by
    it, so what a transparent pixel happens to hold does not bleed into the piece's edge."""
    height, width = rgb.shape[:2]
    scale = long_edge / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    if alpha is None:
        return np.asarray(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA), np.float32), None
    premultiplied = cv2.resize(rgb * alpha[..., None], size, interpolation=cv2.INTER_AREA)
    reduced_alpha = cv2.resize(alpha, size, interpolation=cv2.INTER_AREA)
    colours = premultiplied / np.maximum(reduced_alpha, 1e-6)[..., None]
    return np.clip(colours, 0.0, 1.0).astype(np.float32), reduced_alpha.astype(np.float32)


def _meaningful_alpha(alpha: FloatImage | None) -> FloatImage | None:
    if alpha is None or float(alpha.min()) >= 1.0:
        return None
    return alpha.astype(np.float32)


def _convert_to_srgb(
    image: Image.Image, icc_bytes: bytes, rgb: FloatImage, bit_depth: int
) -> tuple[FloatImage, str | None]:
    """Convert pixels from the embedded ICC profile to sRGB; return them and the profile's name."""
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc_bytes))
        name = ImageCms.getProfileDescription(profile).strip() or "embedded profile"
    except (OSError, ImageCms.PyCMSError):
        return rgb, None  # an unreadable profile: keep the pixels as they are, untagged
    if "srgb" in name.lower() and image.mode != "CMYK":
        return rgb, name
    source = image if bit_depth == 8 else to_pil(rgb)
    try:
        converted = ImageCms.profileToProfile(
            source.convert("RGB") if source.mode not in {"RGB", "CMYK"} else source,
            profile,
            _SRGB_PROFILE,
            outputMode="RGB",
        )
    except (OSError, ImageCms.PyCMSError):
        return rgb, name
    assert converted is not None
    return np.asarray(converted, dtype=np.float32) / 255.0, name


def _estimate_jpeg_quality(image: Image.Image) -> int | None:
    """Estimate libjpeg quality (1-100): the quality whose luminance table is closest to the file's."""
    tables = getattr(image, "quantization", None)
    if not tables or 0 not in tables:
        return None
    luma = np.array(tables[0], dtype=np.float64)
    if luma.size != 64:
        return None
    errors = [float(np.abs(_libjpeg_luma_table(q) - luma).sum()) for q in range(1, 101)]
    return int(np.argmin(errors)) + 1


def _libjpeg_luma_table(quality: int) -> NDArray[np.float64]:
    """The luminance table libjpeg writes for `quality` (jcparam.c's scaling, clamped to 1..255)."""
    scale = 5000 // quality if quality < 50 else 200 - 2 * quality
    return np.clip((_STD_LUMA_QTABLE * scale + 50) // 100, 1, 255)
