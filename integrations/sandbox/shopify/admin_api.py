"""The Admin GraphQL endpoint: token check, validation against the schema file, cost, execution.

Documents are validated with the real schema (unknown or deprecated fields are errors, as in
Shopify), priced and metered with the shop's leaky bucket, then executed by graphql-core
against the same schema with the sandbox's resolvers. Every answer carries extensions.cost.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from graphql import (
    FragmentDefinitionNode,
    GraphQLSchema,
    OperationType,
    execute_sync,
    get_operation_ast,
    parse,
)
from graphql.execution.values import get_variable_values

from integrations.contracts.shopify_schema import (
    load_admin_schema,
    validate_document,
    validate_variables,
)
from integrations.sandbox.shopify.access import require_shop, require_token
from integrations.sandbox.shopify.admin_resolvers import ShopGraph
from integrations.sandbox.shopify.app import sandbox_state
from integrations.sandbox.shopify.query_cost import (
    BucketSettings,
    actual_cost,
    refill,
    refund,
    requested_cost,
    take_from_bucket,
    throttle_status,
)
from integrations.sandbox.shopify.state import SandboxShop

admin_api = Blueprint("admin_api", __name__)

# App config keys: the SDL file to validate against, and the cost bucket (BucketSettings).
SCHEMA_PATH_KEY = "SHOPIFY_SCHEMA_PATH"
BUCKET_KEY = "SHOPIFY_COST_BUCKET"


@admin_api.post("/admin/api/<version>/graphql.json")
def graphql_endpoint(shop: str, version: str) -> tuple[Response, int]:
    """POST {query, variables, operationName} as Shopify's Admin API takes it."""
    state = sandbox_state()
    with state.lock:
        if state.fail_next_requests > 0:
            state.fail_next_requests -= 1
            return jsonify(errors="Service Unavailable"), 503
    require_token(shop)
    shop_state = require_shop(shop)
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        return jsonify(errors={"query": "Required parameter missing or invalid"}), 400
    source: str = body["query"]
    variables: dict[str, Any] = body.get("variables") or {}
    operation_name: str | None = body.get("operationName")
    schema = _schema()
    bucket = _bucket()
    problems = validate_document(schema, source)
    if not problems:
        problems = validate_variables(schema, source, variables, operation_name)
    if problems:
        errors = [{"message": problem} for problem in problems]
        return _answer(shop_state, bucket, {"errors": errors}, requested=0, actual=0)

    document = parse(source)
    operation = get_operation_ast(document, operation_name)
    assert operation is not None  # validate_variables found it
    coerced = get_variable_values(schema, operation.variable_definitions or (), variables)
    assert not isinstance(coerced, list)  # validate_variables coerced them already
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    cost = requested_cost(schema, operation, fragments, coerced)
    if cost > bucket.maximum:
        error = {
            "message": f"Query cost is {cost}, which exceeds the single query max cost limit "
            f"({bucket.maximum:.0f}).",
            "extensions": {"code": "MAX_COST_EXCEEDED", "cost": cost, "maxCost": bucket.maximum},
        }
        return _answer(shop_state, bucket, {"errors": [error]}, requested=cost, actual=None)
    with state.lock:
        if not take_from_bucket(shop_state, cost, bucket, time.monotonic()):
            error = {"message": "Throttled", "extensions": {"code": "THROTTLED"}}
            return _answer(shop_state, bucket, {"errors": [error]}, requested=cost, actual=None)
        graph = ShopGraph(state, shop_state, request.host_url)
        mutation = operation.operation == OperationType.MUTATION
        result = execute_sync(
            schema,
            document,
            root_value=graph.mutation_root() if mutation else graph.query_root(),
            variable_values=variables,
            operation_name=operation_name,
        )
        actual = actual_cost(schema, operation, fragments, coerced, result.data)
        refund(shop_state, cost - actual, bucket)
    answer: dict[str, Any] = {"data": result.data}
    if result.errors:
        answer["errors"] = [error.formatted for error in result.errors]
    response, status = _answer(shop_state, bucket, answer, requested=cost, actual=actual)
    response.headers["X-Shopify-API-Version"] = version
    return response, status


def _answer(
    shop: SandboxShop,
    bucket: BucketSettings,
    body: dict[str, Any],
    requested: int,
    actual: int | None,
) -> tuple[Response, int]:
    state = sandbox_state()
    with state.lock:
        refill(shop, bucket, time.monotonic())
        status = throttle_status(shop, bucket)
    body["extensions"] = {
        "cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": status,
        }
    }
    return jsonify(body), 200


def _schema() -> GraphQLSchema:
    path = current_app.config.get(SCHEMA_PATH_KEY)
    if not path:
        raise RuntimeError(f"the Shopify sandbox needs app.config[{SCHEMA_PATH_KEY!r}]")
    return load_admin_schema(path)


def _bucket() -> BucketSettings:
    settings: BucketSettings = current_app.config.get(BUCKET_KEY) or BucketSettings()
    return settings
