"""The diffusers layer shared by refinement and generation: configuration, loading, conversion,
and randomly initialised SDXL-architecture pipelines for tests and benchmarks."""
