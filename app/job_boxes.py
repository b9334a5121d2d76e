"""The progress boxes a page shows: the jobs its link names and the shop's jobs still running,
each with what it is doing and where it stood when the page was rendered.

static/progress.js polls each box's status and, when a job it saw running ends, refreshes the
page's live parts (the elements marked data-refresh), so finished work shows without a reload.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session, col, select

from app.progress import job_id_for, job_token
from jobs.api import job_status, sync_job_id
from jobs.queues import JobStatus, UnknownJobError, generate_job_id, publish_job_id
from models.enums import ImageStatus, ProductStatus, RunStatus
from models.queries import get_product
from models.tables import GeneratedImage, GenerationRun, Preset, Product, Publication

PENDING_STATES = ("queued", "started")
_KINDS = (  # job id prefix -> what the box says; longest prefixes first
    ("annotate-template-", "Annotating the model photo"),
    ("generate-template-", "Generating a model photo"),
    ("unpublish-", "Removing adorn's images from"),
    ("publish-", "Publishing to"),
    ("generate-", "Generating"),
    ("describe-", "Writing the listing copy for"),
    ("sync-", "Syncing the catalog"),
)


@dataclass(frozen=True)
class JobBox:
    """One job's progress box, as it stood when the page was rendered."""

    token: str
    label: str
    status: JobStatus


def job_boxes(
    shop_id: int,
    tokens: Iterable[str],
    running_job_ids: Iterable[str] = (),
    session: Session | None = None,
) -> list[JobBox]:
    """Boxes for the jobs named by `tokens` (the shop's own; others are left out) and for
    `running_job_ids` still queued or running, each job once, with its label and status."""
    job_ids = [job_id for t in tokens if (job_id := job_id_for(shop_id, t)) is not None]
    boxes: list[JobBox] = []
    for job_id in dict.fromkeys([*job_ids, *running_job_ids]):
        try:
            status = job_status(job_id)
        except UnknownJobError:
            continue
        if job_id not in job_ids and status.state not in PENDING_STATES:
            continue
        boxes.append(JobBox(job_token(shop_id, job_id), _label(job_id, shop_id, session), status))
    return boxes


def running_job_ids(
    session: Session, shop_id: int, destination: str, product_id: int | None = None
) -> list[str]:
    """Jobs of the shop (or one product) that may still be running: its catalog sync, the runs
    started and not finished, the automatic generation of products not generated yet, and the
    automatic publishing of images a preset approved that are not published yet."""
    only_product = [Product.id == product_id] if product_id is not None else []
    runs = session.exec(
        select(GenerationRun.job_id)
        .join(Product, col(Product.id) == col(GenerationRun.product_id))
        .where(
            Product.shop_id == shop_id,
            col(GenerationRun.status).in_([RunStatus.QUEUED, RunStatus.RUNNING]),
            col(GenerationRun.job_id).is_not(None),
            *only_product,
        )
    )
    waiting = session.exec(
        select(Product.id).where(
            Product.shop_id == shop_id,
            col(Product.status).in_([ProductStatus.NEW, ProductStatus.GENERATING]),
            col(Product.deleted_at).is_(None),
            *only_product,
        )
    )
    unpublished = session.exec(
        select(Product.id)
        .distinct()
        .join(GeneratedImage, col(GeneratedImage.product_id) == col(Product.id))
        .join(GenerationRun, col(GenerationRun.id) == col(GeneratedImage.run_id))
        .join(Preset, col(Preset.id) == col(GenerationRun.preset_id))
        .outerjoin(
            Publication,
            (col(Publication.generated_image_id) == col(GeneratedImage.id))
            & (col(Publication.destination) == destination),
        )
        .where(
            Product.shop_id == shop_id,
            col(Preset.auto_publish).is_(True),
            GeneratedImage.status == ImageStatus.APPROVED,
            col(Publication.id).is_(None),
            *only_product,
        )
    )
    job_ids = [] if product_id is not None else [sync_job_id(shop_id)]
    job_ids += [job_id for job_id in runs if job_id]
    job_ids += [generate_job_id(pid, None) for pid in waiting if pid is not None]
    job_ids += [publish_job_id(pid, [destination]) for pid in unpublished if pid is not None]
    return job_ids


def _label(job_id: str, shop_id: int, session: Session | None) -> str:
    kind, rest = next(
        (
            (label, job_id.removeprefix(prefix))
            for prefix, label in _KINDS
            if job_id.startswith(prefix)
        ),
        ("Working", ""),
    )
    if job_id.startswith(("sync-", "annotate-template-", "generate-template-")) or session is None:
        return kind
    product_id, _, tail = rest.partition("-")
    product = get_product(session, shop_id, int(product_id)) if product_id.isdigit() else None
    subject = product.title if product is not None else "a product"
    if job_id.startswith(("publish-", "unpublish-")):
        return f"{kind} {tail.replace('+', ', ')}: {subject}"
    return f"{kind} {subject}"
