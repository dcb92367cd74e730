"""The repaired report for reading, section by section, and where a citation's quote sits in it.

The web app's "Read the report" view shows what `repair.parse_document` makes of each report
(split sentences rejoined, repeated paragraphs and pull quotes dropped), screened as at ingest:
a sentence or table row that `untrusted.flag_reason` flags is left out here too. Every sentence
and table row has an anchor, so a source under an answer can open the report at its quote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.corpus import Document
from assistant.invariants import GAP
from assistant.repair import Block, parse_document
from assistant.text import clean, normalise, split_sentences
from assistant.untrusted import flag_reason

TEXT_KINDS = ("heading", "prose", "list", "callout", "quote", "footnote")
_RULE = re.compile(r"^\|?\s*:?-{2,}")  # a markdown table's header rule, |---|---|


@dataclass(frozen=True)
class Sentence:
    """One sentence of the report, with its anchor."""

    anchor: str
    text: str


@dataclass(frozen=True)
class TableRow:
    """One table row: its anchor, its cells and the line as printed (what citations quote)."""

    anchor: str
    cells: tuple[str, ...]
    line: str


@dataclass(frozen=True)
class ReaderBlock:
    """A paragraph, heading, list (one line per item) or table of a section."""

    kind: str
    lines: tuple[tuple[Sentence, ...], ...] = ()
    header: tuple[str, ...] = ()
    rows: tuple[TableRow, ...] = ()


@dataclass(frozen=True)
class ReaderSection:
    """A section of a report as the reader shows it."""

    anchor: str
    document: str
    title: str
    pages: str
    blocks: tuple[ReaderBlock, ...]


def report_sections(documents: list[Document]) -> list[ReaderSection]:
    """Every document's repaired sections, in order, screened, with anchors."""
    out: list[ReaderSection] = []
    for doc in documents:
        for section in parse_document(doc):
            anchor = f"s{len(out)}"
            blocks = [
                _block(b, f"{anchor}-b{i}", doc.trusted) for i, b in enumerate(section.blocks)
            ]
            kept = tuple(b for b in blocks if b is not None)
            out.append(ReaderSection(anchor, doc.title, section.title, section.pages, kept))
    return out


def _block(block: Block, anchor: str, trusted: bool) -> ReaderBlock | None:
    """A repaired block for reading; None when nothing of it may be shown."""
    if block.kind == "table":
        return _table(block, anchor, trusted)
    if block.kind not in TEXT_KINDS:
        return None
    items = _list_items(block.raw) if block.kind == "list" else [block.text]
    lines = []
    for item in items:
        kept = [s for s in split_sentences(item) if flag_reason(s, trusted) is None]
        lines.append(kept)
    numbered, i = [], 0
    for line in lines:
        numbered.append(tuple(Sentence(f"{anchor}-i{i + n}", s) for n, s in enumerate(line)))
        i += len(line)
    kept_lines = tuple(line for line in numbered if line)
    return ReaderBlock(block.kind, lines=kept_lines) if kept_lines else None


def _list_items(raw: str) -> list[str]:
    """A list block's items, without their dashes or emphasis."""
    items = [clean(item) for item in raw.replace("**", "").split("\n- ")]
    return [i.lstrip("- ").strip() for i in items if i.strip()]


def _table(block: Block, anchor: str, trusted: bool) -> ReaderBlock | None:
    """A markdown table block as header cells and rows (rows flagged at ingest left out)."""
    lines = [ln.strip() for ln in block.raw.split("\n") if ln.strip().startswith("|")]
    if not lines:
        return None
    header = _cells(lines[0])
    rows = []
    for i, line in enumerate(ln for ln in lines[1:] if not _RULE.match(ln)):
        if flag_reason(clean(line.replace("|", " ")), trusted) is None:
            rows.append(TableRow(f"{anchor}-r{i}", _cells(line), line))
    return ReaderBlock("table", header=header, rows=tuple(rows)) if rows else None


def _cells(line: str) -> tuple[str, ...]:
    return tuple(clean(c) for c in line.strip().strip("|").split("|"))


def locate(sections: list[ReaderSection], citation: dict) -> list[str]:
    """Anchors of the sentences or table rows a citation quotes, in reading order; its own
    section is searched first, then the whole document; [] when the quote is not found."""
    parts = [_key(p) for p in str(citation.get("quote", "")).split(GAP.strip()) if p.strip()]
    if not parts:
        return []
    document, title = citation.get("document"), citation.get("section")
    own = [s for s in sections if s.title == title and document in (None, s.document)]
    rest = [s for s in sections if s not in own and document in (None, s.document)]
    for group in (own, rest):
        found = [a for part in parts for a in _anchors(group, part)]
        if found:
            return list(dict.fromkeys(found))
    return []


def _anchors(sections: list[ReaderSection], part: str) -> list[str]:
    """Anchors covering one quoted part: table rows holding it, else sentences it holds or
    that hold it."""
    rows = [r.anchor for s in sections for b in s.blocks for r in b.rows if part in _key(r.line)]
    if rows or part.startswith("|"):
        return rows[:1]
    found = []
    for section in sections:
        for block in section.blocks:
            for sentence in (s for line in block.lines for s in line):
                text = _key(sentence.text)
                if text and (part in text or (text in part and len(text.split()) >= 3)):
                    found.append(sentence.anchor)
    return found


def _key(text: str) -> str:
    """Text as compared when locating a quote: normalised, one space, no edge punctuation
    (a quote cut at a gap may lose a comma)."""
    return normalise(text).strip(" .,;:").replace("’", "'")


def section_of(sections: list[ReaderSection], anchor: str) -> ReaderSection | None:
    """The section an anchor belongs to."""
    head = anchor.split("-", 1)[0]
    return next((s for s in sections if s.anchor == head), None)
