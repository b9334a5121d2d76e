"""SDXL-architecture pipelines with random weights, built in code: nothing is downloaded.

"tiny" is small enough to run a 64-128 px inference on a CPU in about a second, so tests run the
real refine and generate code; "full" has SDXL's real architecture (base 1.0, and the 9-channel
inpainting UNet), so benchmarks measure real speed and memory: speed does not depend on weight
values. Nothing is built until a function is called.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import torch
from diffusers import (
    AutoencoderKL,
    EulerDiscreteScheduler,
    StableDiffusionXLInpaintPipeline,
    StableDiffusionXLPipeline,
    UNet2DConditionModel,
)
from tokenizers.pre_tokenizers import ByteLevel
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection, CLIPTokenizer

from imaging.diffusion.loading import PipelineKind, SdxlPipeline

Scale = Literal["tiny", "full"]

BOS_TOKEN = "<|startoftext|>"
EOS_TOKEN = "<|endoftext|>"
MAX_TOKENS = 77  # CLIP's context length, as SDXL's tokenizers use


@dataclass(frozen=True)
class _Architecture:
    unet: dict[str, Any]
    vae: dict[str, Any]
    text_encoder: dict[str, Any]
    text_encoder_2: dict[str, Any]


def build_random_sdxl(
    kind: PipelineKind,
    scale: Scale,
    seed: int = 0,
    device: str = "cpu",
    dtype: torch.dtype = torch.float32,
) -> SdxlPipeline:
    """An SDXL inpainting ("inpaint", 9-channel UNet) or text-to-image pipeline with random weights.

    The same `seed` gives the same weights. Modules are created directly on `device` (a full UNet
    takes about 10 GB in fp32 while it is built) and then cast to `dtype`. The progress bar is off.
    """
    if kind not in ("inpaint", "text2image"):
        raise ValueError(f"kind must be 'inpaint' or 'text2image', not {kind!r}")
    if scale not in ("tiny", "full"):
        raise ValueError(f"scale must be 'tiny' or 'full', not {scale!r}")
    architecture = _tiny() if scale == "tiny" else _full()
    unet_config = dict(architecture.unet, in_channels=9 if kind == "inpaint" else 4)
    with torch.random.fork_rng(devices=[]), torch.device(device):
        torch.manual_seed(seed)
        components: dict[str, Any] = {
            "unet": UNet2DConditionModel(**unet_config),
            "vae": AutoencoderKL(**architecture.vae),
            "text_encoder": CLIPTextModel(_text_config(architecture.text_encoder)),
            "text_encoder_2": CLIPTextModelWithProjection(
                _text_config(architecture.text_encoder_2)
            ),
        }
    for module in components.values():
        module.eval()
        if dtype != torch.float32:
            module.to(dtype=dtype)
    pipeline_class = (
        StableDiffusionXLInpaintPipeline if kind == "inpaint" else StableDiffusionXLPipeline
    )
    pipeline: SdxlPipeline = pipeline_class(
        tokenizer=byte_level_clip_tokenizer(),
        tokenizer_2=byte_level_clip_tokenizer(),
        scheduler=sdxl_scheduler(),
        add_watermarker=False,
        **components,
    )
    pipeline.set_progress_bar_config(disable=True)
    return pipeline


def byte_level_clip_tokenizer() -> CLIPTokenizer:
    """A CLIP tokenizer built in memory: every byte is a token (no merges), with CLIP's special
    tokens. Ids: 0-255 bytes inside a word, 256-511 bytes ending a word, 512 BOS, 513 EOS."""
    alphabet = sorted(ByteLevel.alphabet())
    vocab = {char: i for i, char in enumerate(alphabet)}
    vocab.update({f"{char}</w>": len(alphabet) + i for i, char in enumerate(alphabet)})
    vocab[BOS_TOKEN] = len(vocab)
    vocab[EOS_TOKEN] = len(vocab)
    return CLIPTokenizer(vocab=vocab, merges=[], model_max_length=MAX_TOKENS)


def sdxl_scheduler() -> EulerDiscreteScheduler:
    """SDXL base 1.0's scheduler configuration."""
    return EulerDiscreteScheduler(
        num_train_timesteps=1000,
        beta_start=0.00085,
        beta_end=0.012,
        beta_schedule="scaled_linear",
        prediction_type="epsilon",
        interpolation_type="linear",
        use_karras_sigmas=False,
        steps_offset=1,
        timestep_spacing="leading",
    )


def _text_config(architecture: dict[str, Any]) -> CLIPTextConfig:
    """A CLIP text config whose special token ids are byte_level_clip_tokenizer's; the embedding
    table may be larger than that vocabulary (the full encoders keep CLIP's 49408 rows)."""
    tokens = 2 * len(ByteLevel.alphabet()) + 2
    return CLIPTextConfig(
        max_position_embeddings=MAX_TOKENS,
        bos_token_id=tokens - 2,
        eos_token_id=tokens - 1,
        pad_token_id=tokens - 1,
        **{"vocab_size": tokens, **architecture},
    )


def _tiny() -> _Architecture:
    # Two text encoders of width 16 concatenate to the UNet's cross-attention width of 32; the
    # pooled projection (16) plus six time ids of 8 give the added embedding's 64 inputs. Four
    # VAE levels keep SDXL's 8x latent downsampling, so 64 px images are 8x8 latents.
    return _Architecture(
        unet={
            "sample_size": 16,
            "out_channels": 4,
            "block_out_channels": (32, 64),
            "layers_per_block": 1,
            "down_block_types": ("DownBlock2D", "CrossAttnDownBlock2D"),
            "up_block_types": ("CrossAttnUpBlock2D", "UpBlock2D"),
            "attention_head_dim": (2, 4),
            "transformer_layers_per_block": (1, 1),
            "cross_attention_dim": 32,
            "use_linear_projection": True,
            "addition_embed_type": "text_time",
            "addition_time_embed_dim": 8,
            "projection_class_embeddings_input_dim": 6 * 8 + 16,
            "norm_num_groups": 8,
        },
        vae={
            "in_channels": 3,
            "out_channels": 3,
            "latent_channels": 4,
            "block_out_channels": (8, 16, 16, 16),
            "down_block_types": ("DownEncoderBlock2D",) * 4,
            "up_block_types": ("UpDecoderBlock2D",) * 4,
            "layers_per_block": 1,
            "norm_num_groups": 8,
            "sample_size": 128,
            "scaling_factor": 0.13025,
            "force_upcast": False,  # already fp32: no VAE dtype round trips on every call
        },
        text_encoder={
            "hidden_size": 16,
            "intermediate_size": 32,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "projection_dim": 16,
            "hidden_act": "quick_gelu",
        },
        text_encoder_2={
            "hidden_size": 16,
            "intermediate_size": 32,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "projection_dim": 16,
            "hidden_act": "gelu",
        },
    )


def _full() -> _Architecture:
    # stabilityai/stable-diffusion-xl-base-1.0: unet, vae, text_encoder (CLIP ViT-L/14) and
    # text_encoder_2 (OpenCLIP ViT-bigG/14) configs. 768 + 1280 = 2048 cross-attention width;
    # 1280 pooled + 6 x 256 time ids = 2816 added-embedding inputs.
    return _Architecture(
        unet={
            "sample_size": 128,
            "out_channels": 4,
            "block_out_channels": (320, 640, 1280),
            "layers_per_block": 2,
            "down_block_types": ("DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"),
            "up_block_types": ("CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"),
            "mid_block_type": "UNetMidBlock2DCrossAttn",
            "attention_head_dim": (5, 10, 20),
            "transformer_layers_per_block": (1, 2, 10),
            "cross_attention_dim": 2048,
            "use_linear_projection": True,
            "addition_embed_type": "text_time",
            "addition_embed_type_num_heads": 64,
            "addition_time_embed_dim": 256,
            "projection_class_embeddings_input_dim": 2816,
            "norm_num_groups": 32,
            "norm_eps": 1e-5,
            "act_fn": "silu",
            "flip_sin_to_cos": True,
            "freq_shift": 0,
        },
        vae={
            "in_channels": 3,
            "out_channels": 3,
            "latent_channels": 4,
            "block_out_channels": (128, 256, 512, 512),
            "down_block_types": ("DownEncoderBlock2D",) * 4,
            "up_block_types": ("UpDecoderBlock2D",) * 4,
            "layers_per_block": 2,
            "norm_num_groups": 32,
            "act_fn": "silu",
            "sample_size": 1024,
            "scaling_factor": 0.13025,
            "force_upcast": True,
        },
        text_encoder={
            "vocab_size": 49408,
            "hidden_size": 768,
            "intermediate_size": 3072,
            "num_hidden_layers": 12,
            "num_attention_heads": 12,
            "projection_dim": 768,
            "hidden_act": "quick_gelu",
        },
        text_encoder_2={
            "vocab_size": 49408,
            "hidden_size": 1280,
            "intermediate_size": 5120,
            "num_hidden_layers": 32,
            "num_attention_heads": 20,
            "projection_dim": 1280,
            "hidden_act": "gelu",
        },
    )
