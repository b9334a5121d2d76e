"""Writing a render's outputs to a folder all at once: either everything lands or nothing does."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from imaging.image_io import save_png
from imaging.render import RenderResult

REPORT_NAME = "report.json"


def write_render_outputs(result: RenderResult, out_dir: Path) -> Path:
    """Write exports, QA overlays and report.json for `result` into `out_dir`; returns the report path.

    Everything is written to a temporary sibling folder first and moved into place at the end, so a
    crash or a bad input never leaves half-written outputs. An existing `out_dir` is replaced only if
    it holds an earlier adorn report.
    """
    out_dir = out_dir.resolve()
    if out_dir.exists() and any(out_dir.iterdir()) and not (out_dir / REPORT_NAME).is_file():
        raise ValueError(f"{out_dir} is not empty and holds no adorn report: choose another --out")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        for rendered in result.variations:
            folder = staging / f"variation-{rendered.variation.index + 1}"
            folder.mkdir()
            save_png(folder / "render.png", rendered.composite.rgb)
            save_png(folder / "qa-overlay.png", rendered.overlay)
            for platform, exported in rendered.exports.items():
                (folder / f"{platform}.jpg").write_bytes(exported.data)
        (staging / REPORT_NAME).write_text(json.dumps(result.to_dict(), indent=2))
        if out_dir.exists():
            shutil.rmtree(out_dir)
        os.replace(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out_dir / REPORT_NAME
