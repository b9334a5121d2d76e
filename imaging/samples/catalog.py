"""The demo's sample photos: one generated product photo per kind, written with a catalog.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from imaging.image_io import to_pil
from imaging.samples.products import Metal, SampleKind, make_product_photo

# One showcase per kind: the metal and background each is photographed in.
DEMO_PIECES: tuple[tuple[SampleKind, Metal, str], ...] = (
    (SampleKind.PENDANT_NECKLACE, Metal.YELLOW_GOLD, "white"),
    (SampleKind.CHAIN, Metal.SILVER, "light_grey"),
    (SampleKind.STUD_EARRINGS, Metal.WHITE_GOLD, "white"),
    (SampleKind.DROP_EARRINGS, Metal.ROSE_GOLD, "white"),
    (SampleKind.RING, Metal.YELLOW_GOLD, "light_grey"),
    (SampleKind.BANGLE, Metal.ROSE_GOLD, "white"),
    (SampleKind.CHAIN_BRACELET, Metal.YELLOW_GOLD, "white"),
    (SampleKind.WATCH, Metal.SILVER, "white"),
)


def write_sample_photos(out_dir: Path, long_edge_px: int = 2400) -> list[dict[str, Any]]:
    """Write one JPEG product photo per demo piece into `out_dir` and describe them in catalog.json."""
    out_dir.mkdir(parents=True, exist_ok=True)
    entries = []
    for index, (kind, metal, background) in enumerate(DEMO_PIECES):
        photo = make_product_photo(kind, metal, background, long_edge_px=long_edge_px, seed=index)
        file_name = f"{kind.value}-{metal.value}.jpg".replace("_", "-")
        to_pil(photo.rgb).save(out_dir / file_name, format="JPEG", quality=95, subsampling=0)
        entries.append(
            {
                "file": file_name,
                "type": photo.spec.jewelry_type.value,
                "title": photo.title,
                "size_text": f"{photo.title}. {photo.description}",
            }
        )
    (out_dir / "catalog.json").write_text(json.dumps(entries, indent=2))
    return entries
