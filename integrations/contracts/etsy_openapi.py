"""Etsy's Open API v3 description, and checks of single requests against it.

Used by the contract tests (every request the Etsy client builds) and by the Etsy sandbox, which
must refuse what Etsy refuses. Values are checked the way they travel: path, query and form
fields as text (non-strings are encoded with str(), as requests does), JSON bodies as JSON.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

JsonSchema = Mapping[str, Any]

_INTEGER_TEXT = re.compile(r"-?\d+")
_API_KEY_VALUE = re.compile(r"[^:\s]+:[^:\s]+")
_FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


@dataclass(frozen=True)
class Parameter:
    """One path or query parameter of an operation."""

    name: str
    location: str
    required: bool
    schema: JsonSchema


@dataclass(frozen=True)
class Operation:
    """One method on one path template, as the OpenAPI file declares it."""

    operation_id: str
    method: str
    path_template: str
    path_pattern: re.Pattern[str]
    parameters: tuple[Parameter, ...]
    body_schemas: Mapping[str, JsonSchema]
    body_required: bool
    security: tuple[Mapping[str, Sequence[str]], ...]

    @property
    def scopes(self) -> frozenset[str]:
        """OAuth scopes the operation needs (empty for public operations)."""
        return frozenset(s for requirement in self.security for s in requirement.get("oauth2", ()))

    def describe(self) -> str:
        """'METHOD /template (operationId)', for messages."""
        return f"{self.method} {self.path_template} ({self.operation_id})"


@dataclass(frozen=True)
class EtsySpec:
    """The operations of the OpenAPI file, literal paths before templated ones."""

    base_urls: tuple[str, ...]
    api_key_header: str
    operations: tuple[Operation, ...]


def load_etsy_spec(path: str | Path) -> EtsySpec:
    """Read the OpenAPI file once per resolved path."""
    return _load_etsy_spec(Path(path).resolve())


@cache
def _load_etsy_spec(path: Path) -> EtsySpec:
    document = json.loads(path.read_text(encoding="utf-8"))
    default_security = tuple(document.get("security", ()))
    operations = [
        _operation(method, template, raw, default_security)
        for template, methods in document["paths"].items()
        for method, raw in methods.items()
    ]
    # OpenAPI: a literal segment wins over a template (/users/me before /users/{user_id}).
    operations.sort(key=lambda op: (op.path_template.count("{"), op.path_template))
    return EtsySpec(
        base_urls=tuple(server["url"].rstrip("/") for server in document["servers"]),
        api_key_header=document["components"]["securitySchemes"]["api_key"]["name"],
        operations=tuple(operations),
    )


def _operation(
    method: str, template: str, raw: Mapping[str, Any], default_security: tuple[Any, ...]
) -> Operation:
    pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
    body = raw.get("requestBody") or {}
    return Operation(
        operation_id=raw["operationId"],
        method=method.upper(),
        path_template=template,
        path_pattern=re.compile(pattern),
        parameters=tuple(
            Parameter(p["name"], p["in"], bool(p.get("required")), p["schema"])
            for p in raw.get("parameters", ())
        ),
        body_schemas={
            media: content["schema"] for media, content in body.get("content", {}).items()
        },
        body_required=bool(body.get("required")),
        security=tuple(raw.get("security", default_security)),
    )


def find_operation(spec: EtsySpec, method: str, path: str) -> Operation | None:
    """The operation for `method` on a concrete path such as /v3/application/shops/42."""
    return next(
        (
            op
            for op in spec.operations
            if op.method == method.upper() and op.path_pattern.fullmatch(path)
        ),
        None,
    )


def operation_id_for(spec: EtsySpec, method: str, path: str) -> str | None:
    """The operationId for `method` on a concrete path, or None when Etsy has no such operation."""
    operation = find_operation(spec, method, path)
    return operation.operation_id if operation else None


def check_request(
    spec: EtsySpec,
    method: str,
    url_or_path: str,
    query: Mapping[str, object],
    headers: Mapping[str, str],
    body_fields: Mapping[str, object] | None,
    content_type: str | None,
) -> list[str]:
    """Return what Etsy would refuse in this request; an empty list means it matches the spec.

    `url_or_path` is a full URL on Etsy's API host or a path; a query string in it is merged
    with `query`, whose values are single values or lists (repeated keys). `body_fields` are
    the form fields, multipart parts or top-level JSON members.
    """
    path, url_query, problems = _split_url(spec, url_or_path)
    operation = find_operation(spec, method, path)
    if operation is None:
        allowed = sorted({op.method for op in spec.operations if op.path_pattern.fullmatch(path)})
        if allowed:
            return [
                f"{method.upper()} {path}: method not allowed (Etsy allows {', '.join(allowed)})."
            ]
        return [f"{method.upper()} {path}: no such Etsy API path."]
    match = operation.path_pattern.fullmatch(path)
    assert match is not None  # find_operation matched this pattern
    problems += _path_problems(operation, {k: unquote(v) for k, v in match.groupdict().items()})
    problems += _query_problems(operation, {**url_query, **query})
    problems += _security_problems(spec, operation, {k.lower(): v for k, v in headers.items()})
    problems += _body_problems(operation, body_fields, content_type)
    return [f"{operation.describe()}: {problem}" for problem in problems]


def _split_url(spec: EtsySpec, url_or_path: str) -> tuple[str, dict[str, object], list[str]]:
    parts = urlsplit(url_or_path)
    problems = []
    if parts.scheme or parts.netloc:
        base = f"{parts.scheme}://{parts.netloc}"
        if base not in spec.base_urls:
            problems.append(f"{base} is not Etsy's API host ({', '.join(spec.base_urls)}).")
    url_query: dict[str, list[str]] = {}
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        url_query.setdefault(key, []).append(value)
    return parts.path, dict(url_query), problems


def _path_problems(operation: Operation, values: Mapping[str, str]) -> list[str]:
    return [
        problem
        for parameter in operation.parameters
        if parameter.location == "path"
        for problem in _value_problems(
            f"path parameter {parameter.name}", parameter.schema, values[parameter.name], text=True
        )
    ]


def _query_problems(operation: Operation, query: Mapping[str, object]) -> list[str]:
    declared = {p.name: p for p in operation.parameters if p.location == "query"}
    problems = [f"unknown query parameter {name!r}." for name in query if name not in declared]
    for name, parameter in declared.items():
        if name not in query or query[name] is None:
            if parameter.required:
                problems.append(f"missing required query parameter {name!r}.")
            continue
        problems += _field_problems(f"query parameter {name}", parameter.schema, query[name])
    return problems


def _security_problems(
    spec: EtsySpec, operation: Operation, headers: Mapping[str, str]
) -> list[str]:
    # Every requirement in Etsy's file combines api_key with, where needed, oauth2: all must hold.
    needs_token = any("oauth2" in requirement for requirement in operation.security)
    problems = []
    api_key = headers.get(spec.api_key_header.lower())
    if api_key is None:
        problems.append(f"missing the {spec.api_key_header} header.")
    elif not _API_KEY_VALUE.fullmatch(api_key):
        problems.append(f"{spec.api_key_header} must be 'keystring:shared_secret'.")
    if needs_token:
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            problems.append("missing 'Authorization: Bearer <access token>' (OAuth 2.0).")
    return problems


def _body_problems(
    operation: Operation, fields: Mapping[str, object] | None, content_type: str | None
) -> list[str]:
    media_type = content_type.split(";")[0].strip().lower() if content_type else None
    if not operation.body_schemas:
        if fields or media_type:
            return ["this operation takes no request body."]
        return []
    if media_type is None:
        if fields or operation.body_required:
            expected = " or ".join(operation.body_schemas)
            return [f"the request body needs a content type ({expected})."]
        return []
    schema = operation.body_schemas.get(media_type)
    if schema is None:
        expected = " or ".join(operation.body_schemas)
        return [f"content type {media_type} is not accepted; Etsy expects {expected}."]
    return _object_problems("body", schema, fields or {}, text=media_type in _FORM_CONTENT_TYPES)


def _object_problems(
    where: str, schema: JsonSchema, fields: Mapping[str, object], *, text: bool
) -> list[str]:
    properties: Mapping[str, JsonSchema] = schema.get("properties", {})
    problems = [f"unknown field {name!r} in {where}." for name in fields if name not in properties]
    for name in schema.get("required", ()):
        if fields.get(name) is None:
            problems.append(f"missing required field {name!r} in {where}.")
    for name, value in fields.items():
        if name in properties and value is not None:
            check = _field_problems if text else _json_problems
            problems += check(f"{where}.{name}", properties[name], value)
    return problems


def _field_problems(where: str, schema: JsonSchema, value: object) -> list[str]:
    """A query parameter or form field: a list means the key was repeated."""
    if schema.get("format") == "binary":
        return []
    values = list(value) if isinstance(value, list | tuple) else [value]
    if schema.get("type") == "array":
        # Both encodings of an array are accepted: repeated keys, or one comma-separated value.
        items = [item for v in values for item in (v.split(",") if isinstance(v, str) else [v])]
        return [
            p for item in items for p in _value_problems(where, schema["items"], item, text=True)
        ]
    if len(values) != 1:
        return [f"{where} is given {len(values)} times; it takes one value."]
    return _value_problems(where, schema, values[0], text=True)


def _json_problems(where: str, schema: JsonSchema, value: object) -> list[str]:
    if value is None:
        return [] if schema.get("nullable") else [f"{where} must not be null."]
    if schema.get("type") == "array":
        if not isinstance(value, list):
            return [f"{where} must be a JSON array."]
        return [p for item in value for p in _json_problems(f"{where}[]", schema["items"], item)]
    if schema.get("type") == "object":
        if not isinstance(value, Mapping):
            return [f"{where} must be a JSON object."]
        return _object_problems(where, schema, value, text=False)
    return _value_problems(where, schema, value, text=False)


def _value_problems(where: str, schema: JsonSchema, value: object, *, text: bool) -> list[str]:
    """One scalar: its type, bounds and enum. `text` values arrive as strings on the wire."""
    kind = schema.get("type")
    wire = str(value) if text else value
    number: float | None = None
    if kind == "integer":
        number = _as_integer(wire, text=text)
        if number is None:
            return [f"{where} must be an integer, not {value!r}."]
    elif kind == "number":
        number = _as_number(wire, text=text)
        if number is None:
            return [f"{where} must be a number, not {value!r}."]
    elif kind == "boolean":
        if not (wire in ("true", "false") if text else isinstance(wire, bool)):
            return [f"{where} must be true or false, not {value!r}."]
    elif kind == "string" and not isinstance(wire, str):
        return [f"{where} must be a string, not {value!r}."]
    problems = []
    if number is not None:
        if "minimum" in schema and number < schema["minimum"]:
            problems.append(f"{where} must be at least {schema['minimum']}, not {value!r}.")
        if "maximum" in schema and number > schema["maximum"]:
            problems.append(f"{where} must be at most {schema['maximum']}, not {value!r}.")
    enum = schema.get("enum")
    if enum is not None:
        allowed = [str(v) for v in enum] if text else list(enum)
        if wire not in allowed:
            listed = ", ".join(repr(v) for v in allowed)
            problems.append(f"{where} must be one of {listed}, not {value!r}.")
    return problems


def _as_integer(value: object, *, text: bool) -> int | None:
    if text:
        return int(value) if isinstance(value, str) and _INTEGER_TEXT.fullmatch(value) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _as_number(value: object, *, text: bool) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if text and isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None
