"""Where in the report: answer 'which page is X on?' from the report's own contents page."""

from __future__ import annotations

import re

from assistant.answer import Answer, CitationList
from assistant.corpus import Document
from assistant.text import normalise, stems

_ASKS_PAGE = re.compile(
    r"\b(which|what) pages?\b|\bon (which|what) page\b|\bpage number\b|"
    r"\bwhere in the (report|document)\b|\bwhere (can|do) i find\b",
    re.I,
)
_NOT_TOPIC = stems("page pages report document section part find where which what start starts")


class Contents:
    """Each report's contents lines, to say on which page a section starts."""

    def __init__(self, documents: list[Document]) -> None:
        self.documents = documents

    def lookup(self, question: str) -> Answer | None:
        """A cited 'starts on page N' answer, or None when the question is not about pages."""
        if not _ASKS_PAGE.search(question):
            return None
        asked = stems(question) - _NOT_TOPIC
        scored = [
            (len(asked & stems(s.title)), doc, s.title)
            for doc in self.documents
            for s in doc.sections
        ]
        hits, doc, title = max(scored, key=lambda t: t[0], default=(0, None, ""))
        if not hits or doc is None:
            return None
        line = re.search(rf"(?im)^\|\s*{re.escape(title)}\.*\s*\|\s*(\d+)\s*\|", doc.text)
        if line is None:
            return None
        cover = doc.sections[0]
        cites = CitationList()
        n = cites.cite(doc.title, cover.title, cover.pages, normalise(line.group(0)))
        text = f"“{title}” starts on page {line.group(1)} of the report [{n}]."
        return Answer(question, "answer", text, cites.items)
