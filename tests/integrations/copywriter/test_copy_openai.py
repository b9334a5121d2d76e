"""The OpenAI writer with the real `openai` client against a local OpenAI-compatible server."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree

import pytest
from flask import Flask, Response, jsonify, request

from integrations.copywriter import OfflineWriter, OpenAIWriter, make_writer
from integrations.copywriter.facts import ProductFacts, plain_text
from integrations.copywriter.guard import unsupported_claims
from integrations.sandbox.server import RunningServer, serve_in_thread
from tests.integrations.copywriter.copy_samples import IMAGE_CONTEXTS, all_listing_facts

MODEL = "gpt-test-copy"
API_KEY = "sk-local-test"


@dataclass
class FakeOpenAI:
    """Canned answers, one per request (the last repeats), and every request received."""

    answers: list[dict[str, Any] | int | str] = field(default_factory=list)
    delay_s: float = 0.0
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)


def _app(fake: FakeOpenAI) -> Flask:
    app = Flask("fake-openai")

    @app.post("/v1/chat/completions")
    def chat_completions() -> Response | tuple[Response, int]:
        fake.requests.append(request.get_json())
        fake.headers.append(dict(request.headers))
        time.sleep(fake.delay_s)
        answer = fake.answers.pop(0) if len(fake.answers) > 1 else fake.answers[0]
        if isinstance(answer, int):
            return jsonify(
                {"error": {"message": "server exploded", "type": "server_error"}}
            ), answer
        content, refusal = (None, answer) if isinstance(answer, str) else (json.dumps(answer), None)
        message = {"role": "assistant", "content": content, "refusal": refusal}
        return jsonify(
            {
                "id": "chatcmpl-local",
                "object": "chat.completion",
                "created": 0,
                "model": fake.requests[-1]["model"],
                "choices": [{"index": 0, "finish_reason": "stop", "message": message}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            }
        )

    return app


@pytest.fixture
def fake() -> FakeOpenAI:
    return FakeOpenAI()


@pytest.fixture
def server(fake: FakeOpenAI) -> Iterator[RunningServer]:
    running = serve_in_thread(_app(fake))
    yield running
    running.stop()


@pytest.fixture
def facts() -> ProductFacts:
    return all_listing_facts()[1]  # sterling silver sapphire pendant, 16 in chain, 15 mm pendant


def _writer(server: RunningServer, **options: Any) -> OpenAIWriter:
    return OpenAIWriter(API_KEY, MODEL, base_url=f"{server.base_url}/v1", **options)


def _answer(**fields: Any) -> dict[str, Any]:
    answer = {
        "title": "Sterling Silver Sapphire Pendant Necklace, 16 Inch Choker Chain",
        "paragraphs": [
            "A deep blue sapphire in sterling silver.",
            "The 16 inch chain sits at the base of the neck; the pendant is 15 mm tall.",
        ],
        "seo_title": "Sterling Silver Sapphire Pendant, 16 Inch Chain",
        "meta_description": "A sapphire pendant in sterling silver on a 16 inch chain.",
        "tags": ["sapphire pendant", "silver choker", "blue stone necklace"],
        "alt_texts": [
            "Sapphire pendant on a model's neck, 16 inch chain at the base of the neck",
            "Close-up of the sapphire pendant on a model's neck",
            "Sterling silver sapphire pendant on a white background",
        ],
    }
    return {**answer, **fields}


def _all_text(draft: Any) -> list[str]:
    return [
        draft.title,
        plain_text(draft.description_html),
        draft.description_text,
        draft.seo_title,
        draft.meta_description,
        *draft.tags,
        *draft.alt_texts,
    ]


def test_the_request_carries_the_model_the_schema_and_only_stated_facts(
    fake: FakeOpenAI, server: RunningServer, facts: ProductFacts
) -> None:
    fake.answers = [_answer()]
    draft = _writer(server).write(facts, IMAGE_CONTEXTS)
    assert draft.writer == "openai" and draft.notes == ()
    assert draft.title == _answer()["title"]
    assert "<p>A deep blue sapphire in sterling silver.</p>" in draft.description_html
    assert "<li><strong>Pendant height:</strong> 15 mm (0.6 in)</li>" in draft.description_html
    assert draft.alt_texts == tuple(_answer()["alt_texts"])
    assert draft.tags[:3] == tuple(_answer()["tags"])

    (sent,) = fake.requests
    assert sent["model"] == MODEL
    assert fake.headers[0]["Authorization"] == f"Bearer {API_KEY}"
    response_format = sent["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["strict"] is True
    schema = response_format["json_schema"]["schema"]
    assert set(schema["required"]) == {
        "title",
        "paragraphs",
        "seo_title",
        "meta_description",
        "tags",
        "alt_texts",
    }
    assert schema["additionalProperties"] is False
    system, user = sent["messages"]
    assert system["role"] == "system" and "Never state a metal, stone, size" in system["content"]
    assert "140" in system["content"] and "70" in system["content"]
    # The chain width is assumed (typical), so the model is never told of it.
    payload = json.loads(user["content"].split("\n", 1)[1])
    assert payload["sizes"] == {
        "Chain length": "16 in (406 mm)",
        "Pendant height": "15 mm (0.6 in)",
    }
    assert payload["metal"] == "sterling silver" and payload["stones"] == ["sapphire"]
    assert len(payload["images"]) == len(IMAGE_CONTEXTS)


def test_invented_platinum_and_diamond_are_removed(
    fake: FakeOpenAI, server: RunningServer, facts: ProductFacts
) -> None:
    fake.answers = [
        _answer(
            title="Platinum Diamond and Sapphire Pendant",
            paragraphs=[
                "Crafted in platinum with a diamond halo. The sapphire is a deep blue.",
                "Its 20 inch chain sits just below the collarbone.",
                "Layer it with other pieces.",
            ],
            tags=["platinum pendant", "sapphire pendant", "diamond halo"],
            alt_texts=[
                "Diamond halo pendant on a model's neck",
                "Close-up of the sapphire pendant on a model's neck",
                "Sapphire pendant on a white background",
            ],
        )
    ]
    draft = _writer(server).write(facts, IMAGE_CONTEXTS)
    offline = OfflineWriter().write(facts, IMAGE_CONTEXTS)
    assert draft.writer == "openai"
    assert draft.title == offline.title
    assert "The sapphire is a deep blue." in draft.description_text
    assert "Layer it with other pieces." in draft.description_text
    assert "platinum" not in draft.description_html.lower()
    assert "diamond" not in draft.description_html.lower()
    assert "20 inch" not in draft.description_text
    assert draft.alt_texts[0] == offline.alt_texts[0]
    assert draft.alt_texts[1] == "Close-up of the sapphire pendant on a model's neck"
    assert "platinum pendant" not in draft.tags and "sapphire pendant" in draft.tags
    notes = " ".join(draft.notes)
    assert "platinum" in notes and "diamond" in notes and "20 in" in notes
    for text in _all_text(draft):
        assert unsupported_claims(text, facts) == [], text


def test_a_server_error_falls_back_to_the_offline_copy_with_a_note(
    fake: FakeOpenAI, server: RunningServer, facts: ProductFacts
) -> None:
    fake.answers = [500]
    draft = _writer(server, max_retries=1).write(facts, IMAGE_CONTEXTS)
    offline = OfflineWriter().write(facts, IMAGE_CONTEXTS)
    assert len(fake.requests) == 2  # the client retried once, then gave up
    assert draft.writer == "offline"
    assert (draft.title, draft.description_html, draft.tags) == (
        offline.title,
        offline.description_html,
        offline.tags,
    )
    (note,) = draft.notes
    assert note.startswith("Offline copy used: the OpenAI call failed (InternalServerError")
    assert API_KEY not in note


def test_a_timeout_or_a_refusal_falls_back_too(
    fake: FakeOpenAI, server: RunningServer, facts: ProductFacts
) -> None:
    fake.answers = [_answer()]
    fake.delay_s = 1.0
    draft = _writer(server, timeout_s=0.2, max_retries=0).write(facts, IMAGE_CONTEXTS)
    assert draft.writer == "offline" and "APITimeoutError" in draft.notes[0]

    fake.delay_s = 0.0
    fake.answers = ["I can't help with that."]
    draft = _writer(server, max_retries=0).write(facts, IMAGE_CONTEXTS)
    assert draft.writer == "offline"
    assert draft.notes == ("Offline copy used: the model refused (I can't help with that.).",)


def test_markup_in_the_answer_is_escaped_and_limits_are_kept(
    fake: FakeOpenAI, server: RunningServer, facts: ProductFacts
) -> None:
    fake.answers = [
        _answer(
            title="Sapphire pendant " * 20,
            paragraphs=["<script>alert(1)</script> A sapphire <b>pendant</b> & more."],
            seo_title="Sapphire pendant " * 10,
            tags=["sapphire!", "a much too long sapphire tag", *(f"tag {i}" for i in range(20))],
        )
    ]
    draft = _writer(server).write(facts, IMAGE_CONTEXTS)
    root = ElementTree.fromstring(f"<div>{draft.description_html}</div>")
    assert root.find(".//script") is None and root.find(".//b") is None
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in draft.description_html
    assert len(draft.title) <= 140 and len(draft.seo_title) <= 70
    assert len(draft.tags) == 13 and all(len(tag) <= 20 for tag in draft.tags)
    assert "sapphire!" not in draft.tags


def test_make_writer_picks_openai_only_with_a_key() -> None:
    assert isinstance(make_writer(None, MODEL), OfflineWriter)
    assert isinstance(make_writer("", MODEL), OfflineWriter)
    writer = make_writer(API_KEY, MODEL, base_url="http://127.0.0.1:9/v1")
    assert isinstance(writer, OpenAIWriter) and writer.model == MODEL
