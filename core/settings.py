"""adorn's settings: one typed object read from the environment, in this one place.

Nothing else in adorn reads os.environ. The defaults are the embedded setup: SQLite, jobs run
in-process, files in a local folder, no keys.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

# Development-only keys for the embedded default; a real install sets both in the environment.
_LOCAL_ONLY_KEY = "adorn-local-development-only"
_LOCAL_ONLY_TOKEN_KEY = "bG9jYWwtZGV2ZWxvcG1lbnQtb25seS1rZXktMzJieXQ="

# Beside a checkout of adorn, the team's shared folder holds the platforms' published schemas.
DEFAULT_SPECS_DIR = Path(__file__).resolve().parents[2] / "shared" / "specs"


@dataclass(frozen=True)
class Settings:
    """Everything adorn can be configured with; see README "Running it for real"."""

    data_dir: Path
    database_url: str
    redis_url: str | None  # None: jobs run in-process (the embedded default)
    templates_dir: Path
    max_source_pixels: int  # decompression-bomb guard for untrusted images
    variations: int  # renders per product and preset
    openai_api_key: str | None
    openai_model: str
    # Local folder or hub id of an SDXL-class inpainting model; None skips refinement.
    refine_model: str | None
    # "auto" refines on CUDA and keeps the composite on a machine without one; "cpu" forces it.
    refine_device: str
    refine_strength: float  # how much of the contact band the model may repaint (0-1)
    refine_steps: int
    refine_size_px: int  # the side of the square the model repaints (SDXL: 1024)
    refine_compile: bool  # torch.compile the UNet (slow first call, faster after)
    # Local folder or hub id of an SDXL-class text-to-image model for generated templates.
    generate_model: str | None
    # "auto" generates on CUDA and refuses on a machine without one; "cpu" forces it.
    generate_device: str
    generate_size_px: int  # the side of the square photo generated (SDXL: 1024)
    generate_steps: int
    specs_dir: Path  # the platforms' published API schemas, which the sandbox stores enforce
    # The web app and the platforms.
    app_url: str  # where the platforms reach adorn (OAuth callbacks, webhooks)
    secret_key: str  # signs browser sessions and CSRF tokens
    token_key: str  # Fernet key that encrypts stored access and refresh tokens
    shopify_api_key: str | None  # the app's client id
    shopify_api_secret: str | None
    shopify_base_url: str | None  # None: https://<shop>; the sandbox's shop URL prefix otherwise
    etsy_keystring: str | None
    etsy_shared_secret: str | None
    etsy_api_url: str
    etsy_connect_url: str
    image_hosts: tuple[str, ...]  # extra hosts product photos may be downloaded from (the sandbox)
    etsy_poll_interval_s: int  # how often the clock enqueues the poll of Etsy shops for changes

    @property
    def in_process_jobs(self) -> bool:
        """True without REDIS_URL: jobs run in the calling process (the embedded default)."""
        return self.redis_url is None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read settings from `env` (default: the process environment)."""
        env = os.environ if env is None else env
        data_dir = Path(env.get("ADORN_DATA_DIR", "var")).resolve()
        return cls(
            data_dir=data_dir,
            database_url=env.get("DATABASE_URL", f"sqlite:///{data_dir / 'adorn.db'}"),
            redis_url=env.get("REDIS_URL") or None,
            templates_dir=Path(env.get("ADORN_TEMPLATES_DIR", str(data_dir / "templates"))),
            max_source_pixels=int(env.get("ADORN_MAX_SOURCE_PIXELS", "50000000")),
            variations=int(env.get("ADORN_VARIATIONS", "3")),
            openai_api_key=env.get("OPENAI_API_KEY") or None,
            openai_model=env.get("ADORN_OPENAI_MODEL", "gpt-4o-mini"),
            refine_model=env.get("ADORN_REFINE_MODEL") or None,
            refine_device=env.get("ADORN_REFINE_DEVICE", "auto"),
            refine_strength=float(env.get("ADORN_REFINE_STRENGTH", "0.3")),
            refine_steps=int(env.get("ADORN_REFINE_STEPS", "30")),
            refine_size_px=int(env.get("ADORN_REFINE_SIZE_PX", "1024")),
            refine_compile=env.get("ADORN_REFINE_COMPILE", "") == "1",
            generate_model=env.get("ADORN_GENERATE_MODEL") or None,
            generate_device=env.get("ADORN_GENERATE_DEVICE", "auto"),
            generate_size_px=int(env.get("ADORN_GENERATE_SIZE_PX", "1024")),
            generate_steps=int(env.get("ADORN_GENERATE_STEPS", "30")),
            specs_dir=Path(env.get("ADORN_SPECS_DIR", str(DEFAULT_SPECS_DIR))),
            app_url=env.get("ADORN_APP_URL", "http://127.0.0.1:8600"),
            secret_key=env.get("ADORN_SECRET_KEY", _LOCAL_ONLY_KEY),
            token_key=env.get("ADORN_TOKEN_KEY", _LOCAL_ONLY_TOKEN_KEY),
            shopify_api_key=env.get("SHOPIFY_API_KEY") or None,
            shopify_api_secret=env.get("SHOPIFY_API_SECRET") or None,
            shopify_base_url=env.get("ADORN_SHOPIFY_BASE_URL") or None,
            etsy_keystring=env.get("ETSY_KEYSTRING") or None,
            etsy_shared_secret=env.get("ETSY_SHARED_SECRET") or None,
            etsy_api_url=env.get("ADORN_ETSY_API_URL", "https://api.etsy.com"),
            etsy_connect_url=env.get(
                "ADORN_ETSY_CONNECT_URL", "https://www.etsy.com/oauth/connect"
            ),
            image_hosts=tuple(h for h in env.get("ADORN_IMAGE_HOSTS", "").split(",") if h),
            etsy_poll_interval_s=int(env.get("ADORN_ETSY_POLL_S", "300")),
        )

    def with_overrides(self, **changes: object) -> Settings:
        """A copy with some fields replaced (the demo and tests point adorn at the sandboxes)."""
        return replace(self, **changes)  # type: ignore[arg-type]
