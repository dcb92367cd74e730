"""The first stage of every question: read it, check it, and route danger before anything.

Everything here works without the index, so the CLI and the web app call it before they open
(or wait for) the index: a person in danger gets 999 even while the index builds or when it
cannot open at all.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from assistant.answer import Answer
from assistant.privacy import PERSONAL_DATA_NOTICE, has_personal_details, mask_personal_details
from assistant.safety import SafetyRouter
from assistant.text import CONTROL_CHARACTERS

_TAG = re.compile(r"</?[A-Za-z][^<>]{0,300}>")
# Zero-width characters and bidirectional controls: invisible, and they defeat matching.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u00ad]")


def invalid_reason(question: Any, max_chars: int) -> str | None:
    """Why a question can't be taken (one line), or None when it can."""
    if not isinstance(question, str):
        return "Please type your question as text."
    if not question.strip():
        return "Please type a question about the annual report."
    if len(question) > max_chars:
        return "That question is too long: please shorten it and ask again."
    if CONTROL_CHARACTERS.search(question) or any(
        unicodedata.category(ch) == "Cs" for ch in question
    ):
        return "The question contains characters that can't be read: please type plain text."
    return None


def clean(question: str) -> str:
    """NFKC-normalised, invisible characters removed, whitespace collapsed."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", question))
    return " ".join(text.split())


def first_answer(question: Any, router: SafetyRouter, max_chars: int) -> Answer | None:
    """The answer that needs no index (invalid input, danger, distress, a crime report, a
    message in another language), or None when the question goes on to the report."""
    reason = invalid_reason(question, max_chars)
    if reason:
        shown = question if isinstance(question, str) else ""
        return Answer(echoed(clean(shown)[:200]), "invalid", reason)
    text = clean(question)
    if not text:
        return Answer("", "invalid", "Please type a question about the annual report.")
    answer = router.answer(text)
    if answer is None:
        return None
    return with_privacy(answer, text)


def with_privacy(answer: Answer, typed: str) -> Answer:
    """The answer with the question masked (and markup tags dropped: the echo is plain text),
    and a reminder when personal details were typed."""
    if has_personal_details(typed):
        answer.text += " " + PERSONAL_DATA_NOTICE
    answer.question = echoed(typed)
    return answer


def echoed(typed: str) -> str:
    """The question as the answer repeats it: masked, without markup tags."""
    return " ".join(_TAG.sub(" ", mask_personal_details(typed)).split())
