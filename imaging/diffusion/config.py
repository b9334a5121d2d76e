"""Where diffusion weights come from and how they run."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DiffusionConfig:
    """How to load one diffusers pipeline.

    `model` is a local folder (a diffusers `save_pretrained` layout) or a hub id; None means no
    weights are configured and diffusion is skipped. `device` "auto" picks CUDA when there is one.
    `half_precision` runs fp16, on CUDA only. `compile_unet` compiles the UNet with torch.compile
    (slow first call, faster after). `local_files_only` never reaches the network: a hub id must
    already be in the local hub cache.
    """

    model: str | None = None
    device: str = "auto"
    half_precision: bool = True
    compile_unet: bool = False
    local_files_only: bool = True

    def __post_init__(self) -> None:
        if self.model is not None and not self.model.strip():
            raise ValueError("model must be a local folder or a hub id, not an empty string")
        if self.device not in {"auto", "cpu"} and not self.device.startswith("cuda"):
            raise ValueError(f"device must be 'auto', 'cpu' or 'cuda[:N]', not {self.device!r}")
