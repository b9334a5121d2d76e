"""Render speed and memory on one core: per jewelry type, median seconds per variation for a 2048 px
export (template annotation cached), inspect + cutout time and peak RSS for a 4000 x 4000 source
and for a 6000 px one (29 MP, worked on at 4000 px as every product photo larger than that).

    python benchmarks/render.py [--repeats 3]

Prints a table. Targets (issue 2): <= 1.0 s per variation, <= 1.5 GB peak RSS.
"""

from __future__ import annotations

import os

# One core, as the target says: pin every thread pool before numpy and OpenCV load.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import multiprocessing
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import cv2

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.cli_tables import format_table
from imaging.cutout import cut_out
from imaging.image_io import WORKING_LONG_EDGE_PX, load_image, to_pil
from imaging.inspect import inspect_photo
from imaging.jewelry import REGION_FOR_TYPE
from imaging.platforms import get_platform
from imaging.render import RenderPipeline
from imaging.samples.catalog import DEMO_PIECES
from imaging.samples.models import write_sample_library
from imaging.samples.products import as_jpeg_upload, make_product_photo
from imaging.size_text import parse_product_spec
from imaging.template_library import list_templates
from imaging.variations import plan_variations


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3, help="variations timed per type")
    args = parser.parse_args()
    cv2.setNumThreads(1)

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_sample_library(folder / "templates")
        templates = list_templates(folder / "templates")  # annotation cached: loaded once
        pipeline = RenderPipeline(templates, [get_platform("shopify")])
        rows = []
        for index, (kind, metal, background) in enumerate(DEMO_PIECES):
            photo = make_product_photo(kind, metal, background, long_edge_px=2400, seed=index)
            source = as_jpeg_upload(photo.rgb, quality=95)
            spec = parse_product_spec(
                f"{photo.title}. {photo.description}", photo.spec.jewelry_type
            )
            cutout = cut_out(source)
            region_templates = [
                t for t in templates if t.annotation.region == REGION_FOR_TYPE[spec.jewelry_type]
            ]
            seconds, tiers = [], set()
            for variation in plan_variations(args.repeats + 1, 0, region_templates):
                started = time.perf_counter()
                rendered = pipeline.render_variation(cutout, spec, variation)
                seconds.append(time.perf_counter() - started)
                tiers.add(rendered.qa.tier.value)
            median = statistics.median(seconds[1:])  # the first one warms caches up
            rows.append([f"{kind.value} ({metal.value})", f"{median:.2f}", ",".join(sorted(tiers))])

        summary = []
        for long_edge in (4000, 6000):
            # Each in a process of its own, so its peak RSS is its own: a worker does one at a time.
            path = folder / f"big-{long_edge}.jpg"
            with multiprocessing.get_context("spawn").Pool(1, maxtasksperchild=1) as pool:
                size = pool.apply(_write_big_photo, (path, long_edge))
            with multiprocessing.get_context("spawn").Pool(1, maxtasksperchild=1) as pool:
                cutout_s, cutout_peak_mb = pool.apply(_inspect_and_cut_out, (path, args.repeats))
            big = f"{size[0]} x {size[1]} source"
            summary += [
                [f"inspect + cutout, {big}", f"{cutout_s:.2f} s"],
                [
                    f"peak RSS, loading, inspecting and cutting out the {big}",
                    f"{cutout_peak_mb:.0f} MB",
                ],
            ]

    print(format_table(["type (metal)", "median s / variation", "tiers"], rows))
    print()
    render_peak_mb = _peak_rss_mb()
    summary.append(
        ["peak RSS, this process (8 types rendered, library cached)", f"{render_peak_mb:.0f} MB"]
    )
    print(format_table(["measure", "value"], summary))


def _peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM, not getrusage's ru_maxrss: a spawned child
    inherits its parent's ru_maxrss at fork, while VmHWM starts afresh with the child's own memory."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux


def _write_big_photo(path: Path, long_edge: int) -> tuple[int, int]:
    big = make_product_photo(*DEMO_PIECES[0], long_edge_px=long_edge, seed=0)
    to_pil(big.rgb).save(path, format="JPEG", quality=95)
    return big.rgb.shape[1], big.rgb.shape[0]


def _inspect_and_cut_out(path: Path, repeats: int) -> tuple[float, float]:
    """Median seconds of inspect + cutout of the photo at `path`, and this process's peak RSS."""
    cv2.setNumThreads(1)
    source = load_image(path, long_edge_cap=WORKING_LONG_EDGE_PX)
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        inspect_photo(source, cut_out(source))
        timings.append(time.perf_counter() - started)
    return statistics.median(timings), _peak_rss_mb()


if __name__ == "__main__":
    main()
