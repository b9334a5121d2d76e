"""Cutout quality on the generated product photos, where the true matte is known exactly.

    python benchmarks/cutout_quality.py [--size 1200] [--seed 0] [--kinds chain,ring]
        [--metals silver] [--backgrounds white] [--jpeg 95] [--mattes DIR]

Prints a table per kind x metal x background: IoU of alpha > 0.5 against the true alpha, the halo
(mean luminance excess on dark skin just outside the true edge, 0 is none), seconds per cutout and
the ceiling (the IoU the true alpha itself scores once every alpha is off by a random 0.05, sd: on a
wire one or two pixels wide even a near-perfect matte falls far below 0.97), then the worst and
median IoU. Targets (issue 2): IoU >= 0.97, no halo. --jpeg Q saves each photo as a JPEG of quality
Q and reads it back first, as an upload would arrive. --mattes writes each alpha matte and its error
map (white: missed, red: extra) as PNGs for a look.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.cli_tables import format_table
from imaging.cutout import cut_out
from imaging.cutout_metrics import halo, in_frame, matte_iou
from imaging.errors import ImagingError
from imaging.image_io import SourceImage
from imaging.samples.products import (
    BACKGROUND_LEVEL,
    Metal,
    SampleKind,
    as_jpeg_upload,
    make_product_photo,
)


def _names(text: str | None, every: list[str]) -> list[str]:
    return every if not text else [name.strip() for name in text.split(",")]


def _write_matte(folder: Path, name: str, alpha: np.ndarray, truth: np.ndarray) -> None:
    cv2.imwrite(
        str(folder / f"{name}-alpha.png"), np.clip(alpha * 255 + 0.5, 0, 255).astype(np.uint8)
    )
    ours, true = alpha > 0.5, truth > 0.5
    error = np.zeros((*alpha.shape, 3), np.uint8)  # BGR
    error[ours & true] = (90, 90, 90)
    error[true & ~ours] = (255, 255, 255)
    error[ours & ~true] = (0, 0, 255)
    cv2.imwrite(str(folder / f"{name}-error.png"), error)


def _ceiling(true_alpha: np.ndarray, seed: int) -> float:
    """The IoU of the true alpha with a random error of 0.05 (sd) on every partly or wholly covered
    pixel, against itself."""
    error = np.random.default_rng(seed).normal(0.0, 0.05, true_alpha.shape) * (true_alpha > 0)
    return matte_iou((true_alpha + error).astype(np.float32), true_alpha)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=1200, help="long edge of the photos, px")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--kinds", help="comma-separated kinds (default: all)")
    parser.add_argument("--metals", help="comma-separated metals (default: all)")
    parser.add_argument("--backgrounds", help="comma-separated backgrounds (default: all)")
    parser.add_argument(
        "--jpeg", type=int, help="round-trip each photo through JPEG of this quality"
    )
    parser.add_argument("--mattes", type=Path, help="folder to write alpha and error PNGs into")
    args = parser.parse_args()
    cv2.setNumThreads(1)
    if args.mattes:
        args.mattes.mkdir(parents=True, exist_ok=True)

    rows, scores, ceilings = [], [], []
    for kind in _names(args.kinds, [k.value for k in SampleKind]):
        for metal in _names(args.metals, [m.value for m in Metal]):
            for background in _names(args.backgrounds, list(BACKGROUND_LEVEL)):
                photo = make_product_photo(
                    SampleKind(kind), Metal(metal), background, args.size, seed=args.seed
                )
                source = (
                    SourceImage.from_array(photo.rgb)
                    if args.jpeg is None
                    else as_jpeg_upload(photo.rgb, args.jpeg)
                )
                started = time.perf_counter()
                try:
                    cutout = cut_out(source)
                except ImagingError as error:
                    rows.append([kind, metal, background, "0.000", "-", "-", "-", str(error)[:40]])
                    scores.append(0.0)
                    continue
                seconds = time.perf_counter() - started
                rgb, alpha = in_frame(
                    cutout, (photo.true_alpha.shape[0], photo.true_alpha.shape[1])
                )
                iou = matte_iou(alpha, photo.true_alpha)
                fringe = halo(rgb, alpha, photo.true_rgb, photo.true_alpha)
                scores.append(iou)
                ceiling = _ceiling(photo.true_alpha, args.seed)
                ceilings.append(ceiling)
                rows.append(
                    [
                        *(kind, metal, background),
                        *(f"{iou:.3f}", f"{fringe:+.3f}", f"{seconds:.2f}", f"{ceiling:.3f}", ""),
                    ]
                )
                if args.mattes:
                    _write_matte(
                        args.mattes, f"{kind}-{metal}-{background}", alpha, photo.true_alpha
                    )
                print(" ".join(rows[-1]), file=sys.stderr, flush=True)

    print(
        format_table(["kind", "metal", "background", "IoU", "halo", "s", "ceiling", "note"], rows)
    )
    print()
    print(
        f"photos {len(scores)} at {args.size} px{f' (JPEG {args.jpeg})' if args.jpeg else ''}: worst IoU {min(scores):.3f}, "
        f"median {statistics.median(scores):.3f}, >= 0.97: {sum(s >= 0.97 for s in scores)} "
        f"(the ceiling reaches 0.97 on {sum(c >= 0.97 for c in ceilings)})"
    )


if __name__ == "__main__":
    main()
