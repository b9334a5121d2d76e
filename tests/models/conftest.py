"""Databases for the models tests: a fresh PostgreSQL database and a SQLite file, both migrated
from empty through models.db.migrate(), and a builder for a shop with one of everything."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from uuid import uuid4

import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, SQLModel

from models.db import make_engine, migrate, session_scope
from models.enums import CopySource, PublicationStatus, ShopPlatform
from models.tables import (
    GeneratedImage,
    GenerationRun,
    ListingCopy,
    Preset,
    Product,
    Publication,
    Shop,
    SourcePhoto,
    Template,
)

POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL database created for this test session and dropped after it."""
    admin = create_engine(
        POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )
    try:
        admin_connection = admin.connect()
    except OperationalError as exc:
        admin.dispose()
        pytest.skip(f"PostgreSQL unreachable at 127.0.0.1:5432: {exc.orig}")
    name = f"adorn_models_{uuid4().hex[:12]}"
    with admin_connection:
        admin_connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as admin_connection:
            admin_connection.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def migrated_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """An engine on an empty database brought to head by the migrations, once per backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'adorn.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    engine = make_engine(url)
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def engine(migrated_engine: Engine) -> Iterator[Engine]:
    """The migrated engine, emptied of rows after each test."""
    yield migrated_engine
    with migrated_engine.begin() as connection:
        for table in reversed(SQLModel.metadata.sorted_tables):
            connection.execute(table.delete())


@dataclass(frozen=True)
class ShopGraph:
    """The ids of a shop with one row in every table it owns."""

    shop_id: int
    product_id: int
    photo_id: int
    template_id: int
    preset_id: int
    run_id: int
    image_id: int
    copy_id: int
    publication_id: int


def _row_id(row_id: int | None) -> int:
    assert row_id is not None, "flush() assigns ids"
    return row_id


def add_shop_graph(session: Session, remote_id: str) -> ShopGraph:
    """Insert a shop with one row in every table it owns and return the ids."""
    shop = Shop(platform=ShopPlatform.SHOPIFY, remote_id=remote_id, name=remote_id)
    session.add(shop)
    session.flush()
    shop_id = _row_id(shop.id)
    product = Product(shop_id=shop_id, remote_id="gid://shopify/Product/1", title="Gold hoops")
    template = Template(
        shop_id=shop_id, name="ear-1", region="ear", photo_path=f"{remote_id}/ear.png", source="x"
    )
    preset = Preset(
        shop_id=shop_id,
        jewelry_type="earring",
        name="default",
        background_style="studio",
        crop_ratio="4:5",
        target_tier="listing",
    )
    session.add_all([product, template, preset])
    session.flush()
    product_id = _row_id(product.id)
    photo = SourcePhoto(
        product_id=product_id,
        remote_id="img-1",
        url="https://cdn.shopify.com/x.jpg",
        local_path=f"{remote_id}/source-1.jpg",
    )
    run = GenerationRun(product_id=product_id, preset_id=preset.id, base_seed=2**40)
    copy = ListingCopy(
        product_id=product_id, title="Hoops", description_html="<p>x</p>", source=CopySource.OFFLINE
    )
    session.add_all([photo, run, copy])
    session.flush()
    image = GeneratedImage(
        run_id=_row_id(run.id),
        product_id=product_id,
        variation_index=0,
        seed=2**40 + 1,
        template_name="ear-1",
        render_path=f"{remote_id}/render-0.png",
        overlay_path=f"{remote_id}/overlay-0.png",
    )
    session.add(image)
    session.flush()
    publication = Publication(
        generated_image_id=_row_id(image.id),
        destination="shopify",
        status=PublicationStatus.PUBLISHED,
    )
    session.add(publication)
    session.flush()
    return ShopGraph(
        shop_id=shop_id,
        product_id=product_id,
        photo_id=_row_id(photo.id),
        template_id=_row_id(template.id),
        preset_id=_row_id(preset.id),
        run_id=_row_id(run.id),
        image_id=_row_id(image.id),
        copy_id=_row_id(copy.id),
        publication_id=_row_id(publication.id),
    )


@pytest.fixture
def two_shops(engine: Engine) -> tuple[ShopGraph, ShopGraph]:
    """Two shops with one of everything each, committed."""
    with session_scope(engine) as session:
        return add_shop_graph(session, "one.myshopify.com"), add_shop_graph(
            session, "two.myshopify.com"
        )
