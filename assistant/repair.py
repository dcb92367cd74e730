"""Parse a report into sections of blocks and repair the PDF-extraction damage.

Repairs, all in code (the report file is never edited):
- section boundaries come from the manifest, since headings exist only on the contents page;
- a figure printed alone ("£200,000") is joined to its caption as one call-out;
- sentences split across column breaks are rejoined, even when a call-out or pull quote
  sits between the halves, or the second half was printed earlier than the first;
- paragraphs printed twice, and pull quotes that repeat the prose, are dropped;
- stray copies of section headings are dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from assistant.corpus import Document
from assistant.errors import CorpusError
from assistant.text import clean, words

_FIGURE = r"(?:over |more than |about )?£?\d[\d,.]*(?:%|mins| mins)?"
_FIGURE_ONLY = re.compile(rf"^{_FIGURE}$", re.I)
_STARTS_WITH_FIGURE = re.compile(rf"^{_FIGURE}(?:\s|$)", re.I)
_TERMINAL = tuple(".!?:;\"”’'-–")
_CONNECTORS = frozenset(
    "a an the and or but of to in on for with by from as at that which who whose than their "
    "our its this these those".split()
)
_FOOTNOTE = re.compile(r"^[¹²³⁴⁵⁶⁷⁸⁹⁰]")


@dataclass(frozen=True)
class Block:
    """A paragraph of a section: prose, heading, callout, quote, list, table or footnote."""

    kind: str
    raw: str
    order: int

    @property
    def text(self) -> str:
        """Cleaned display text."""
        return clean(self.raw)


@dataclass(frozen=True)
class Section:
    """A manifest section with its repaired blocks."""

    title: str
    pages: str
    blocks: tuple[Block, ...]


def parse_document(doc: Document) -> list[Section]:
    """Sections of the document, each with repaired blocks in reading order."""
    starts = _section_starts(doc)
    ends = [*starts[1:], len(doc.text)]
    titles = {s.title.lower() for s in doc.sections}
    sections = []
    for spec, start, end in zip(doc.sections, starts, ends, strict=True):
        blocks = _merge_figures(_classify(_paragraphs(doc.text[start:end], start)))
        blocks = [b for b in blocks if not (b.kind == "heading" and b.text.lower() in titles)]
        sections.append(Section(spec.title, spec.pages, tuple(rejoin_split_sentences(blocks))))
    return drop_repeats(sections)


def _section_starts(doc: Document) -> list[int]:
    starts, position = [], 0
    for spec in doc.sections:
        found = re.search(r"(?m)^" + re.escape(spec.starts_at), doc.text[position:])
        if not found:
            raise CorpusError(
                f"{doc.path.name}: section {spec.title!r} start text {spec.starts_at!r} "
                "not found at a line start after the previous section"
            )
        position += found.start()
        starts.append(position)
        position += 1
    return starts


def _paragraphs(text: str, offset: int) -> list[tuple[str, int]]:
    """Blank-line separated paragraphs; table rows and footnotes stand apart from prose."""
    out: list[tuple[str, int]] = []
    current: list[str] = []
    kind = ""
    for line in text.split("\n"):
        stripped = line.strip()
        line_kind = (
            "table" if stripped.startswith("|") else "foot" if _FOOTNOTE.match(stripped) else "p"
        )
        if not stripped or line_kind != kind or line_kind == "foot":
            if current:
                out.append(("\n".join(current), offset))
            current = []
        if stripped:
            current.append(stripped)
            kind = line_kind
        else:
            kind = ""
        offset += len(line) + 1
    if current:
        out.append(("\n".join(current), offset))
    return out


def _classify(paragraphs: list[tuple[str, int]]) -> list[Block]:
    return [Block(_kind_of(raw), raw, order) for raw, order in paragraphs]


def _kind_of(raw: str) -> str:
    text = clean(raw)
    if raw.startswith("|"):
        return "table"
    if _FOOTNOTE.match(raw):
        return "footnote"
    if raw.replace("**", "").startswith("- "):
        return "list"
    if text[:1] in '“"' and text[-1:] in '”"':
        return "quote"
    if _FIGURE_ONLY.match(text):
        return "figure"
    if _STARTS_WITH_FIGURE.match(text) and len(words(text)) <= 25:
        return "callout"
    if len(words(text)) <= 9 and not text.endswith(_TERMINAL) and text[:1].isupper():
        return "heading"
    return "prose"


def _merge_figures(blocks: list[Block]) -> list[Block]:
    """A figure printed alone takes the paragraph after it as its caption."""
    out: list[Block] = []
    for block in blocks:
        if out and out[-1].kind == "figure" and block.kind in ("prose", "heading", "callout"):
            out[-1] = Block("callout", out[-1].raw + "\n" + block.raw, out[-1].order)
        else:
            out.append(block)
    return [replace(b, kind="callout") if b.kind == "figure" else b for b in out]


def is_fragment(block: Block) -> bool:
    """Prose that stops mid-sentence (a column break cut it)."""
    return block.kind == "prose" and not block.text.endswith(_TERMINAL)


def rejoin_split_sentences(blocks: list[Block]) -> list[Block]:
    """Join each fragment to its continuation: the next prose, else an earlier lower-case orphan.

    Call-outs, quotes and headings between the halves are skipped over; an orphan printed
    before its fragment can only be one that no earlier fragment claimed.
    """
    blocks = list(blocks)
    i = 0
    while i < len(blocks):
        if is_fragment(blocks[i]):
            j = _continuation(blocks, i)
            if j is not None:
                joined = Block("prose", blocks[i].raw + "\n" + blocks[j].raw, blocks[i].order)
                blocks[i] = joined
                del blocks[j]
                if j < i:
                    i -= 1
                continue
        i += 1
    return blocks


def _continuation(blocks: list[Block], i: int) -> int | None:
    last_word = (words(blocks[i].text) or [""])[-1]
    following = [j for j in range(i + 1, len(blocks)) if blocks[j].kind == "prose"]
    if following:
        nxt = following[0]
        if blocks[nxt].text[:1].islower() or last_word in _CONNECTORS:
            return nxt
    for j in range(i - 1, -1, -1):
        if blocks[j].kind == "prose" and blocks[j].text[:1].islower():
            return j
    return None


def drop_repeats(sections: list[Section]) -> list[Section]:
    """Drop paragraphs printed twice (keeping the fuller copy) and pull quotes of the prose."""
    prose = [b for s in sections for b in s.blocks if b.kind == "prose"]
    sets = {b.order: set(words(b.text)) for b in prose}
    dropped: set[int] = set()
    for a_index, a in enumerate(prose):
        for b in prose[a_index + 1 :]:
            if a.order in dropped or b.order in dropped:
                continue
            union = sets[a.order] | sets[b.order]
            if union and len(sets[a.order] & sets[b.order]) / len(union) >= 0.75:
                dropped.add(a.order if len(b.text) > len(a.text) else b.order)
    for block in (b for s in sections for b in s.blocks if b.kind == "quote"):
        quote_words = set(words(block.text))
        if any(len(quote_words & sets[p.order]) >= 0.85 * len(quote_words) for p in prose):
            dropped.add(block.order)
    return [
        Section(s.title, s.pages, tuple(b for b in s.blocks if b.order not in dropped))
        for s in sections
    ]
