"""The `adorn` command line: inspect and render product photos, manage model templates, make samples,
run the web app and the workers."""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import click
from tqdm import tqdm

from app.cli_tables import format_table
from core.settings import Settings
from imaging.errors import ImagingError
from imaging.generate.request import MAX_SEED, AgeRange, Background, LightDirection, Styling
from imaging.image_io import WORKING_LONG_EDGE_PX, load_image
from imaging.inspect import inspect_photo
from imaging.jewelry import REGION_FOR_TYPE, BodyRegion, JewelryType
from imaging.output_folder import check_out_dir, write_render_outputs
from imaging.platforms import PLATFORMS, get_platform
from imaging.render import RenderPipeline, RenderResult
from imaging.size_text import parse_product_spec
from imaging.template import check_name
from imaging.template_library import ensure_library, find_template, list_templates


class AdornGroup(click.Group):
    """Turns bad input (ImagingError, ValueError) into a one-line error and exit status 1."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (ImagingError, ValueError, OSError) as exc:
            raise click.ClickException(str(exc)) from None
        except click.UsageError as exc:
            exc.ctx = None  # the error alone, on one line, without the usage block above it
            raise


@contextlib.contextmanager
def _native_logs_silenced() -> Iterator[None]:
    """mediapipe's C++ side writes INFO and WARNING lines straight to file descriptor 2, above
    the one line the seller needs. A command line runs one thing at a time, so it can mute them."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


@click.group(cls=AdornGroup)
def main() -> None:
    """adorn: on-model photos of a jewelry seller's own pieces, at true scale, with measured QA."""


@main.command()
@click.argument("photo", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def inspect(photo: Path, as_json: bool) -> None:
    """Grade a product photo against the preparation checklist."""
    settings = Settings.from_env()
    image = load_image(photo, settings.max_source_pixels, long_edge_cap=WORKING_LONG_EDGE_PX)
    report = inspect_photo(image)
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
        return
    rows = [[f.code, f.status, _value(f.value, f.unit), f.message] for f in report.findings]
    click.echo(format_table(["check", "status", "value", "what to do"], rows))
    click.echo(f"grade: {report.grade}")


@main.command()
@click.argument("photo", type=click.Path(path_type=Path))
@click.option(
    "--type",
    "jewelry_type",
    required=True,
    type=click.Choice([t.value for t in JewelryType]),
    help="What the piece is.",
)
@click.option(
    "--size", "size_text", default="", help='Size text, e.g. "18 inch chain, pendant 15 mm".'
)
@click.option(
    "--template", "template_names", multiple=True, help="Template name or JSON path (repeatable)."
)
@click.option(
    "--variations", default=None, type=click.IntRange(1, 12), help="Variations to render."
)
@click.option(
    "--platforms", default=",".join(PLATFORMS), show_default=True, help="Comma-separated."
)
@click.option(
    "--seed",
    default=0,
    show_default=True,
    type=click.IntRange(min=0),
    help="Base seed; variation i uses seed+i.",
)
@click.option(
    "--out", "out_dir", required=True, type=click.Path(path_type=Path), help="Output folder."
)
def render(
    photo: Path,
    jewelry_type: str,
    size_text: str,
    template_names: Sequence[str],
    variations: int | None,
    platforms: str,
    seed: int,
    out_dir: Path,
) -> None:
    """Render a product photo on model templates, check it and export it per platform."""
    check_out_dir(out_dir)  # before the work, not after it
    settings = Settings.from_env()
    kind = JewelryType(jewelry_type)
    spec = parse_product_spec(size_text, kind)
    platform_specs = [get_platform(name.strip()) for name in platforms.split(",") if name.strip()]
    ensure_library(settings.templates_dir)
    if template_names:
        templates = [find_template(settings.templates_dir, name) for name in template_names]
    else:
        templates = list_templates(settings.templates_dir, REGION_FOR_TYPE[kind])
    image = load_image(photo, settings.max_source_pixels, long_edge_cap=WORKING_LONG_EDGE_PX)
    count = variations or settings.variations

    with tqdm(total=count + 1, desc="render", unit="step", file=sys.stderr) as bar:
        pipeline = RenderPipeline(templates, platform_specs)
        result = pipeline(
            image, spec, variations=count, seed=seed, progress=lambda _: bar.update(1)
        )
        bar.update(bar.total - bar.n)
    report_path = write_render_outputs(result, out_dir)
    click.echo(_render_summary(result))
    click.echo(f"outputs: {report_path.parent}")


@main.group()
def templates() -> None:
    """Model templates: photos of people annotated with where each piece goes."""


@templates.command("add")
@click.argument("photo", type=click.Path(path_type=Path))
@click.option("--region", required=True, type=click.Choice([r.value for r in BodyRegion]))
@click.option("--name", default=None, help="Template name (default: the photo's file name).")
@click.option(
    "--set", "overrides", multiple=True, help="Override a field, e.g. --set px_per_mm=9.5."
)
def templates_add(photo: Path, region: str, name: str | None, overrides: Sequence[str]) -> None:
    """Annotate a model photo and add it to the template library."""
    from imaging.annotate import annotate_photo

    settings = Settings.from_env()
    name = name or re.sub(r"[^a-z0-9_-]+", "-", photo.stem.lower()).strip("-_")[:64]
    check_name(name)
    if (settings.templates_dir / f"{name}.json").exists():
        raise ValueError(f"a template named {name} exists: choose another --name")
    image = load_image(photo, settings.max_source_pixels, long_edge_cap=WORKING_LONG_EDGE_PX)
    with _native_logs_silenced():
        template = annotate_photo(image.rgb, BodyRegion(region), name, _parse_overrides(overrides))
    path = template.save(settings.templates_dir)
    a = template.annotation
    click.echo(
        f"added {template.name}: {a.region} at {a.px_per_mm:.2f} px/mm ({a.scale_source}) -> {path}"
    )
    for note in a.notes:
        click.echo(f"  note: {note}")


@templates.command("generate")
@click.option("--region", required=True, type=click.Choice([r.value for r in BodyRegion]))
@click.option(
    "--skin-tone",
    required=True,
    type=click.IntRange(1, 10),
    help="Monk scale: 1 lightest, 10 deepest.",
)
@click.option(
    "--age-range",
    default=AgeRange.ADULT.value,
    show_default=True,
    type=click.Choice([a.value for a in AgeRange]),
)
@click.option(
    "--styling",
    default=Styling.MINIMAL.value,
    show_default=True,
    type=click.Choice([s.value for s in Styling]),
)
@click.option(
    "--light",
    default=LightDirection.LEFT.value,
    show_default=True,
    type=click.Choice([d.value for d in LightDirection]),
    help="Where the key light comes from.",
)
@click.option(
    "--background",
    default=Background.LIGHT_GREY.value,
    show_default=True,
    type=click.Choice([b.value for b in Background]),
)
@click.option(
    "--seed",
    default=0,
    show_default=True,
    type=click.IntRange(0, MAX_SEED),
    help="Attempt 1 uses it; retries derive theirs from it.",
)
@click.option(
    "--name", default=None, help="Template name (default: derived from the description and seed)."
)
@click.option(
    "--model",
    default=None,
    help="Local diffusers folder or hub id of an SDXL-class text-to-image model.",
)
@click.option("--device", default="auto", show_default=True, help="auto, cpu or cuda[:N].")
@click.option("--size", default=1024, show_default=True, type=click.IntRange(64, 2048))
@click.option("--steps", default=30, show_default=True, type=click.IntRange(1, 200))
@click.option(
    "--attempts",
    default=4,
    show_default=True,
    type=click.IntRange(1, 20),
    help="Candidates to try before giving up.",
)
def templates_generate(
    region: str,
    skin_tone: int,
    age_range: str,
    styling: str,
    light: str,
    background: str,
    seed: int,
    name: str | None,
    model: str | None,
    device: str,
    size: int,
    steps: int,
    attempts: int,
) -> None:
    """Generate a model photo from a description, annotate it and add it to the template library."""
    from imaging.generate.request import TemplateRequest

    settings = Settings.from_env()
    request = TemplateRequest.parse(region, skin_tone, age_range, styling, light, background)
    if model is None:
        raise click.ClickException(
            "no text-to-image model configured: pass --model with a local diffusers folder or "
            "the hub id of an SDXL-class model"
        )
    from imaging.diffusion.config import DiffusionConfig
    from imaging.diffusion.loading import PipelineUnavailable, load_pipeline
    from imaging.generate.generator import TemplateGenerator

    try:
        pipeline = load_pipeline("text2image", DiffusionConfig(model=model, device=device))
    except PipelineUnavailable as exc:
        raise click.ClickException(str(exc)) from None
    generator = TemplateGenerator(pipeline, model, size=size, steps=steps, max_attempts=attempts)
    result = generator(
        request, seed, name=name, progress=lambda attempt: click.echo(attempt.describe(), err=True)
    )
    path = result.template.save(settings.templates_dir)
    a = result.template.annotation
    click.echo(
        f"added {result.template.name}: {a.region} at {a.px_per_mm:.2f} px/mm ({a.scale_source}), "
        f"seed {result.seed} -> {path}"
    )


@templates.command("list")
def templates_list() -> None:
    """List the template library."""
    settings = Settings.from_env()
    ensure_library(settings.templates_dir)
    rows = [
        [
            t.name,
            t.annotation.region,
            f"{t.annotation.px_per_mm:.2f}",
            t.annotation.scale_source,
            t.annotation.source,
        ]
        for t in list_templates(settings.templates_dir)
    ]
    click.echo(format_table(["name", "region", "px/mm", "scale from", "annotated"], rows))


@main.command()
@click.argument("out_dir", type=click.Path(path_type=Path))
def samples(out_dir: Path) -> None:
    """Write adorn's generated sample product photos (one per kind) and catalog.json to OUT_DIR."""
    from imaging.samples.catalog import write_sample_photos

    entries = write_sample_photos(out_dir)
    rows = [[e["file"], e["type"], e["size_text"]] for e in entries]
    click.echo(format_table(["photo", "type", "size text"], rows))
    click.echo(f"catalog: {out_dir / 'catalog.json'}")


@main.command()
@click.option("--products", default=24, show_default=True, help="Sample products per shop.")
@click.option("--shopify-port", default=8610, show_default=True)
@click.option("--etsy-port", default=8611, show_default=True)
@click.option(
    "--redirect-url",
    "redirect_urls",
    multiple=True,
    default=(
        "http://127.0.0.1:8600/auth/shopify/callback",
        "http://127.0.0.1:8600/auth/etsy/callback",
    ),
    show_default=True,
    help="OAuth callback the registered app may use (repeatable).",
)
def sandbox(products: int, shopify_port: int, etsy_port: int, redirect_urls: Sequence[str]) -> None:
    """Run local Shopify and Etsy stores seeded with sample jewelry, until Ctrl-C."""
    from integrations.sandbox.stores import start_sandbox_stores

    settings = Settings.from_env()
    click.echo(f"seeding {products} products per store...")
    stores = start_sandbox_stores(
        settings.specs_dir,
        tuple(redirect_urls),
        products=products,
        shopify_port=shopify_port,
        etsy_port=etsy_port,
    )
    shopify_app, etsy_app = stores.shopify_state.app, stores.etsy_state.app
    rows = [
        [
            "shopify",
            stores.shop_url,
            f"client id {shopify_app.client_id}",
            shopify_app.client_secret,
        ],
        ["etsy", stores.etsy.base_url, f"keystring {etsy_app.keystring}", etsy_app.shared_secret],
    ]
    click.echo(format_table(["store", "base url", "app", "secret"], rows))
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        click.echo("stopping")
    finally:
        stores.stop()


@main.command()
@click.option("--products", default=8, show_default=True, type=click.IntRange(1, 48))
@click.option(
    "--variations", default=None, type=click.IntRange(1, 12), help="Per product (default 3)."
)
@click.option("--photo-px", default=1600, show_default=True, type=click.IntRange(400, 4000))
@click.option("--port", default=0, type=int, help="The app's loopback port (default: any free).")
@click.option(
    "--keep-serving",
    is_flag=True,
    help="Keep the app and sandbox shop up afterwards, to look around.",
)
def demo(
    products: int, variations: int | None, photo_px: int, port: int, keep_serving: bool
) -> None:
    """Install adorn into a local sandbox shop and run the whole flow: no keys, no services."""
    from app.demo import DemoResult, format_summary, run_demo

    def show(result: DemoResult, install_url: str) -> None:
        click.echo(format_summary(result))
        if keep_serving:
            click.echo(f"open {install_url} to sign in (Ctrl-C stops)")
            with contextlib.suppress(KeyboardInterrupt):
                threading.Event().wait()

    settings = Settings.from_env()
    click.echo(f"data: {settings.data_dir}; jobs run in-process", err=True)
    run_demo(settings, products, variations, photo_px, port, after=show)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8600, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Run the web app with Flask's server (local use; production: gunicorn, see Procfile)."""
    from app import create_app

    create_app(Settings.from_env()).run(host=host, port=port, threaded=True)


@main.command()
@click.option(
    "--queue",
    "queue_name",
    default="default",
    show_default=True,
    type=click.Choice(["default", "gpu"]),
    help="default: sync, describe, publish, webhooks; gpu: generate.",
)
def worker(queue_name: str) -> None:
    """Run an RQ worker for one queue (needs REDIS_URL)."""
    from jobs.worker import run_worker

    settings = Settings.from_env()
    if settings.redis_url is None:
        raise click.ClickException("a worker needs REDIS_URL: without it jobs run in the web app")
    run_worker(settings, [queue_name])


@main.command()
def clock() -> None:
    """Enqueue the timed jobs (the Etsy poll) on Redis until stopped; several clocks may run."""
    from jobs.schedule import run_clock

    settings = Settings.from_env()
    if settings.redis_url is None:
        raise click.ClickException("the clock needs REDIS_URL: without it the web app runs it")
    run_clock(settings)


def _render_summary(result: RenderResult) -> str:
    rows = []
    for rendered in result.variations:
        checks = {c.name: c for c in rendered.qa.checks}
        failed = ", ".join(c.name for c in rendered.qa.failed()) or "-"
        scale = checks.get("scale_error_pct")
        colour = checks.get("metal_colour_de2000")
        rows.append(
            [
                str(rendered.variation.index + 1),
                rendered.variation.template.name,
                str(rendered.variation.seed),
                rendered.qa.tier.value,
                f"{scale.value:.1f} %" if scale else "-",
                f"{colour.value:.2f}" if colour else "-",
                failed,
            ]
        )
    table = format_table(["#", "template", "seed", "tier", "scale err", "metal dE", "failed"], rows)
    lines = [
        f"{result.spec.jewelry_type.value}: source photo grade {result.inspection.grade}",
        table,
    ]
    if result.spec.assumed:
        lines.append(f"assumed typical sizes for: {', '.join(result.spec.assumed)}")
    upscaled: dict[str, float] = {}
    for rendered in result.variations:
        for name, exported in rendered.exports.items():
            if exported.scale > 1.0:
                upscaled[name] = max(upscaled.get(name, 1.0), exported.scale)
    if upscaled:
        scales = ", ".join(f"{name} {scale:.2f}x" for name, scale in sorted(upscaled.items()))
        lines.append(
            f"upscaled to reach the platform's minimum size: {scales} (a larger template avoids it)"
        )
    if result.verdict:
        lines.append(result.verdict)
    return "\n".join(lines)


def _value(value: float | str, unit: str) -> str:
    if isinstance(value, float):
        return f"{value:.3g} {unit}".strip()
    return f"{value} {unit}".strip()


def _parse_overrides(pairs: Sequence[str]) -> dict[str, object]:
    """--set key=value pairs; values are JSON when they parse as JSON, else strings."""
    overrides: dict[str, object] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep:
            raise ValueError(f"--set needs key=value, got {pair!r}")
        try:
            overrides[key.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            overrides[key.strip()] = raw
    return overrides
