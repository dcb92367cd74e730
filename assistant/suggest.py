"""Suggested follow-ups: two or three questions the assistant can answer, drawn from the
same table or section as an answer.

Candidates come from the report's own structure, never from a list of questions:

- a table row cited by the answer: the other rows of its table, nearest first, each asked
  from its label and its latest period ("What was the number of X in the 12 months to ...?");
- a passage cited by the answer: the section's sub-headings not already quoted ("What does
  the report say about rural crime?"), the rows of the tables printed in the section or
  pointing to its pages (a performance table's merged "pages 14-15" column), then the names
  only this section uses (capitalised runs such as a programme's name) that the answer does
  not mention ("What does the report say about <name>?").

Each candidate is asked of the engine itself, with the answer as the conversation so far, and
kept only when it is answered ("statistic" or "answer") from a source the answer does not
already cite; a row's question must be answered by that row and a heading's from its section.
Verdicts are cached per question and context, so a repeated answer costs nothing.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from assistant.answer import Answer
from assistant.passages import Passage
from assistant.statistics import StatisticsStore, StatRow
from assistant.tables import parse_number
from assistant.text import MEASURE_WORDS, content_words, normalise, split_sentences

ANSWERED = ("answer", "statistic")
CACHE_SIZE = 2048  # verdicts kept (question, context); a verdict is a few strings
# A row's own pointer to where the report discusses it: "page 12" / "pages 14-15".
_PAGE_POINTER = re.compile(r"^pages?\s+(\d+)(?:\s*[-–]\s*(\d+))?$", re.I)
# A name: two or more capitalised words, joined by small words ("Operation Falcon", "Safer
# Town Partnership Board", "Independent Sexual Violence Advisors"); a word may be hyphenated
# ("Anti-Slavery", "Southend-on-Sea") or possessive ("Her Majesty's Inspection of ...").
_CAPITALISED = r"[A-Z][a-z]+(?:-(?:[a-z]+-)*[A-Z]?[a-z]+)*(?:['’]s\b)?"
_NAME = re.compile(rf"\b{_CAPITALISED}(?:\s+(?:(?:of|and|for|the)\s+)?{_CAPITALISED})+(?![\w-])")
# Words that may open a name's run but are not part of the name ("The Safer Towns Strategy").
_OPENERS = ("The ", "This ", "These ", "Our ")
# A period that reads as a span ("12 months to Mar 2020"): "in the ..."; else "in 2019/20".
_SPAN = re.compile(r"^\d+\s+[a-z]", re.I)


@dataclass(frozen=True)
class Candidate:
    """A suggested question and what its answer must cite to be the fact it was drawn from:
    a table row's verbatim line, or a section's name."""

    question: str
    row_quote: str = ""
    section: str = ""


Ask = Callable[[str, Sequence[Answer]], Answer]


class Suggester:
    """Suggests follow-ups for answers, checking each with ``ask`` (Assistant.ask)."""

    def __init__(
        self, store: StatisticsStore, passages: Sequence[Passage], ask: Ask, tries: int
    ) -> None:
        self.store = store
        self.passages = passages
        self.pointers = pointers(store.rows)
        self.names = section_names(passages)
        self.ask = ask
        self.tries = tries  # most candidates asked for one answer (bounds the time taken)
        self._verdicts: OrderedDict[tuple[str, str], tuple[str, ...] | None] = OrderedDict()
        self._lock = threading.Lock()

    def suggest(self, answer: Answer, limit: int, earlier: Sequence[Answer] = ()) -> list[str]:
        """Up to ``limit`` questions the assistant answers from a source that neither this
        answer nor the ``earlier`` answers of the conversation cite, none asked before; none
        for refusals, safety messages and invalid input."""
        if answer.kind not in ANSWERED or not answer.citations or limit <= 0:
            return []
        cited = {normalise(c.quote) for a in (*earlier, answer) for c in a.citations}
        skip = {_key(a.question) for a in (*earlier, answer)}
        chosen: list[str] = []
        sources: set[tuple[str, ...]] = set()
        for tried, candidate in enumerate(self.candidates(answer)):
            if len(chosen) >= limit or tried >= self.tries:
                break
            if _key(candidate.question) in skip:
                continue
            quotes = self._verdict(candidate, answer)
            if quotes is None or set(quotes) <= cited or quotes in sources:
                continue
            chosen.append(candidate.question)
            sources.add(quotes)
        return chosen

    def candidates(self, answer: Answer) -> Iterator[Candidate]:
        """Questions drawn from the tables and sections the answer cites, in citation order,
        each once."""
        seen: set[str] = set()
        for citation in answer.citations:
            row = self._row(citation.quote)
            drawn = self._table(row) if row else self._section(citation.section, answer)
            for candidate in drawn:
                if candidate.question not in seen:
                    seen.add(candidate.question)
                    yield candidate

    def _row(self, quote: str) -> StatRow | None:
        line = normalise(quote)
        return next((r for r in self.store.rows if normalise(r.quote) == line), None)

    def _table(self, row: StatRow) -> list[Candidate]:
        """The other rows of the row's table, nearest first (the next row before the one
        above it)."""
        rows = [r for r in self.store.rows if r.table_title == row.table_title]
        at = rows.index(row)
        nearest = sorted(
            (r for r in rows if r is not row), key=lambda r: abs(rows.index(r) - at - 0.1)
        )
        return [c for c in map(row_candidate, nearest) if c is not None]

    def _section(self, section: str, answer: Answer) -> list[Candidate]:
        """A section's sub-headings whose passages the answer does not quote, its table rows
        (printed in it, or pointing to its pages), then the names only it uses that the answer
        does not mention."""
        quotes = [normalise(c.quote) for c in answer.citations]
        own = [p for p in self.passages if p.section == section]
        answered = {p.heading for p in own if any(q in normalise(p.text) for q in quotes)}
        headings = dict.fromkeys(
            _subject(p.heading) for p in own if p.heading and p.heading not in answered
        )
        pages = {p.pages for p in own}
        rows = [
            r
            for r in self.store.rows
            if r.section == section or any(_overlap(self.pointers.get(r.quote), p) for p in pages)
        ]
        said = " ".join([answer.text, *quotes]).lower()
        names = [n for n in self.names.get(section, []) if n.lower() not in said]
        return [
            *(Candidate(about(h), section=section) for h in headings if h),
            *(c for c in map(row_candidate, rows) if c is not None),
            *(Candidate(about(n), section=section) for n in names),
        ]

    def _verdict(self, candidate: Candidate, answer: Answer) -> tuple[str, ...] | None:
        """The quotes the candidate's answer cites when it is answered from the fact it was
        drawn from; None when it is not. Cached."""
        key = (candidate.question, answer.question)
        with self._lock:
            if key in self._verdicts:
                self._verdicts.move_to_end(key)
                return self._verdicts[key]
        reply = self.ask(candidate.question, [answer])
        quotes = tuple(sorted(normalise(c.quote) for c in reply.citations))
        fits = reply.kind in ANSWERED and bool(quotes)
        if candidate.row_quote:
            fits = fits and normalise(candidate.row_quote) in quotes
        if candidate.section:
            fits = fits and any(c.section == candidate.section for c in reply.citations)
        verdict = quotes if fits else None
        with self._lock:
            self._verdicts[key] = verdict
            while len(self._verdicts) > CACHE_SIZE:
                self._verdicts.popitem(last=False)
        return verdict


def row_candidate(row: StatRow) -> Candidate | None:
    """The question a table row answers, from its label and latest period; None for a row
    whose label names nothing of its own (a bare "Total")."""
    periods = [p for p in row.periods() if parse_number(row.values.get(p, "")) is not None]
    named = [w for w in content_words(row.label) if w not in MEASURE_WORDS]
    if not named or not periods:
        return None  # nothing named, or no figure printed ("n/a"): nothing to ask
    period = periods[-1]
    when = f" in the {period}" if _SPAN.match(period) else f" in {period}"
    first = row.label.split()[0].lower()
    if first in MEASURE_WORDS:  # "Number of arrests": "What was the number of arrests?"
        return Candidate(f"What was the {first}{row.label[len(first) :]}{when}?", row.quote)
    if row.kind == "money":  # spending or income alike: "the amount for"
        return Candidate(f"What was the amount for {row.label}{when}?", row.quote)
    return Candidate(f"What was the figure for {row.label}{when}?", row.quote)


def about(topic: str) -> str:
    """A question about a topic: "What does the report say about rural crime?"."""
    return f"What does the report say about {topic}?"


def _subject(heading: str) -> str:
    """A heading as the object of a sentence: the part after a label ("Case Study: X" is X),
    lower-cased when only its first letter is a capital ("Rural crime")."""
    text = heading.rsplit(":", 1)[-1].strip().rstrip(".")
    words = text.split()
    if len(words) > 1 and all(w[:1].islower() for w in words[1:]) and not words[0].isupper():
        return text[:1].lower() + text[1:]
    return text


def pointers(rows: Sequence[StatRow]) -> dict[str, tuple[int, int]]:
    """The pages each row points to (by its verbatim line): a cell of its own reading "pages
    14-15", where the report discusses it. The cell is merged over the rows below it in the
    printed table, so its span is carried down until the next pointer or the next table."""
    found: dict[str, tuple[int, int]] = {}
    last: tuple[str, tuple[int, int] | None] = ("", None)
    for row in rows:
        own = _pointer(row.quote)
        span = own or (last[1] if last[0] == row.table_title else None)
        if span is not None:
            found[row.quote] = span
        last = (row.table_title, span)
    return found


def _pointer(quote: str) -> tuple[int, int] | None:
    for cell in quote.strip().strip("|").split("|"):
        found = _PAGE_POINTER.match(cell.strip())
        if found:
            first = int(found.group(1))
            return first, int(found.group(2) or first)
    return None


def section_names(passages: Sequence[Passage]) -> dict[str, list[str]]:
    """For each section, in reading order, the names (runs of two or more capitalised words,
    not opening a sentence) that no other section uses: what the section alone is about."""
    where: dict[str, set[str]] = {}
    order: dict[str, list[str]] = {}
    for passage in passages:
        for sentence in split_sentences(normalise(passage.text)):
            for found in _NAME.finditer(sentence):
                if found.start() == 0:
                    continue  # a sentence's first word is capitalised anyway
                name = found.group(0)
                for opener in _OPENERS:
                    name = name.removeprefix(opener)
                name = re.sub(r"['’]s$", "", name)  # "the Chief Constable's contract"
                if " " not in name:
                    continue  # one word left: not a name
                where.setdefault(name, set()).add(passage.section)
                order.setdefault(passage.section, []).append(name)
    return {
        section: [n for n in dict.fromkeys(names) if where[n] == {section}]
        for section, names in order.items()
    }


def _overlap(span: tuple[int, int] | None, pages: str) -> bool:
    """Whether a page span overlaps a section's pages ("14-15")."""
    numbers = [int(n) for n in re.findall(r"\d+", pages)]
    if span is None or not numbers:
        return False
    return span[0] <= max(numbers) and min(numbers) <= span[1]


def _key(question: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", question.lower()))
