"""What every /v3/application/ request passes before its handler, and what every answer carries.

In order: the request must match Etsy's OpenAPI file (400 naming the problems), carry the app's
key (403), fit the rate budgets (429 with retry-after), survive injected failures (503) and, where
the operation needs one or one is sent, present a live Bearer token with the scopes (401, 403).
"""

from __future__ import annotations

import math
import time

from flask import Response, g, jsonify, request

from integrations.contracts.etsy_openapi import check_request, find_operation
from integrations.sandbox.etsy.app import sandbox_spec, sandbox_state
from integrations.sandbox.etsy.state import EtsySandboxState, RateBudget, RequestRecord

API_PREFIX = "/v3/application/"
DAY_S = 86_400
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def error(status: int, message: str) -> Response:
    """Etsy's error body: {"error": message}."""
    response = jsonify(error=message)
    response.status_code = status
    return response


def admit_api_request() -> Response | None:
    """Refuse the request as Etsy would, or let it through with g.user_id set (None: no token)."""
    if not request.path.startswith(API_PREFIX):
        return None
    state, spec = sandbox_state(), sandbox_spec()
    operation = find_operation(spec, request.method, request.path)
    g.operation_id = operation.operation_id if operation else None
    fields = _body_fields()
    if isinstance(fields, Response):
        return fields
    problems = check_request(
        spec,
        request.method,
        request.path,
        _query(),
        dict(request.headers),
        fields,
        request.content_type,
    )
    if problems:
        return error(400, " ".join(problems))
    assert operation is not None  # check_request names a missing operation
    if request.headers.get(spec.api_key_header) != state.app.api_key_header:
        return error(403, "Invalid API key.")
    refusal = _spend_budget(state)
    if refusal is not None:
        return refusal
    with state.lock:
        if state.fail_next_requests > 0 and state.fail_after_requests > 0:
            state.fail_after_requests -= 1
        elif state.fail_next_requests > 0:
            state.fail_next_requests -= 1
            return error(503, "Service temporarily unavailable.")
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    g.user_id = None
    if presented or operation.scopes:
        with state.lock:
            token = state.tokens.get(presented) if scheme.lower() == "bearer" else None
            live = token is not None and not token.revoked and token.expires_at > time.time()
        if token is None or not live:
            return error(401, "invalid_token")
        missing = operation.scopes - set(token.scopes)
        if missing:
            return error(403, f"The token lacks the scope(s) {', '.join(sorted(missing))}.")
        g.user_id = token.user_id
    if request.url_rule is None:
        return error(501, f"The sandbox does not emulate {operation.operation_id}.")
    return None


def after_api_request(response: Response) -> Response:
    """Etsy's rate-limit headers on every API answer, and the request in the sandbox's log."""
    if not request.path.startswith(API_PREFIX):
        return response
    state = sandbox_state()
    with state.lock:
        budget = _budget(state, time.monotonic())
        response.headers["x-limit-per-second"] = str(state.per_second_limit)
        response.headers["x-remaining-this-second"] = str(max(math.floor(budget.tokens), 0))
        response.headers["x-limit-per-day"] = str(state.per_day_limit)
        response.headers["x-remaining-today"] = str(max(state.per_day_limit - budget.used_today, 0))
        state.requests.append(
            RequestRecord(
                time.monotonic(),
                request.method,
                request.path,
                g.get("operation_id"),
                response.status_code,
            )
        )
    return response


def _spend_budget(state: EtsySandboxState) -> Response | None:
    with state.lock:
        now = time.monotonic()
        budget = _budget(state, now)
        if state.throttle_next_requests > 0:
            state.throttle_next_requests -= 1
            retry_after = state.throttle_retry_after_s
        elif budget.used_today >= state.per_day_limit:
            retry_after = math.ceil(budget.day_started_at + DAY_S - now)
        elif budget.tokens < 1:
            retry_after = max(math.ceil((1 - budget.tokens) / state.per_second_limit), 1)
        else:
            budget.tokens -= 1
            budget.used_today += 1
            return None
    response = error(429, "You have exceeded your rate limit; try again later.")
    response.headers["retry-after"] = str(retry_after)
    return response


def _budget(state: EtsySandboxState, now: float) -> RateBudget:
    """The app's budget brought up to `now`: the bucket refilled, the day rolled over."""
    limit = state.per_second_limit
    budget = state.budget
    if budget is None:
        budget = state.budget = RateBudget(float(limit), now, now)
    budget.tokens = min(float(limit), budget.tokens + (now - budget.updated_at) * limit)
    budget.updated_at = now
    if now - budget.day_started_at >= DAY_S:
        budget.day_started_at, budget.used_today = now, 0
    return budget


def _query() -> dict[str, object]:
    return {key: values[0] if len(values) == 1 else values for key, values in request.args.lists()}


def _body_fields() -> dict[str, object] | Response | None:
    """The body as check_request takes it: form fields and files, or a JSON object's members."""
    if request.mimetype in _FORM_TYPES:
        fields: dict[str, object] = {
            key: values[0] if len(values) == 1 else values for key, values in request.form.lists()
        }
        fields.update(request.files.lists())
        return fields
    if request.mimetype == "application/json":
        body = request.get_json(silent=True)
        return body if isinstance(body, dict) else error(400, "The JSON body must be an object.")
    # Any other body is only named, so that check_request reports it as unexpected or untyped.
    return {"(raw body)": "..."} if request.get_data() else None
