"""The answer contract: one JSON-able object returned by every surface."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Kind = Literal["answer", "statistic", "not_found", "emergency", "report", "invalid"]
KINDS: tuple[str, ...] = ("answer", "statistic", "not_found", "emergency", "report", "invalid")


@dataclass(frozen=True)
class Citation:
    """One numbered source: where in which document, and the verbatim quote."""

    n: int
    document: str
    section: str
    pages: str
    quote: str


@dataclass(frozen=True)
class Statistic:
    """One value from the statistics store, exactly as printed."""

    indicator: str
    period: str
    value: str


@dataclass(frozen=True)
class Conflict:
    """Two places in the report that give different figures for the same thing."""

    summary: str
    citations: tuple[int, ...]


@dataclass
class Answer:
    """What ask() returns; to_dict() gives the JSON of DESIGN.md."""

    question: str
    kind: Kind
    text: str
    citations: list[Citation] = field(default_factory=list)
    statistics: list[Statistic] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    elapsed_ms: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """Plain dict of JSON types, in contract order."""
        data = asdict(self)
        data["conflicts"] = [
            {"summary": c.summary, "citations": list(c.citations)} for c in self.conflicts
        ]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Answer:
        """Rebuild an Answer from to_dict() output (or the Gradio API's JSON)."""
        return cls(
            question=str(data.get("question", "")),
            kind=data.get("kind", "answer"),
            text=str(data.get("text", "")),
            citations=[Citation(**c) for c in data.get("citations", [])],
            statistics=[Statistic(**s) for s in data.get("statistics", [])],
            conflicts=[
                Conflict(summary=c["summary"], citations=tuple(c.get("citations", ())))
                for c in data.get("conflicts", [])
            ],
            elapsed_ms=float(data.get("elapsed_ms", 0.0)),
        )


def as_answer(item: Answer | dict[str, Any]) -> Answer:
    """Accept either an Answer or its dict form (history items)."""
    return item if isinstance(item, Answer) else Answer.from_dict(item)


class CitationList:
    """Numbers sources in the order they are first cited; the same quote keeps its number."""

    def __init__(self) -> None:
        self.items: list[Citation] = []

    def cite(self, document: str, section: str, pages: str, quote: str) -> int:
        """The [n] for this source, adding it when new."""
        for c in self.items:
            if (c.document, c.section, c.quote) == (document, section, quote):
                return c.n
        self.items.append(Citation(len(self.items) + 1, document, section, pages, quote))
        return len(self.items)
