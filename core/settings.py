"""adorn's settings: one typed object read from the environment, in this one place.

Nothing else in adorn reads os.environ. The defaults are the embedded setup: SQLite, jobs run
in-process, files in a local folder, no keys.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

# Beside a checkout of adorn, the team's shared folder holds the platforms' schemas.
_DEFAULT_SPECS_DIR = Path(__file__).resolve().parents[2] / "shared" / "specs"


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
    specs_dir: Path  # the platforms' published API schemas, which the sandbox stores enforce

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
            specs_dir=Path(env.get("ADORN_SPECS_DIR", str(_DEFAULT_SPECS_DIR))),
        )
