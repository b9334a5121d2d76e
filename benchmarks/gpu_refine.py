"""Diffusion speed and memory on a GPU: SDXL-architecture models with random weights (speed does not
depend on weight values), fp16.

    python benchmarks/gpu_refine.py                     # on a CUDA machine: the real figures
    python benchmarks/gpu_refine.py --scale tiny --device cpu --size 128 --steps 4   # smoke run

Prints one table:
- inpaint of a `--size` px crop at `--steps` steps and strength `--strength`, batch 1 and batch 3
  (seconds per image), and text-to-image at `--size` px (seconds per image);
- the whole refine stage of one variation (mask, crop, model, paste-back, piece re-applied, QA,
  overlay; the job exports once afterwards) on three rendered variations of one product in one batch;
- peak GPU memory, and the hours a catalog of `--products` products x 3 variations takes at that
  refine rate. Targets (issue 5): refine stage <= 0.6 s per variation in batches of 3 on one H100;
  500 products x 3 variations in <= 15 minutes.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch
from diffusers.utils import logging as diffusers_logging
from transformers.utils import logging as transformers_logging

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.cli_tables import format_table
from imaging.diffusion.convert import image_to_pil, mask_to_pil
from imaging.diffusion.loading import free_memory, pick_device
from imaging.diffusion.random_models import build_random_sdxl
from imaging.image_io import SourceImage
from imaging.jewelry import REGION_FOR_TYPE
from imaging.platforms import get_platform
from imaging.refine.outcome import RefineSettings
from imaging.refine.refiner import ContactBandRefiner
from imaging.render import RenderPipeline, RenderResult
from imaging.samples.catalog import DEMO_PIECES
from imaging.samples.models import make_template
from imaging.samples.products import make_product_photo
from imaging.size_text import parse_product_spec


def _timed(call: Callable[[], Any], repeats: int, device: str) -> float:
    """Median seconds of `call` after one warm-up call."""
    call()
    seconds = []
    for _ in range(repeats):
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        started = time.perf_counter()
        call()
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


def _ring_render(template_px: int) -> RenderResult:
    """Three variations of a generated ring on a generated hand, not yet exported (as the
    generate job hands them to the refiner)."""
    kind, metal, background = DEMO_PIECES[4]
    photo = make_product_photo(kind, metal, background, long_edge_px=2400, seed=1)
    spec = parse_product_spec(f"{photo.title}. {photo.description}", photo.spec.jewelry_type)
    region = REGION_FOR_TYPE[spec.jewelry_type]
    template = make_template(region, width=template_px, height=template_px, seed=4)
    pipeline = RenderPipeline([template], [get_platform("shopify")])
    render = pipeline(SourceImage.from_array(photo.rgb), spec, variations=3, seed=7)
    return replace(render, variations=[replace(v, exports={}) for v in render.variations])


def _inpaint_rows(args: argparse.Namespace, device: str, dtype: torch.dtype) -> list[list[str]]:
    """Raw inpainting at batch 1 and 3, then the whole refine stage on three rendered variations."""
    rows: list[list[str]] = []
    generator = torch.Generator("cpu")
    inpaint = build_random_sdxl("inpaint", args.scale, device=device, dtype=dtype)
    render = _ring_render(args.template_px)
    crop = image_to_pil(render.variations[0].composite.rgb).resize((args.size, args.size))
    mask = mask_to_pil(render.variations[0].composite.shadow > 0.03).resize((args.size, args.size))
    for batch in (1, 3):

        def inpaint_call(batch: int = batch) -> Any:
            return inpaint(
                prompt=["a ring worn on a hand"] * batch,
                image=[crop] * batch,
                mask_image=[mask] * batch,
                width=args.size,
                height=args.size,
                strength=args.strength,
                num_inference_steps=args.steps,
                generator=[generator.manual_seed(i) for i in range(batch)],
            )

        per_image = _timed(inpaint_call, args.repeats, device) / batch
        rows.append([f"inpaint {args.size} px, batch {batch}", f"{per_image:.3f} s / image"])

    refiner = ContactBandRefiner(
        inpaint,
        RefineSettings(strength=args.strength, steps=args.steps, size_px=args.size, batch_size=3),
        model=f"random SDXL ({args.scale})",
    )
    outcomes: list[str] = []

    def refine_call() -> None:
        result = refiner(render.variations, render.cutout, render.spec)
        outcomes[:] = [outcome.status for outcome in result.outcomes]

    per_variation = _timed(refine_call, args.repeats, device) / len(render.variations)
    rows.append(
        [
            f"refine stage, {args.template_px} px template, batch 3",
            f"{per_variation:.3f} s / variation ({', '.join(outcomes)})",
        ]
    )
    catalog_minutes = args.products * 3 * per_variation / 60
    rows.append([f"{args.products} products x 3 variations", f"{catalog_minutes:.1f} min refine"])

    return rows


def _text2image_rows(args: argparse.Namespace, device: str, dtype: torch.dtype) -> list[list[str]]:
    """Text-to-image at the model's size, as generated templates use it."""
    generator = torch.Generator("cpu")
    text2image = build_random_sdxl("text2image", args.scale, device=device, dtype=dtype)

    def text2image_call() -> Any:
        return text2image(
            prompt="a close-up photograph of a bare wrist",
            width=args.size,
            height=args.size,
            num_inference_steps=args.steps,
            generator=generator.manual_seed(0),
        )

    return [
        [
            f"text-to-image {args.size} px",
            f"{_timed(text2image_call, args.repeats, device):.3f} s / image",
        ]
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", choices=["tiny", "full"], default="full")
    parser.add_argument("--device", default="auto", help="auto, cuda or cpu")
    parser.add_argument("--size", type=int, default=1024, help="side of the square the model sees")
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--strength", type=float, default=0.3)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--template-px", type=int, default=2048)
    parser.add_argument("--products", type=int, default=500)
    args = parser.parse_args()
    diffusers_logging.set_verbosity_error()  # random tokenizers truncate prompts: noise here
    transformers_logging.set_verbosity_error()

    device = pick_device(args.device)
    if args.scale == "full" and device == "cpu":
        sys.exit(
            "no CUDA device: the full-size benchmark needs a GPU (use --scale tiny to smoke-test)"
        )
    dtype = torch.float16 if device.startswith("cuda") else torch.float32
    card = torch.cuda.get_device_name(device) if device.startswith("cuda") else "CPU"
    rows = _inpaint_rows(args, device, dtype)
    free_memory()  # the inpainting model goes before the text-to-image one loads
    rows += _text2image_rows(args, device, dtype)
    if device.startswith("cuda"):
        peak_gib = torch.cuda.max_memory_allocated(device) / 2**30
        rows.append(["peak GPU memory", f"{peak_gib:.1f} GiB"])

    print(
        f"{card}, torch {torch.__version__}, {args.scale} SDXL, {dtype}, "
        f"{args.steps} steps, strength {args.strength}"
    )
    print(format_table(["measure", "value"], rows))


if __name__ == "__main__":
    main()
