"""Root values that let graphql-core execute adorn's documents against the real Admin schema.

Objects are plain dicts read by graphql-core's default resolver; a field that takes arguments
is a callable `(info, **arguments)`. Abstract types (Node, Media) resolve by "__typename".
Only the subset adorn uses is here: anything else it selects comes back null (and an error
where the schema says non-null), which a test notices.
"""

from __future__ import annotations

import base64
import re
import time
import uuid
import zlib
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from graphql import GraphQLError

from integrations.sandbox.shopify.files import upload_signature
from integrations.sandbox.shopify.media import error_code, media_from_upload, settle
from integrations.sandbox.shopify.state import (
    SandboxMedia,
    SandboxProduct,
    SandboxShop,
    SandboxVariant,
    ShopifySandboxState,
    WebhookSubscription,
)

Node = dict[str, Any]
Item = TypeVar("Item")

_UPDATED_AT = re.compile(r"^updated_at:(>=|<=|>|<)?['\"]?([^'\"\s]+)['\"]?$")
_COMPARE: dict[str, Callable[[datetime, datetime], bool]] = {
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    "": lambda a, b: a == b,
}


class ShopGraph:
    """The query and mutation roots for one shop and one request."""

    def __init__(self, state: ShopifySandboxState, shop: SandboxShop, host_url: str) -> None:
        self._state = state
        self._shop = shop
        self._host = host_url.rstrip("/")
        self._now = time.monotonic()

    def query_root(self) -> Node:
        """QueryRoot: products, product, nodes and shop."""
        return {
            "products": self._products,
            "product": lambda info, id: self._product_node_or_none(id),
            "nodes": lambda info, ids: [self._node(node_id) for node_id in ids],
            "shop": self._shop_node(),
        }

    def mutation_root(self) -> Node:
        """Mutation: stagedUploadsCreate, productUpdate, fileDelete, webhookSubscriptionCreate."""
        return {
            "stagedUploadsCreate": self._staged_uploads_create,
            "productUpdate": self._product_update,
            "fileDelete": self._file_delete,
            "webhookSubscriptionCreate": self._webhook_subscription_create,
        }

    # --- queries ---------------------------------------------------------------------------------

    def _products(self, info: object, **arguments: Any) -> Node:
        products = sorted(self._shop.products.values(), key=_number)
        query = arguments.get("query")
        if query:
            products = [p for p in products if _matches(p, query)]
        return _connection([(_number(p), p) for p in products], arguments, self._product_node)

    def _product_node_or_none(self, product_id: str) -> Node | None:
        product = self._shop.products.get(product_id)
        return None if product is None else self._product_node(product)

    def _node(self, node_id: str) -> Node | None:
        if node_id in self._shop.products:
            return self._product_node(self._shop.products[node_id])
        found = self._find_media(node_id)
        return None if found is None else self._media_node(found[1])

    def _product_node(self, product: SandboxProduct) -> Node:
        return {
            "__typename": "Product",
            "id": product.id,
            "title": product.title,
            "handle": product.handle,
            "productType": product.product_type,
            "tags": product.tags,
            "descriptionHtml": product.description_html,
            "status": product.status.upper(),
            "createdAt": _iso(product.created_at),
            "updatedAt": _iso(product.updated_at),
            "options": [
                {
                    "name": name,
                    "position": position,
                    "values": values,
                    "optionValues": [{"name": value} for value in values],
                }
                for position, (name, values) in enumerate(product.options.items(), start=1)
            ],
            "variants": lambda info, **arguments: _connection(
                list(enumerate(product.variants)), arguments, _variant_node
            ),
            "media": lambda info, **arguments: _connection(
                list(enumerate(product.media)), arguments, self._media_node
            ),
        }

    def _media_node(self, media: SandboxMedia) -> Node:
        settle(media, self._now)
        ready = media.status == "READY"
        return {
            "__typename": "MediaImage",
            "id": media.id,
            "alt": media.alt,
            "mediaContentType": "IMAGE",
            "status": media.status,
            "mediaErrors": (
                [{"code": error_code(media), "details": None, "message": media.error}]
                if media.status == "FAILED"
                else []
            ),
            "image": (
                {
                    "url": f"{self._host}{media.url}",
                    "width": media.width,
                    "height": media.height,
                    "altText": media.alt,
                }
                if ready
                else None
            ),
        }

    def _shop_node(self) -> Node:
        return {
            "id": f"gid://shopify/Shop/{zlib.crc32(self._shop.domain.encode())}",
            "name": self._shop.name,
            "myshopifyDomain": self._shop.domain,
            "plan": {
                "displayName": "Development",
                "publicDisplayName": "Development",
                "partnerDevelopment": True,
                "shopifyPlus": False,
            },
        }

    # --- mutations -------------------------------------------------------------------------------

    def _staged_uploads_create(self, info: object, input: list[Mapping[str, Any]]) -> Node:
        targets = []
        for upload in input:
            key = f"tmp/{zlib.crc32(self._shop.domain.encode())}/{uuid.uuid4().hex}/{upload['filename']}"
            self._state.staged_uploads[key] = None
            url = f"{self._host}/sandbox/staged/{key}"
            signature = upload_signature(self._state.app.client_secret, key)
            if upload.get("httpMethod", "POST") == "PUT":
                parameters = {"content_type": upload["mimeType"], "acl": "private"}
                upload_url = f"{url}?X-Goog-Signature={signature}"
            else:
                parameters = {
                    "Content-Type": upload["mimeType"],
                    "success_action_status": "201",
                    "acl": "private",
                    "key": key,
                    "x-goog-algorithm": "GOOG4-HMAC-SHA256",
                    "x-goog-signature": signature,
                }
                upload_url = url
            targets.append(
                {
                    "url": upload_url,
                    "resourceUrl": url,
                    "parameters": [{"name": k, "value": v} for k, v in parameters.items()],
                }
            )
        return {"stagedTargets": targets, "userErrors": []}

    def _product_update(
        self,
        info: object,
        product: Mapping[str, Any],
        media: list[Mapping[str, Any]] | None = None,
    ) -> Node:
        found = self._shop.products.get(product["id"])
        if found is None:
            return _user_errors(["id"], "Product does not exist")
        for index, item in enumerate(media or ()):
            if item["mediaContentType"] != "IMAGE":
                return _user_errors(["media", str(index)], "The sandbox accepts only images")
        for field, attribute in (
            ("title", "title"),
            ("descriptionHtml", "description_html"),
            ("productType", "product_type"),
            ("handle", "handle"),
        ):
            if product.get(field) is not None:
                setattr(found, attribute, product[field])
        if product.get("tags") is not None:
            found.tags = list(product["tags"])
        for item in media or ():
            found.media.append(
                media_from_upload(self._state, self._shop, item["originalSource"], item.get("alt"))
            )
        found.updated_at = datetime.now(UTC)
        return {"product": self._product_node(found), "userErrors": []}

    def _file_delete(self, info: object, fileIds: list[str]) -> Node:
        found = {file_id: self._find_media(file_id) for file_id in fileIds}
        missing = [file_id for file_id, where in found.items() if where is None]
        if missing:
            return {
                "deletedFileIds": None,
                "userErrors": [
                    {
                        "code": "FILE_DOES_NOT_EXIST",
                        "field": ["fileIds"],
                        "message": f"File id {file_id} does not exist.",
                    }
                    for file_id in missing
                ],
            }
        for where in found.values():
            if where is not None:
                product, media = where
                product.media.remove(media)
                product.updated_at = datetime.now(UTC)
        return {"deletedFileIds": fileIds, "userErrors": []}

    def _webhook_subscription_create(
        self, info: object, topic: str, webhookSubscription: Mapping[str, Any]
    ) -> Node:
        uri = webhookSubscription["uri"]
        if any(w.topic == topic and w.uri == uri for w in self._shop.webhooks):
            return {
                "webhookSubscription": None,
                "userErrors": [
                    {
                        "field": ["webhookSubscription", "callbackUrl"],
                        "message": "Address for this topic has already been taken",
                    }
                ],
            }
        subscription = WebhookSubscription(
            id=f"gid://shopify/WebhookSubscription/{self._state.new_id()}", topic=topic, uri=uri
        )
        self._shop.webhooks.append(subscription)
        return {
            "webhookSubscription": {"id": subscription.id, "topic": topic, "uri": uri},
            "userErrors": [],
        }

    def _find_media(self, media_id: str) -> tuple[SandboxProduct, SandboxMedia] | None:
        for product in self._shop.products.values():
            for media in product.media:
                if media.id == media_id:
                    return product, media
        return None


def _variant_node(variant: SandboxVariant) -> Node:
    return {
        "id": variant.id,
        "title": variant.title,
        "sku": variant.sku,
        "selectedOptions": [
            {"name": name, "value": value} for name, value in variant.selected_options.items()
        ],
    }


def _connection(
    items: Iterable[tuple[int, Item]], arguments: Mapping[str, Any], node: Callable[[Item], Node]
) -> Node:
    """A Relay connection over items keyed by ascending integers; cursors carry the key."""
    first, last = arguments.get("first"), arguments.get("last")
    if first is None and last is None:
        raise GraphQLError("you must provide one of first or last")
    window = [
        (key, item)
        for key, item in items
        if (arguments.get("after") is None or key > _cursor_key(arguments["after"]))
        and (arguments.get("before") is None or key < _cursor_key(arguments["before"]))
    ]
    page = window[:first] if first is not None else window
    page = page[-last:] if last is not None else page
    edges = [{"cursor": _cursor(key), "node": node(item)} for key, item in page]
    has_next = bool(page) and page[-1][0] != window[-1][0]
    has_previous = arguments.get("after") is not None or (bool(page) and page[0][0] != window[0][0])
    return {
        "edges": edges,
        "nodes": [edge["node"] for edge in edges],
        "pageInfo": {
            "hasNextPage": has_next,
            "hasPreviousPage": has_previous,
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
    }


def _cursor(key: int) -> str:
    return base64.urlsafe_b64encode(f"sandbox:{key}".encode()).decode()


def _cursor_key(cursor: str) -> int:
    try:
        return int(base64.urlsafe_b64decode(cursor.encode()).decode().removeprefix("sandbox:"))
    except ValueError:
        raise GraphQLError(f"Invalid cursor for current pagination sort: {cursor}") from None


def _matches(product: SandboxProduct, query: str) -> bool:
    for term in query.split(" AND "):
        match = _UPDATED_AT.match(term.strip())
        if match is None:
            # Only the filter adorn sends is emulated; pretending to filter would hide a bug.
            raise GraphQLError(f"The sandbox supports only updated_at filters, not {term!r}")
        operator, value = match.groups()
        moment = datetime.fromisoformat(value)
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        if not _COMPARE[operator or ""](product.updated_at, moment):
            return False
    return True


def _user_errors(field: list[str], message: str) -> Node:
    return {"product": None, "userErrors": [{"field": field, "message": message}]}


def _number(product: SandboxProduct) -> int:
    return int(product.id.rsplit("/", 1)[1])


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
