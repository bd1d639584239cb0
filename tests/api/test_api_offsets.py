"""Offsets say their unit, and ?offsets=utf16 gives the spans as JavaScript, Java and
.NET count them, on a note with emoji (two UTF-16 units each) and accented letters
(precomposed and combining)."""

from __future__ import annotations

from typing import Any

from api.offsets import utf16_converter
from api.storage.models import Role
from tests.api.conftest import Api

NOTE = (
    "Mme Zoë Müller 👵🏼, 67 ans, ré-évaluée 🩺. Assessment: type 2 diabetes with diabetic "
    "chronic kidney disease, CKD stage 3a. Seen by Dr. Jose\u0301 😀 for COPD exacerbation."
)


def _utf16_slice(text: str, start: int, end: int) -> str:
    """``text.substring(start, end)`` as JavaScript computes it."""
    return text.encode("utf-16-le")[2 * start : 2 * end].decode("utf-16-le")


def _suggest(api: Api, query: str = "") -> dict[str, Any]:
    response = api.client.post(
        f"/v1/suggest{query}", json={"text": NOTE}, headers=api.auth(Role.CODER)
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_code_point_offsets_by_default_and_said_so(api: Api) -> None:
    body = _suggest(api)
    assert body["offset_unit"] == "codepoint" and body["utf16_offsets"] is None
    evidence = [e for s in body["suggestions"] for e in s["evidence"]]
    assert evidence
    for item in evidence:
        assert NOTE[item["start"] : item["end"]] == item["text"]


def test_utf16_offsets_slice_the_same_words_as_javascript(api: Api) -> None:
    body = _suggest(api, "?offsets=utf16")
    assert body["offset_unit"] == "codepoint"
    utf16 = body["utf16_offsets"]
    assert len(utf16["evidence"]) == len(body["suggestions"])
    shifted = 0
    for suggestion, spans in zip(body["suggestions"], utf16["evidence"], strict=True):
        for evidence, (start, end) in zip(suggestion["evidence"], spans, strict=True):
            assert _utf16_slice(NOTE, start, end) == evidence["text"]
            shifted += start != evidence["start"]
    assert shifted  # the emoji before the evidence really move it
    for mention, (start, end) in zip(body["mentions"], utf16["mentions"], strict=True):
        assert _utf16_slice(NOTE, start, end) == mention["text"]


def test_the_conversion_counts_only_characters_beyond_the_bmp() -> None:
    text = "é e\u0301 😀x"
    to_utf16 = utf16_converter(text)
    assert [to_utf16(i) for i in range(len(text) + 1)] == [0, 1, 2, 3, 4, 5, 7, 8]
    assert _utf16_slice(text, to_utf16(6), to_utf16(7)) == "x"
