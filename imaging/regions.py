"""The connected regions of a mask, and which of them are enclosed: holes in a piece, the openings
of a chain's links, the hole of a ring or bangle."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class Regions:
    """The 4-connected regions of a mask; label 0 is everything outside the mask."""

    labels: NDArray[np.int32]  # per pixel, its region's label
    stats: NDArray[np.int32]  # per label, OpenCV's CC_STAT_* columns (area, box)
    centroids: NDArray[np.float64]  # per label, (x, y)
    enclosed: NDArray[np.bool_]  # per label, whether the region keeps off the image border

    @property
    def areas(self) -> NDArray[np.int32]:
        return np.asarray(self.stats[:, cv2.CC_STAT_AREA], np.int32)

    def box(self, label: int) -> tuple[slice, slice]:
        """The rows and columns of the box around region `label`."""
        left, top, width, height = (int(v) for v in self.stats[label, :4])
        return slice(top, top + height), slice(left, left + width)


def regions(mask: NDArray[np.bool_]) -> Regions:
    """The 4-connected regions of `mask`, and which of them keep off the image border."""
    _, labels, stats, centroids = cv2.connectedComponentsWithStats(
        mask.astype(np.uint8), connectivity=4
    )
    height, width = labels.shape
    left, top = stats[:, cv2.CC_STAT_LEFT], stats[:, cv2.CC_STAT_TOP]
    right, bottom = left + stats[:, cv2.CC_STAT_WIDTH], top + stats[:, cv2.CC_STAT_HEIGHT]
    enclosed = (left > 0) & (top > 0) & (right < width) & (bottom < height)
    enclosed[0] = False
    return Regions(
        np.asarray(labels, np.int32),
        np.asarray(stats, np.int32),
        np.asarray(centroids, np.float64),
        np.asarray(enclosed, bool),
    )
