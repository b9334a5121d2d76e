"""Contact-band refinement of rendered variations with an SDXL inpainting pipeline (GPU workers).

    refiner = ContactBandRefiner.load(DiffusionConfig(model=...))  # once per process
    refined = refiner(render.variations, render.cutout, render.spec)
    render = refined.applied_to(render)

`imaging.refine.refiner` loads torch and diffusers; `imaging.refine.outcome` (settings, outcomes,
`skip_refinement` for the compositing path) does not, so this package imports neither eagerly.
"""
