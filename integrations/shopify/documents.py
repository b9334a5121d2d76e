"""The Admin GraphQL documents adorn sends, one operation per `.graphql` file in graphql/."""

from __future__ import annotations

from importlib import resources

DOCUMENT_NAMES: tuple[str, ...] = (
    "file_delete",
    "media_status",
    "product",
    "product_update",
    "products_page",
    "shop",
    "staged_uploads_create",
    "webhook_subscription_create",
)


def load_document(name: str) -> str:
    """Return the source of graphql/<name>.graphql; `name` must be one of DOCUMENT_NAMES."""
    if name not in DOCUMENT_NAMES:
        raise ValueError(f"Unknown Shopify GraphQL document {name!r}.")
    return (resources.files("integrations.shopify") / "graphql" / f"{name}.graphql").read_text(
        encoding="utf-8"
    )
