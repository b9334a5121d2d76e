"""The GraphQL documents adorn ships: their files, names and shared shapes (no schema needed)."""

from __future__ import annotations

from importlib import resources

import pytest
from graphql import FieldNode, OperationDefinitionNode, parse, print_ast

from integrations.shopify.api_version import ADMIN_API_VERSION
from integrations.shopify.documents import DOCUMENT_NAMES, load_document


def test_document_names_list_every_file() -> None:
    folder = resources.files("integrations.shopify") / "graphql"
    on_disk = {entry.name.removesuffix(".graphql") for entry in folder.iterdir()}
    assert set(DOCUMENT_NAMES) == on_disk


@pytest.mark.parametrize("name", DOCUMENT_NAMES)
def test_each_file_holds_one_operation_named_after_it(name: str) -> None:
    definitions = parse(load_document(name)).definitions
    assert len(definitions) == 1
    operation = definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    assert operation.name is not None
    assert operation.name.value == name.title().replace("_", "")


def test_unknown_document_is_refused() -> None:
    with pytest.raises(ValueError, match="Unknown Shopify GraphQL document"):
        load_document("products_create")


def _product_selection(name: str, path: tuple[str, ...]) -> str:
    operation = parse(load_document(name)).definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    selection = operation.selection_set
    for field_name in path:
        field = next(
            s
            for s in selection.selections
            if isinstance(s, FieldNode) and s.name.value == field_name
        )
        assert field.selection_set is not None
        selection = field.selection_set
    return print_ast(selection)


def test_catalog_page_and_single_product_select_the_same_fields() -> None:
    page = _product_selection("products_page", ("products", "nodes"))
    single = _product_selection("product", ("product",))
    assert page == single
    for field in ("handle", "productType", "descriptionHtml", "sku", "altText", "updatedAt"):
        assert field in page


def test_api_version_is_a_pinned_stable_release() -> None:
    year, month = ADMIN_API_VERSION.split("-")
    # Shopify releases stable versions quarterly: January, April, July, October.
    assert len(year) == 4 and year.isdigit()
    assert month in {"01", "04", "07", "10"}
