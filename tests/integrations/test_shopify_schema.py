"""Every document adorn sends validates against Shopify's Admin schema, without deprecations."""

from __future__ import annotations

import pytest
from graphql import GraphQLSchema

from integrations.contracts.shopify_schema import validate_document, validate_variables
from integrations.shopify.documents import DOCUMENT_NAMES, load_document


@pytest.mark.parametrize("name", DOCUMENT_NAMES)
def test_document_is_valid_and_uses_nothing_deprecated(
    shopify_schema: GraphQLSchema, name: str
) -> None:
    assert validate_document(shopify_schema, load_document(name)) == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            'mutation { productCreateMedia(productId: "gid://shopify/Product/1", media: []) '
            "{ media { id } } }",
            "Mutation.productCreateMedia is deprecated",
        ),
        ("{ shop { plan { displayName } } }", "ShopPlan.displayName is deprecated"),
        (
            'mutation { productUpdate(input: {id: "gid://shopify/Product/1"}) { product { id } } }',
            "is deprecated. Use `product` instead.",
        ),
        (
            "mutation { webhookSubscriptionCreate(topic: PRODUCTS_UPDATE, "
            'webhookSubscription: {callbackUrl: "https://adorn.example/webhooks"}) '
            "{ userErrors { message } } }",
            "WebhookSubscriptionInput.callbackUrl is deprecated",
        ),
        ("{ themes(first: 1, roles: [MOBILE]) { nodes { id } } }", "ThemeRole.MOBILE"),
    ],
    ids=["field", "nested-field", "argument", "input-field", "enum-value"],
)
def test_deprecated_usage_is_rejected(
    shopify_schema: GraphQLSchema, source: str, expected: str
) -> None:
    errors = validate_document(shopify_schema, source)
    assert len(errors) == 1
    assert expected in errors[0]


def test_unknown_field_is_rejected_with_its_place(shopify_schema: GraphQLSchema) -> None:
    errors = validate_document(shopify_schema, "{ shop { name\n  myshopifyUrl } }")
    assert errors == ["Cannot query field 'myshopifyUrl' on type 'Shop'. (line 2 column 3)"]


def test_syntax_error_is_reported_not_raised(shopify_schema: GraphQLSchema) -> None:
    errors = validate_document(shopify_schema, "{ shop { name }")
    assert len(errors) == 1
    assert errors[0].startswith("Syntax Error")


def test_publish_variables_are_accepted(shopify_schema: GraphQLSchema) -> None:
    variables = {
        "product": {"id": "gid://shopify/Product/1", "descriptionHtml": "<p>18 mm pendant</p>"},
        "media": [
            {
                "originalSource": "https://shopify-staged-uploads.storage.googleapis.com/tmp/a.png",
                "alt": "Pendant worn on a model",
                "mediaContentType": "IMAGE",
            }
        ],
    }
    assert validate_variables(shopify_schema, load_document("product_update"), variables) == []


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({}, "'ProductUpdateInput!'"),
        (
            {"product": {"id": "gid://shopify/Product/1", "bodyHtml": "<p>x</p>"}},
            "'bodyHtml'",
        ),
        (
            {"product": {"id": "gid://shopify/Product/1"}, "media": [{"mediaContentType": "GIF"}]},
            "'MediaContentType'",
        ),
    ],
    ids=["missing", "unknown-input-field", "bad-enum"],
)
def test_bad_publish_variables_are_rejected(
    shopify_schema: GraphQLSchema, variables: dict[str, object], expected: str
) -> None:
    errors = validate_variables(shopify_schema, load_document("product_update"), variables)
    assert len(errors) == 1
    assert expected in errors[0]


def test_deprecated_input_field_in_variables_is_rejected(shopify_schema: GraphQLSchema) -> None:
    source = (
        "mutation Subscribe($subscription: WebhookSubscriptionInput!) {"
        " webhookSubscriptionCreate(topic: PRODUCTS_UPDATE, webhookSubscription: $subscription)"
        " { userErrors { message } } }"
    )
    assert validate_document(shopify_schema, source) == []
    good = {"subscription": {"uri": "https://adorn.example/webhooks", "format": "JSON"}}
    assert validate_variables(shopify_schema, source, good) == []
    old = {"subscription": {"callbackUrl": "https://adorn.example/webhooks"}}
    assert validate_variables(shopify_schema, source, old) == [
        "$subscription.callbackUrl: the input field WebhookSubscriptionInput.callbackUrl is "
        "deprecated. Use `uri` instead."
    ]


def test_deprecated_enum_value_in_variables_is_rejected(shopify_schema: GraphQLSchema) -> None:
    source = (
        "query Themes($roles: [ThemeRole!]) { themes(first: 1, roles: $roles) { nodes { id } } }"
    )
    assert validate_variables(shopify_schema, source, {"roles": ["MAIN"]}) == []
    errors = validate_variables(shopify_schema, source, {"roles": ["MAIN", "MOBILE"]})
    assert len(errors) == 1
    assert errors[0].startswith("$roles[1]: the enum value ThemeRole.MOBILE is deprecated.")


def test_variables_follow_the_named_operation(shopify_schema: GraphQLSchema) -> None:
    source = load_document("shop") + load_document("media_status")
    assert validate_variables(shopify_schema, source, {"ids": []}, "MediaStatus") == []
    missing = validate_variables(shopify_schema, source, {}, "MediaStatus")
    assert len(missing) == 1
    assert "'$ids'" in missing[0] and "'[ID!]!'" in missing[0]
    assert validate_variables(shopify_schema, source, {}) == [
        "An operation name is required when the document holds several operations."
    ]
