"""Cutting the piece out of a product photo on a plain background."""

from __future__ import annotations

from dataclasses import dataclass

from imaging.image_io import FloatImage, SourceImage


@dataclass(frozen=True)
class Cutout:
    """The piece alone: decontaminated colours and a soft alpha, cropped around the piece."""

    rgb: FloatImage  # H x W x 3 sRGB; colours are the piece's own (background spill removed) where alpha > 0
    alpha: FloatImage  # H x W in [0, 1]
    offset: tuple[int, int]  # (x, y) of this crop's top-left corner in the source photo
    background_rgb: tuple[float, float, float]  # estimated background colour, sRGB [0, 1]

    @property
    def width(self) -> int:
        return int(self.alpha.shape[1])

    @property
    def height(self) -> int:
        return int(self.alpha.shape[0])


def cut_out(image: SourceImage) -> Cutout:
    """Cut the piece out of `image`; raises BusyBackgroundError when the background is not plain."""
    raise NotImplementedError
