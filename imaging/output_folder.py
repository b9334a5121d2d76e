"""Writing a render's outputs to a folder all at once: either everything lands or nothing does."""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path

from imaging.image_io import save_png
from imaging.render import RenderResult

REPORT_NAME = "report.json"
_VARIATION_FOLDER = re.compile(r"variation-[0-9]+")
_VARIATION_FILES = re.compile(r"(render|qa-overlay)\.png|[a-z]+\.jpg")


def check_out_dir(out_dir: Path) -> None:
    """Raise ValueError unless `out_dir` is absent, empty, or holds only an earlier render's
    outputs: that is all write_render_outputs will replace."""
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise ValueError(f"{out_dir} is a file: choose a folder for --out")
    foreign = [entry.name for entry in out_dir.iterdir() if not _is_render_output(entry)]
    if foreign:
        raise ValueError(
            f"{out_dir} holds files adorn did not write ({', '.join(sorted(foreign)[:3])}): "
            "choose another --out"
        )


def _is_render_output(entry: Path) -> bool:
    if entry.name == REPORT_NAME:
        return entry.is_file()
    if not (entry.is_dir() and _VARIATION_FOLDER.fullmatch(entry.name)):
        return False
    return all(f.is_file() and _VARIATION_FILES.fullmatch(f.name) for f in entry.iterdir())


def write_render_outputs(result: RenderResult, out_dir: Path) -> Path:
    """Write exports, QA overlays and report.json for `result` into `out_dir`; returns the report path.

    Everything is written to a temporary sibling folder first and moved into place at the end, so a
    crash or a bad input never leaves half-written outputs. An existing `out_dir` is replaced only if
    it holds nothing but an earlier render's outputs (check_out_dir).
    """
    out_dir = out_dir.resolve()
    check_out_dir(out_dir)
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
