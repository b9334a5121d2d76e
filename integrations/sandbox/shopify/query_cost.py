"""Shopify's GraphQL cost accounting: a query's requested cost and the per-shop leaky bucket.

Costs as Shopify computes them: scalars and enums are free, each object costs 1, a connection
costs 2 plus the cost of its nodes (requested: page size times one node; actual: the nodes
returned), and each mutation field costs 10.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
)
from graphql.execution.values import VariableValues, get_argument_values

from integrations.sandbox.shopify.state import SandboxShop

MUTATION_COST = 10
CONNECTION_COST = 2
_NODE_LISTS = ("nodes", "edges")

_Composite = GraphQLObjectType | GraphQLInterfaceType


@dataclass(frozen=True)
class BucketSettings:
    """A Standard plan's bucket: 1000 points, 100 restored per second."""

    maximum: float = 1000.0
    restore_rate: float = 100.0


def requested_cost(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: VariableValues,
) -> int:
    """The cost Shopify asks before running `operation`: connections priced at full pages."""
    if operation.operation == OperationType.MUTATION:
        return _mutation_cost(operation)
    assert schema.query_type is not None
    return _Pricer(schema, fragments, variables).requested(
        schema.query_type, operation.selection_set
    )


def actual_cost(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: VariableValues,
    data: Mapping[str, Any] | None,
) -> int:
    """The cost of what `operation` returned: connections priced by the nodes in `data`.

    Shopify takes the requested cost from the bucket and refunds the difference to this.
    """
    if operation.operation == OperationType.MUTATION:
        return _mutation_cost(operation)
    assert schema.query_type is not None
    return _Pricer(schema, fragments, variables).actual(
        schema.query_type, operation.selection_set, data or {}
    )


def _mutation_cost(operation: OperationDefinitionNode) -> int:
    fields = [s for s in operation.selection_set.selections if isinstance(s, FieldNode)]
    return MUTATION_COST * len(fields)


@dataclass(frozen=True)
class _Pricer:
    schema: GraphQLSchema
    fragments: Mapping[str, FragmentDefinitionNode]
    variables: VariableValues

    def requested(self, parent: _Composite, selection_set: SelectionSetNode | None) -> int:
        total = 0
        for field_type, node in self._object_fields(parent, selection_set):
            if not _is_connection(field_type):
                total += 1 + self.requested(field_type, node.selection_set)
                continue
            definition = parent.fields[node.name.value]
            arguments = get_argument_values(definition, node, self.variables)
            page_size = arguments.get("first") or arguments.get("last") or 0
            total += CONNECTION_COST
            for child_type, child in self._object_fields(field_type, node.selection_set):
                one = 1 + self.requested(child_type, child.selection_set)
                total += page_size * one if child.name.value in _NODE_LISTS else one
        return total

    def actual(
        self, parent: _Composite, selection_set: SelectionSetNode | None, value: Mapping[str, Any]
    ) -> int:
        total = 0
        for field_type, node in self._object_fields(parent, selection_set):
            key = node.alias.value if node.alias else node.name.value
            # Fragments on other types than the value's leave their keys out of the result.
            returned = value.get(key)
            if not returned:
                continue
            if _is_connection(field_type):
                total += CONNECTION_COST + self.actual(field_type, node.selection_set, returned)
                continue
            items = returned if isinstance(returned, list) else [returned]
            costs = [1 + self.actual(field_type, node.selection_set, item) for item in items]
            # A connection's nodes are paid one by one; other lists like one object.
            total += sum(costs) if node.name.value in _NODE_LISTS else max(costs)
        return total

    def _object_fields(
        self, parent: _Composite, selection_set: SelectionSetNode | None
    ) -> Iterator[tuple[_Composite, FieldNode]]:
        """The selected fields of object type, with fragments flattened (scalars are free)."""
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                if selection.name.value in parent.fields:  # not __typename
                    field_type = get_named_type(parent.fields[selection.name.value].type)
                    if isinstance(field_type, GraphQLObjectType | GraphQLInterfaceType):
                        yield field_type, selection
                continue
            if isinstance(selection, FragmentSpreadNode):
                fragment: InlineFragmentNode | FragmentDefinitionNode = self.fragments[
                    selection.name.value
                ]
            else:
                assert isinstance(selection, InlineFragmentNode)
                fragment = selection
            condition = fragment.type_condition
            on_type = self.schema.get_type(condition.name.value) if condition else parent
            if isinstance(on_type, GraphQLObjectType | GraphQLInterfaceType):
                yield from self._object_fields(on_type, fragment.selection_set)


def _is_connection(field_type: _Composite) -> bool:
    return field_type.name.endswith("Connection")


def take_from_bucket(shop: SandboxShop, cost: float, settings: BucketSettings, now: float) -> bool:
    """Refill the shop's bucket to `now`; take `cost` points if they are there."""
    refill(shop, settings, now)
    if cost > shop.bucket_available:
        return False
    shop.bucket_available -= cost
    return True


def refund(shop: SandboxShop, points: float, settings: BucketSettings) -> None:
    """Give back what a call was charged beyond its actual cost."""
    shop.bucket_available = min(settings.maximum, shop.bucket_available + max(0.0, points))


def refill(shop: SandboxShop, settings: BucketSettings, now: float) -> None:
    """Bring the shop's bucket up to `now` at the restore rate."""
    refilled = shop.bucket_available + (now - shop.bucket_updated) * settings.restore_rate
    shop.bucket_available = min(settings.maximum, refilled)
    shop.bucket_updated = now


def throttle_status(shop: SandboxShop, settings: BucketSettings) -> dict[str, float]:
    """extensions.cost.throttleStatus as Shopify reports it."""
    return {
        "maximumAvailable": settings.maximum,
        "currentlyAvailable": round(shop.bucket_available, 3),
        "restoreRate": settings.restore_rate,
    }
