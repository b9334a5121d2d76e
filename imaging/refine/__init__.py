"""Contact-band refinement of rendered variations with an SDXL inpainting pipeline (GPU workers).

    refiner = ContactBandRefiner.load(DiffusionConfig(model=...))  # once per process
    refined = refiner(render.variations, render.cutout, render.spec)
    render = refined.applied_to(render)

Without weights, `ContactBandRefiner.load` raises PipelineUnavailable and `skip_refinement`
keeps the compositing path with the reason recorded.
"""

from imaging.refine.refiner import (
    ContactBandRefiner,
    RefineOutcome,
    RefineResult,
    RefineSettings,
    skip_refinement,
)

__all__ = [
    "ContactBandRefiner",
    "RefineOutcome",
    "RefineResult",
    "RefineSettings",
    "skip_refinement",
]
