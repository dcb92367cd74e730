"""Split repaired sections into passages (the retrieval unit) and sentences (the quote unit)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from assistant.corpus import Document
from assistant.repair import Section
from assistant.text import split_sentences, words
from assistant.untrusted import Flag, flag_reason

CHUNKING = "blocks-v1:max170w:stem-v2:headings-v2:screened-v1"
MAX_WORDS = 170
PASSAGE_KINDS = ("prose", "list", "callout", "quote", "footnote")


@dataclass(frozen=True)
class Passage:
    """A piece of one section, with where it comes from and its place in the document."""

    id: str
    document: str
    section: str
    pages: str
    heading: str
    kind: str
    position: int
    text: str

    def embedding_text(self) -> str:
        """What is embedded: the section and heading give a passage its context."""
        return " ".join(p for p in (self.section + ".", self.heading, self.text) if p)

    def sentences(self) -> list[str]:
        """The passage's sentences, in order (split once per text: every question reads them)."""
        return list(_sentences_of(self.text))


def build_passages(doc: Document, sections: list[Section]) -> list[Passage]:
    """Passages of every section, in reading order, long prose split at sentence ends;
    flagged sentences left out (screened_passages says which)."""
    return screened_passages(doc, sections)[0]


def screened_passages(doc: Document, sections: list[Section]) -> tuple[list[Passage], list[Flag]]:
    """The passages, and the sentences left out of them because they instruct the reader
    or give contact details from a document not marked trusted."""
    out: list[Passage] = []
    flags: list[Flag] = []
    for section in sections:
        heading, previous = "", ""
        for block in section.blocks:
            if block.kind == "heading":  # "Case Study" then "Riverside Park": both apply
                heading = f"{heading}: {block.text}" if previous == "heading" else block.text
                previous = block.kind
                continue
            previous = block.kind
            if block.kind not in PASSAGE_KINDS:
                continue
            text = _list_text(block.raw) if block.kind == "list" else block.text
            text, flagged = screen_text(text, doc.trusted)
            flags += [Flag(doc.title, section.title, s, reason) for s, reason in flagged]
            for chunk in _chunks(text) if text else []:
                out.append(
                    Passage(
                        id=f"{doc.path.stem}:{len(out):04d}",
                        document=doc.title,
                        section=section.title,
                        pages=section.pages,
                        heading=heading,
                        kind=block.kind,
                        position=len(out),
                        text=chunk,
                    )
                )
    return out, flags


def screen_text(text: str, trusted: bool) -> tuple[str, list[tuple[str, str]]]:
    """The text without its flagged sentences (unchanged when none is), and those sentences
    with the reason for each."""
    flagged = [(s, r) for s in split_sentences(text) if (r := flag_reason(s, trusted))]
    if not flagged:
        return text, []
    dropped = {s for s, _ in flagged}
    lines = (
        " ".join(s for s in split_sentences(line) if s not in dropped) for line in text.split("\n")
    )
    return "\n".join(line for line in lines if line), flagged


def _list_text(raw: str) -> str:
    """List items one per line, without their dashes or emphasis."""
    from assistant.text import clean

    items = [clean(item) for item in raw.replace("**", "").split("\n- ")]
    return "\n".join(i.lstrip("- ").strip() for i in items if i.strip())


def _chunks(text: str) -> list[str]:
    """Text cut at sentence ends into pieces of at most MAX_WORDS words."""
    if len(words(text)) <= MAX_WORDS:
        return [text]
    chunks: list[str] = []
    current: list[str] = []
    for sentence in split_sentences(text):
        if current and len(words(" ".join([*current, sentence]))) > MAX_WORDS:
            chunks.append(" ".join(current))
            current = []
        current.append(sentence)
    if current:
        chunks.append(" ".join(current))
    return chunks


@lru_cache(maxsize=65536)
def _sentences_of(text: str) -> tuple[str, ...]:
    return tuple(split_sentences(text))
