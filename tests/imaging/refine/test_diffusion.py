"""The shared diffusers layer: loading with clear failures, random SDXL pipelines, conversion."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from PIL import Image

from imaging.diffusion.config import DiffusionConfig
from imaging.diffusion.convert import (
    image_from_pil,
    image_to_pil,
    images_from_output,
    mask_to_pil,
)
from imaging.diffusion.loading import (
    PipelineUnavailable,
    free_memory,
    load_pipeline,
    pick_device,
)
from imaging.diffusion.random_models import build_random_sdxl
from imaging.refine.refiner import ContactBandRefiner

# Parameter counts of stabilityai/stable-diffusion-xl-base-1.0 (and its 9-channel inpainting UNet).
SDXL_PARAMETERS = {
    "unet": 2_567_463_684,
    "vae": 83_653_863,
    "text_encoder": 123_060_480,
    "text_encoder_2": 694_659_840,
}
INPAINT_EXTRA = 5 * 320 * 3 * 3  # five more input channels into conv_in's 320 3x3 filters


def _inpaint(pipeline: Any, seed: int) -> np.ndarray:
    image = Image.fromarray(np.full((64, 64, 3), 180, np.uint8))
    mask = mask_to_pil(np.pad(np.ones((32, 32), bool), 16))
    output = pipeline(
        prompt="gold ring on skin",
        image=image,
        mask_image=mask,
        height=64,
        width=64,
        strength=0.5,
        num_inference_steps=4,
        generator=torch.Generator("cpu").manual_seed(seed),
        output_type="np",
    )
    return np.asarray(output.images)


def test_a_saved_tiny_pipeline_loads_back_and_gives_the_same_image(
    tmp_path: Path, tiny_inpaint: Any
) -> None:
    tiny_inpaint.save_pretrained(tmp_path / "tiny")
    loaded = load_pipeline("inpaint", DiffusionConfig(model=str(tmp_path / "tiny"), device="cpu"))
    assert type(loaded).__name__ == "StableDiffusionXLInpaintPipeline"
    assert loaded.unet.config.in_channels == 9 and loaded.unet.dtype == torch.float32
    processors = {type(p).__name__ for p in loaded.unet.attn_processors.values()}
    assert processors == {"AttnProcessor2_0"}
    assert np.array_equal(_inpaint(loaded, 3), _inpaint(tiny_inpaint, 3))
    refiner = ContactBandRefiner.load(DiffusionConfig(model=str(tmp_path / "tiny"), device="cpu"))
    assert refiner.model == str(tmp_path / "tiny")


def test_no_weights_missing_or_corrupt_folders_are_one_clear_line(
    tmp_path: Path, tiny_inpaint: Any
) -> None:
    def reason(model: str | None) -> str:
        with pytest.raises(PipelineUnavailable) as caught:
            ContactBandRefiner.load(DiffusionConfig(model=model, device="cpu"))
        message = str(caught.value)
        assert "\n" not in message and "set the model" in message
        return message

    assert "no diffusion weights configured" in reason(None)
    assert "does not exist" in reason(str(tmp_path / "nowhere"))
    (tmp_path / "empty").mkdir()
    assert "no model_index.json" in reason(str(tmp_path / "empty"))
    corrupt = tmp_path / "corrupt"
    tiny_inpaint.save_pretrained(corrupt)
    weights = next((corrupt / "unet").glob("*.safetensors"))
    weights.write_bytes(weights.read_bytes()[:1000])  # a truncated download
    assert "failed to load" in reason(str(corrupt))
    assert "failed to load" in reason("adorn-tests/not-in-the-cache")


def test_random_tiny_pipelines_are_seeded_and_run_both_kinds() -> None:
    first = build_random_sdxl("inpaint", "tiny", seed=5)
    again = build_random_sdxl("inpaint", "tiny", seed=5)
    other = build_random_sdxl("inpaint", "tiny", seed=6)
    weights = [next(p.unet.parameters()) for p in (first, again, other)]
    assert torch.equal(weights[0], weights[1]) and not torch.equal(weights[0], weights[2])
    text2image = build_random_sdxl("text2image", "tiny")
    output = text2image(
        prompt="a hand",
        height=64,
        width=64,
        num_inference_steps=2,
        generator=torch.Generator("cpu").manual_seed(0),
        output_type="np",
    )
    assert output.images.shape == (1, 64, 64, 3)


@pytest.mark.parametrize("kind", ["inpaint", "text2image"])
def test_full_random_pipelines_have_sdxl_architecture(kind: str) -> None:
    # Built on the meta device: the real architecture, no memory for its 3.5 billion weights.
    pipeline = build_random_sdxl(kind, "full", device="meta")  # type: ignore[arg-type]
    counts = {
        name: sum(p.numel() for p in getattr(pipeline, name).parameters())
        for name in SDXL_PARAMETERS
    }
    expected = dict(SDXL_PARAMETERS)
    if kind == "inpaint":
        expected["unet"] += INPAINT_EXTRA
    assert counts == expected
    unet = pipeline.unet.config
    assert tuple(unet.block_out_channels) == (320, 640, 1280)
    assert tuple(unet.transformer_layers_per_block) == (1, 2, 10)
    assert unet.cross_attention_dim == 2048 and unet.addition_embed_type == "text_time"
    assert unet.in_channels == (9 if kind == "inpaint" else 4)
    assert pipeline.vae_scale_factor == 8


def test_device_choice_and_config_checks() -> None:
    free_memory()  # safe without CUDA
    assert pick_device("cpu") == "cpu"
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert pick_device("auto") == expected
    with pytest.raises(ValueError, match="device"):
        DiffusionConfig(device="tpu")
    with pytest.raises(ValueError, match="empty"):
        DiffusionConfig(model=" ")
    with pytest.raises(ValueError, match="kind"):
        load_pipeline("upscale", DiffusionConfig(model="x"))  # type: ignore[arg-type]


def test_conversions_round_trip_through_pil() -> None:
    rgb = np.random.default_rng(0).random((8, 6, 3), dtype=np.float32)
    round_trip = image_from_pil(image_to_pil(rgb))
    assert round_trip.dtype == np.float32 and round_trip.shape == (8, 6, 3)
    assert np.abs(round_trip - rgb).max() <= 0.5 / 255 + 1e-6
    mask = mask_to_pil(np.eye(4, dtype=bool))
    assert mask.mode == "L" and np.array_equal(np.asarray(mask) > 0, np.eye(4, dtype=bool))
    batch = np.stack([rgb, 1.0 - rgb])
    assert [a.shape for a in images_from_output(batch)] == [(8, 6, 3)] * 2
    assert np.array_equal(images_from_output([image_to_pil(rgb)])[0], round_trip)
    with pytest.raises(ValueError, match="H x W x 3"):
        image_to_pil(np.zeros((4, 4), np.float32))
