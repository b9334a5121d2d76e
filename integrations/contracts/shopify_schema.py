"""The Shopify Admin GraphQL schema, and validation of documents and variables against it.

Used by the contract tests and by the Shopify sandbox, which must reject what Shopify rejects:
unknown fields, wrong types, and anything marked deprecated.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path

from graphql import (
    GraphQLEnumType,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLSchema,
    OperationDefinitionNode,
    build_schema,
    get_nullable_type,
    is_input_type,
    parse,
    specified_rules,
    type_from_ast,
    validate,
)
from graphql.execution.values import get_variable_values
from graphql.validation import NoDeprecatedCustomRule

_RULES = (*specified_rules, NoDeprecatedCustomRule)


def load_admin_schema(path: str | Path) -> GraphQLSchema:
    """Build the schema from an SDL file, once per resolved path (building takes seconds)."""
    return _build_admin_schema(Path(path).resolve())


@cache
def _build_admin_schema(path: Path) -> GraphQLSchema:
    schema = build_schema(path.read_text(encoding="utf-8"), assume_valid_sdl=True)
    # Shopify's SDL has deprecated fields implementing non-deprecated interface fields, which
    # graphql-core's schema check refuses; documents are still validated in full against it.
    schema._validation_errors = []
    return schema


def validate_document(schema: GraphQLSchema, source: str) -> list[str]:
    """Return the errors Shopify would give `source`: syntax, validation and deprecated usage.

    Deprecated usage covers selected fields, arguments, input object fields and enum values
    written in the document; values passed in variables are checked by `validate_variables`.
    """
    try:
        document = parse(source)
    except GraphQLError as error:
        return [_describe(error)]
    return [_describe(error) for error in validate(schema, document, _RULES)]


def validate_variables(
    schema: GraphQLSchema,
    source: str,
    variables: Mapping[str, object] | None,
    operation_name: str | None = None,
) -> list[str]:
    """Return the errors in `variables` for the operation in `source` (assumed valid).

    Checks the values' types as execution would coerce them, and rejects deprecated input
    fields and enum values inside them.
    """
    operation = _operation(source, operation_name)
    if operation is None:
        if operation_name is None:
            return ["An operation name is required when the document holds several operations."]
        return [f"No operation named {operation_name!r} in the document."]
    inputs = dict(variables or {})
    definitions = operation.variable_definitions or ()
    coerced = get_variable_values(schema, definitions, inputs)
    if isinstance(coerced, list):
        return [_describe(error) for error in coerced]
    problems: list[str] = []
    for definition in definitions:
        name = definition.variable.name.value
        input_type = type_from_ast(schema, definition.type)
        # is_input_type narrows the type; coercion above has already refused unknown types.
        if name in inputs and is_input_type(input_type):
            problems.extend(_deprecated_in_value(input_type, inputs[name], f"${name}"))
    return problems


def _operation(source: str, operation_name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in parse(source).definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is None:
        return operations[0] if len(operations) == 1 else None
    return next((op for op in operations if op.name and op.name.value == operation_name), None)


def _deprecated_in_value(input_type: GraphQLInputType, value: object, where: str) -> list[str]:
    nullable = get_nullable_type(input_type)
    if value is None:
        return []
    if isinstance(nullable, GraphQLList):
        # A single value is accepted where a list is expected (input coercion).
        items = value if isinstance(value, list) else [value]
        return [
            problem
            for index, item in enumerate(items)
            for problem in _deprecated_in_value(nullable.of_type, item, f"{where}[{index}]")
        ]
    if isinstance(nullable, GraphQLInputObjectType) and isinstance(value, Mapping):
        problems = []
        for key, item in value.items():
            field = nullable.fields[key]
            if field.deprecation_reason is not None:
                problems.append(
                    f"{where}.{key}: the input field {nullable.name}.{key} is deprecated. "
                    f"{field.deprecation_reason}"
                )
            problems.extend(_deprecated_in_value(field.type, item, f"{where}.{key}"))
        return problems
    if isinstance(nullable, GraphQLEnumType) and isinstance(value, str):
        reason = nullable.values[value].deprecation_reason
        if reason is not None:
            return [f"{where}: the enum value {nullable.name}.{value} is deprecated. {reason}"]
    return []


def _describe(error: GraphQLError) -> str:
    where = ", ".join(f"line {loc.line} column {loc.column}" for loc in error.locations or [])
    return f"{error.message} ({where})" if where else error.message
