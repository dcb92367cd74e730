"""Turn a chat answer into a letter paragraph in the office's voice.

The chat's text mixes the assistant's own sentences (figures read from tables) with
sentences of the report, many in its author's first person ("I proposed", "my office",
"we have"). A reply signed by staff cannot say "I proposed", and a quote may not be
reworded (invariant 2), so each sentence of the report is kept verbatim inside quotation
marks and attributed ("The report says: “…” [2]."). Lines of the report that are not
sentences (headings, list items, a signature) leak into answers as fragments such as
"Breaking the cycle of domestic violence [1]": they are dropped, or, when an answer has
nothing else, listed as quotes. Every sentence of the paragraph ends with a full stop.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from assistant.lead import without_lead

_MARKS = re.compile(r"((?:\s*\[\d+\])+)(\.?)")
_SENTENCE_END = re.compile(r"(?<=[.?!])[\"'”’)]*\s+(?=[\"'“‘(]?[A-Z0-9£])")
_STOP = re.compile(r"[.?!…][\"'”’)]*$")
_FIRST_SINGULAR = re.compile(r"\bI\b|\b(?:me|my|mine|myself)\b", re.I)
_FIRST_PERSON = re.compile(
    r"\bI\b|\b(?:me|my|mine|myself|we|us|our|ours|ourselves)\b|\bwe[’']", re.I
)
# compose.py's note under a one-period table row (the accounts tables print no units);
# the report states no unit for those tables, so the letter says so in plain words.
_NO_UNITS = re.compile(r"The report prints these figures without stating their units\.")
_FURTHER = ("The report also says", "It adds", "Elsewhere it says")
PLAIN_NO_UNITS = (
    "The table in the report prints these figures as plain numbers and does not say "
    "whether they are in pounds, thousands of pounds or another unit."
)


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", str(text)).strip()


@dataclass
class _Piece:
    """Text up to a group of citation markers (or the uncited tail), and those numbers."""

    body: str
    numbers: list[int]
    stop: str = ""


def _pieces(text: str) -> list[_Piece]:
    """The answer text cut after each group of markers ("… [1][2]." ends a piece)."""
    pieces, start = [], 0
    for match in _MARKS.finditer(text):
        numbers = [int(n) for n in re.findall(r"\d+", match.group(1))]
        pieces.append(_Piece(_norm(text[start : match.start()]), numbers, match.group(2)))
        start = match.end()
    if _norm(text[start:]):
        pieces.append(_Piece(_norm(text[start:]), []))
    return pieces


def sentences(text: str) -> list[str]:
    """Sentences of prose, whitespace normalised."""
    return [s for s in (p.strip() for p in _SENTENCE_END.split(_norm(text))) if s]


def marks(numbers: Sequence[int]) -> str:
    """Citation markers as the draft prints them: "[1][3]"."""
    return "".join(f"[{n}]" for n in numbers)


def is_fragment(quote: str) -> bool:
    """A line of the report that is not a sentence: it ends without . ? or !"""
    return not _STOP.search(quote.strip())


def without_heading(quote: str, section: str) -> str:
    """The quote without its section's title glued to its start ("Crack down on antisocial
    behaviour Antisocial behaviour can …"): headings that appear only as text."""
    for title in {section, section.partition(": ")[2]} - {""}:
        rest = quote[len(title) :]
        if quote.lower().startswith(title.lower()) and re.match(r"\s+[A-Z“\"]", rest):
            return rest.strip()
    return quote


class Paragraph:
    """Builds one paragraph: prose sentences and attributed quotes, in order."""

    def __init__(
        self, author: str, citations: dict[int, dict[str, Any]], labels: Sequence[str] = ()
    ) -> None:
        self.author = author
        self.citations = citations
        self.labels = sorted({label for label in labels if label}, key=len, reverse=True)
        self.parts: list[str] = []
        self.fragments: list[tuple[str, list[int]]] = []
        self.quoted = 0

    def prose(self, text: str, numbers: Sequence[int] = (), stop: str = "") -> None:
        """The assistant's own words, with its markers at the end of the last sentence."""
        found = sentences(_NO_UNITS.sub(PLAIN_NO_UNITS, text))
        if not found:
            return
        for sentence in found[:-1]:
            self._sentence(sentence)
        last = found[-1]
        if numbers:
            if _FIRST_PERSON.search(_outside_quotes(last)):
                # Report words joined by the chat (a list run together): quote the source.
                self.quote("", self.citations[numbers[0]]["quote"], numbers)
                return
            ending = _STOP.search(last)
            if ending and not stop and ending.group(0).startswith("."):
                last = last[: ending.start()] + last[ending.start() + 1 :]
                stop = "."
            last = f"{last} {marks(numbers)}{stop}"
        self._sentence(last)

    def _sentence(self, sentence: str) -> None:
        sentence = sentence.strip()
        if not sentence:
            return
        if not _STOP.search(sentence):
            sentence = sentence.rstrip(":;, ") + "."
        for label in self.labels:
            # A table row read out as "Label: value …" becomes a sentence, not a heading.
            if sentence.startswith(f"{label}: "):
                sentence = f"The report gives “{label}” as {sentence[len(label) + 2 :]}"
                break
        self.parts.append(sentence[0].upper() + sentence[1:])

    def quote(self, lead: str, quote: str, numbers: Sequence[int]) -> None:
        """A sentence of the report, verbatim in quotation marks, attributed."""
        section = str(self.citations.get(numbers[0], {}).get("section", ""))
        quote = without_heading(_norm(quote), section)
        if is_fragment(quote):
            self.fragments.append((quote, list(numbers)))
            return
        if not lead:
            lead = self._attribution(quote)
        self.quoted += 1
        shown = quote[:-1] if quote.endswith(".") else quote
        self.parts.append(f"{lead.rstrip(': ')}: “{shown}” {marks(numbers)}.")

    def _attribution(self, quote: str) -> str:
        if not self.quoted:
            return f"{self.author} writes" if _FIRST_SINGULAR.search(quote) else "The report says"
        return _FURTHER[(self.quoted - 1) % len(_FURTHER)]

    def text(self) -> str:
        """The paragraph; fragments only when it would otherwise be empty."""
        if not self.parts and self.fragments:
            listed = "; ".join(f"“{q}” {marks(n)}" for q, n in self.fragments)
            return f"The report lists: {listed}."
        return " ".join(self.parts)


def _outside_quotes(text: str) -> str:
    return re.sub(r"“[^”]*”|\"[^\"]*\"", " ", text)


def _find_quote(body: str, numbers: Sequence[int], citations: dict[int, dict]) -> tuple[int, str]:
    """Where a cited quote stands verbatim in the body: (position, quote), or (-1, "")."""
    for n in numbers:
        quote = _norm(citations.get(n, {}).get("quote", ""))
        if quote and not quote.startswith("|"):
            at = body.find(quote)
            if at >= 0:
                return at, quote
    return -1, ""


def letter_paragraph(answer: dict[str, Any], author: str) -> str:
    """The answer's text as a letter paragraph: report sentences quoted and attributed,
    heading fragments dropped, plain words about units, a full stop after each sentence."""
    citations = {int(c["n"]): c for c in answer.get("citations", [])}
    labels = [str(s.get("indicator", "")) for s in answer.get("statistics", [])]
    paragraph = Paragraph(author, citations, labels)
    pending = ""
    pieces = _pieces(without_lead(str(answer.get("text", ""))))
    for i, piece in enumerate(pieces):
        at, quote = _find_quote(piece.body, piece.numbers, citations)
        if at < 0:
            joined = _norm(f"{pending} {piece.body}")
            ended = piece.stop or _STOP.search(piece.body) or i == len(pieces) - 1
            if piece.numbers and not ended:
                pending = f"{joined} {marks(piece.numbers)}"  # a marker mid-sentence
                continue
            paragraph.prose(joined, piece.numbers, piece.stop)
            pending = ""
            continue
        before = sentences(_norm(f"{pending} {piece.body[:at]}"))
        pending = ""
        lead = before.pop() if before and before[-1].endswith(":") else ""
        paragraph.prose(" ".join(before))
        paragraph.quote(lead, quote, piece.numbers)
        paragraph.prose(piece.body[at + len(quote) :].lstrip(" .") + piece.stop)
    if pending:
        paragraph.prose(pending)
    return paragraph.text()
