"""The adorn CLI end to end: real files in, real files out, one-line errors on bad input."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from app.cli import main
from imaging.output_folder import check_out_dir


@pytest.fixture()
def env(tmp_path: Path, template_library: Path) -> dict[str, str]:
    return {"ADORN_DATA_DIR": str(tmp_path / "var"), "ADORN_TEMPLATES_DIR": str(template_library)}


@pytest.fixture(scope="module")
def sample_photos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("samples")
    result = CliRunner().invoke(main, ["samples", str(folder)])
    assert result.exit_code == 0, result.output
    return folder


def _png_bytes(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.full((height, width, 3), 250, np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


def _bomb_png() -> bytes:
    """A tiny PNG file whose header claims 10000 x 8000 pixels (80 MP)."""
    buffer = io.BytesIO()
    Image.new("1", (10000, 8000)).save(buffer, format="PNG")
    return buffer.getvalue()


BAD_INPUTS = {
    "not-an-image.jpg": (b"hello, I am text", "not an image"),
    "truncated.png": (_png_bytes(400, 300)[:200], "truncated or corrupt"),
    "bomb.png": (_bomb_png(), "decompression bomb"),
    "empty.png": (b"", "empty"),
    "sliver.png": (_png_bytes(4000, 100), "aspect ratio"),
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_render_refuses_bad_input_with_one_line_and_no_outputs(
    name: str, tmp_path: Path, env: dict[str, str]
) -> None:
    data, expected = BAD_INPUTS[name]
    photo = tmp_path / name
    photo.write_bytes(data)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["render", str(photo), "--type", "ring", "--out", str(out)], env=env
    )
    assert result.exit_code != 0
    message = result.output.strip().splitlines()
    assert len(message) == 1 and message[0].startswith("Error:"), result.output
    assert expected in message[0]
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out-")]


def test_render_keeps_a_folder_it_did_not_write(
    sample_photos: Path, tmp_path: Path, env: dict[str, str]
) -> None:
    # A report.json alone does not make a folder adorn's: it is refused before any work.
    out = tmp_path / "mine"
    out.mkdir()
    (out / "report.json").write_text("{}")
    (out / "notes.txt").write_text("the seller's own notes")
    photo = next(sample_photos.glob("ring-*.jpg"))
    result = CliRunner().invoke(
        main, ["render", str(photo), "--type", "ring", "--out", str(out)], env=env
    )
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and "notes.txt" in result.output
    assert (out / "notes.txt").read_text() == "the seller's own notes"


def test_only_an_earlier_renders_outputs_may_be_replaced(tmp_path: Path) -> None:
    out = tmp_path / "render"
    check_out_dir(out)  # absent
    (out / "variation-1").mkdir(parents=True)
    for name in ("render.png", "qa-overlay.png", "etsy.jpg"):
        (out / "variation-1" / name).write_bytes(b"x")
    (out / "report.json").write_text("{}")
    check_out_dir(out)  # an earlier render
    (out / "variation-1" / "edited.psd").write_bytes(b"x")
    with pytest.raises(ValueError, match="variation-1"):
        check_out_dir(out)
    with pytest.raises(ValueError, match="is a file"):
        check_out_dir(out / "report.json")


@pytest.mark.parametrize(
    ("name", "expected"), [("../escape", "template name"), ("Hand", "template name")]
)
def test_templates_add_refuses_a_name_outside_the_library(
    tmp_path: Path, env: dict[str, str], name: str, expected: str
) -> None:
    photo = tmp_path / "hand.png"
    photo.write_bytes(_png_bytes(400, 300))
    result = CliRunner().invoke(
        main, ["templates", "add", str(photo), "--region", "hand", "--name", name], env=env
    )
    assert result.exit_code == 1 and result.output.count("\n") == 1
    assert expected in result.output
    assert not list(tmp_path.rglob("escape*"))


def test_render_refuses_unknown_type(tmp_path: Path, env: dict[str, str]) -> None:
    photo = tmp_path / "p.png"
    photo.write_bytes(_png_bytes(400, 400))
    result = CliRunner().invoke(
        main, ["render", str(photo), "--type", "tiara", "--out", str(tmp_path / "o")], env=env
    )
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "'tiara' is not one of" in result.output


def test_render_writes_exports_overlays_and_report(
    sample_photos: Path, tmp_path: Path, env: dict[str, str]
) -> None:
    catalog = json.loads((sample_photos / "catalog.json").read_text())
    entry = next(e for e in catalog if e["type"] == "pendant")
    out = tmp_path / "render"
    args = ["render", str(sample_photos / entry["file"]), "--type", "pendant"]
    args += ["--size", entry["size_text"], "--variations", "2", "--seed", "7", "--out", str(out)]
    result = CliRunner().invoke(main, args, env=env)
    assert result.exit_code == 0, result.output
    assert "tier" in result.output and "template" in result.output

    report = json.loads((out / "report.json").read_text())
    assert [v["seed"] for v in report["variations"]] == [7, 8]
    for index, variation in enumerate(report["variations"], start=1):
        folder = out / f"variation-{index}"
        assert (folder / "qa-overlay.png").is_file()
        for platform in ("shopify", "etsy", "amazon", "instagram"):
            exported = Image.open(folder / f"{platform}.jpg")
            size = variation["exports"][platform]
            assert exported.size == (size["width"], size["height"])
            if size["scale"] > 1.0:  # Etsy's 2000 px short side from a smaller template
                assert f"{platform} {size['scale']:.2f}x" in result.output
        names = {c["name"] for c in variation["checks"]}
        assert {"scale_error_pct", "metal_colour_de2000", "contact_shadow", "halo"} <= names


def test_inspect_prints_findings_as_json(sample_photos: Path, env: dict[str, str]) -> None:
    photo = next(sample_photos.glob("ring-*.jpg"))
    result = CliRunner().invoke(main, ["inspect", str(photo), "--json"], env=env)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    codes = {f["code"] for f in report["findings"]}
    assert {"long_edge", "plain_background", "white_balance", "sharpness"} <= codes
