"""The migrated schema matches the tables, on SQLite and PostgreSQL; types round-trip."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Engine, Integer, MetaData, inspect, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlmodel import SQLModel, select

from models.db import MIGRATIONS_DIR, make_engine, migrate, session_scope
from models.enums import ProductStatus, ShopPlatform
from models.tables import Product, Shop, Template


def _head_revision() -> str | None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config).get_current_head()


def _schema_differences(engine: Engine, metadata: MetaData) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))


def test_migrations_create_exactly_the_tables(migrated_engine: Engine) -> None:
    with migrated_engine.connect() as connection:
        revision = MigrationContext.configure(connection).get_current_revision()
    assert revision == _head_revision() == "0002"
    assert _schema_differences(migrated_engine, SQLModel.metadata) == []


def test_schema_comparison_notices_a_difference(migrated_engine: Engine) -> None:
    """Guards the test above: a column the migrations lack must show up as a difference."""
    altered = MetaData(naming_convention=SQLModel.metadata.naming_convention)
    for table in SQLModel.metadata.sorted_tables:
        table.to_metadata(altered)
    altered.tables["products"].append_column(Column("weight_g", Integer))
    differences = _schema_differences(migrated_engine, altered)
    assert [diff[0] for diff in differences if isinstance(diff, tuple)] == ["add_column"]


def test_check_constraints_match_the_tables(migrated_engine: Engine) -> None:
    """compare_metadata skips CHECK constraints: compare their names with create_all's."""
    reference = make_engine("sqlite://")
    SQLModel.metadata.create_all(reference)
    found_names: set[str | None] = set()
    for table in SQLModel.metadata.sorted_tables:
        expected = {c["name"] for c in inspect(reference).get_check_constraints(table.name)}
        found = {c["name"] for c in inspect(migrated_engine).get_check_constraints(table.name)}
        assert found == expected, table.name
        found_names |= found
    reference.dispose()
    assert "ck_products_product_status" in found_names


def test_migrating_again_changes_nothing(migrated_engine: Engine) -> None:
    migrate(migrated_engine)
    assert _schema_differences(migrated_engine, SQLModel.metadata) == []


def test_downgrade_to_empty_and_back(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'roundtrip.db'}"
    migrate(url)
    engine = make_engine(url)
    with engine.begin() as connection:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    migrate(engine)
    assert _schema_differences(engine, SQLModel.metadata) == []
    engine.dispose()


def test_sqlite_connections_enforce_foreign_keys_in_wal_mode(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'pragmas.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()


def test_bare_postgresql_urls_use_psycopg() -> None:
    engine = make_engine("postgresql://adorn@db.internal:5432/adorn")
    assert engine.dialect.driver == "psycopg"
    assert engine.pool.size() == 5  # type: ignore[attr-defined]
    engine.dispose()


def test_foreign_keys_are_enforced(engine: Engine) -> None:
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        session.add(Product(shop_id=999_999, remote_id="1", title="orphan"))


def test_json_fields_round_trip(engine: Engine) -> None:
    spec = {"chain_length_mm": 450.0, "pendant": {"width_mm": 12.5, "height_mm": 18}}
    options = [{"name": "Length", "values": ["40 cm", "45 cm"]}, {"name": "Métal", "values": []}]
    with session_scope(engine) as session:
        shop = Shop(platform=ShopPlatform.ETSY, remote_id="12345", name="Atelier", scopes=["r"])
        session.add(shop)
        session.flush()
        assert shop.id is not None
        session.add_all(
            [
                Product(
                    shop_id=shop.id,
                    remote_id="with-spec",
                    title="Pendant",
                    stones=["sapphire", "diamond"],
                    tags=["gold", "pendant ✨"],
                    options=options,
                    physical_spec=spec,
                ),
                Product(shop_id=shop.id, remote_id="without-spec", title="Ring"),
            ]
        )
    with session_scope(engine) as session:
        products = {p.remote_id: p for p in session.exec(select(Product))}
        assert products["with-spec"].physical_spec == spec
        assert products["with-spec"].options == options
        assert products["with-spec"].stones == ["sapphire", "diamond"]
        assert products["with-spec"].tags == ["gold", "pendant ✨"]
        assert products["without-spec"].physical_spec is None
        assert products["without-spec"].tags == []
        # None is SQL NULL, not the JSON text 'null'.
        null_specs = session.connection().execute(
            text("SELECT remote_id FROM products WHERE physical_spec IS NULL")
        )
        assert [row[0] for row in null_specs] == ["without-spec"]


def test_datetimes_are_stored_and_read_as_utc(engine: Engine) -> None:
    paris_summer = timezone(timedelta(hours=2))
    updated = datetime(2025, 7, 1, 14, 30, tzinfo=paris_summer)
    with session_scope(engine) as session:
        shop = Shop(platform=ShopPlatform.SHOPIFY, remote_id="tz.myshopify.com", name="tz")
        session.add(shop)
        session.flush()
        assert shop.id is not None
        session.add(Product(shop_id=shop.id, remote_id="1", title="t", remote_updated_at=updated))
    with session_scope(engine) as session:
        product = session.exec(select(Product)).one()
        assert product.remote_updated_at == updated
        assert product.remote_updated_at is not None
        assert product.remote_updated_at.tzinfo == UTC
        assert product.remote_updated_at.hour == 12
        assert product.created_at.tzinfo == UTC
        first_updated_at = product.updated_at
        product.status = ProductStatus.READY
    with session_scope(engine) as session:
        assert session.exec(select(Product)).one().updated_at > first_updated_at


def test_naive_datetimes_are_refused(engine: Engine) -> None:
    with pytest.raises(StatementError, match="naive datetime"), session_scope(engine) as session:
        session.add(
            Shop(
                platform=ShopPlatform.ETSY,
                remote_id="1",
                name="n",
                installed_at=datetime(2025, 1, 1),
            )
        )


def test_status_columns_reject_unknown_values(engine: Engine) -> None:
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO shops (platform, remote_id, name, scopes, installed_at, auto_generate,"
                " created_at, updated_at) VALUES ('amazon', 'x', 'x', '[]', :now, true, :now, :now)"
            ),
            {"now": datetime.now(UTC)},
        )


def test_library_template_names_are_unique(engine: Engine) -> None:
    with session_scope(engine) as session:
        shop = Shop(platform=ShopPlatform.SHOPIFY, remote_id="t.myshopify.com", name="t")
        session.add(shop)
        session.flush()
        session.add_all(
            [
                Template(name="neck-1", region="neck", photo_path="a.png", source="sample"),
                Template(
                    shop_id=shop.id, name="neck-1", region="neck", photo_path="b.png", source="x"
                ),
            ]
        )
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        session.add(Template(name="neck-1", region="neck", photo_path="c.png", source="sample"))
