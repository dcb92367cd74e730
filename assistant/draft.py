"""Draft a reply to a citizen's letter: find its questions, answer each from the report.

Nothing is sent anywhere: the result is an editable draft (plain text to copy, markdown,
or .docx) with a heading and one paragraph per question, citations renumbered across the
whole draft, a references list and a clearly marked list of the questions the report does
not answer. Each question goes to the chat's own ask(), so whatever the chat answers the
draft answers; voice.py turns the answer into prose the office can sign.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from assistant.answer import Answer
from assistant.corpus import manifest_names
from assistant.errors import AssistantError, InputFileError
from assistant.settings import Settings
from assistant.text import CONTROL_CHARACTERS
from assistant.voice import letter_paragraph

MAX_QUESTIONS = 20
ANSWERED_KINDS = ("answer", "statistic", "report", "emergency")
STAFF_PLACEHOLDER = (
    "[FOR STAFF: the annual report does not answer this question. "
    "Answer it separately or remove it.]"
)
EMERGENCY_NOTE = "The letter may describe an emergency or distress: check it urgently."
SIGN_OFF = "Yours sincerely,\n\n[Name]\nOffice of the {publisher}"
QUESTION_LABEL = "Your question: "  # marks a question's heading in the plain-text copy
REFERENCES = "References"
STAFF_HEADING = "For staff: remove before sending"
BULLET = "• "
GENERIC_SOURCE = ("the annual report", "Police and Crime Commissioner")

_GREETING = re.compile(r"^(dear|hi|hello|good (morning|afternoon|evening))\b", re.I)
_CLOSING = re.compile(
    r"^(yours( sincerely| faithfully| truly)?|(kind|best|warm|many)? ?regards|best wishes|"
    r"many thanks|thanks( again)?|thank you( (very much|in advance))?)[,.!]?$",
    re.I,
)
_POSTSCRIPT = re.compile(r"^p\.?\s?s\.?[:,]?\s+", re.I)
_NAME_LINE = re.compile(r"^[A-Z][A-Za-z.'-]*(\s+[A-Z][A-Za-z.'-]*){0,3}$")
_SENTENCE_END = re.compile(r"(?<=[.?!])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")
_LEAD_IN = (
    r"(?:(?:also|and|so|but|firstly|secondly|thirdly|finally|lastly|in addition|additionally|"
    r"furthermore|moreover|lastly|next)\s*,?\s+)?"
)
_REQUEST = re.compile(
    _LEAD_IN
    + r"(?:i(?: would|'d| should)? (?:like|want|wish|need) to (?:know|ask|understand|find out)|"
    r"i would be grateful (?:if you could|to know|for)|i'?d be grateful if you could|"
    r"i am (?:interested|keen) to (?:know|understand)|i(?: am|'m) writing to ask|"
    r"please (?:could you |can you |would you )?(?:tell|explain|confirm|advise|let me know|"
    r"provide|clarify|set out|outline|describe)|"
    r"(?:could|can|would|will) you (?:please )?(?:tell|explain|confirm|advise|let me know|"
    r"provide|clarify|set out|outline|describe))\b",
    re.I,
)
_MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")


class Asker(Protocol):
    """What drafting needs from the Assistant: ask() and settings."""

    settings: Settings

    def ask(self, question: str, history: Sequence[Answer | dict] = ()) -> Answer: ...


@dataclass(frozen=True)
class Reference:
    """One numbered source in the draft's references list."""

    n: int
    document: str
    section: str
    pages: str
    quote: str

    def line(self) -> str:
        """The references-list line: section and page, then the quote."""
        page_word = "pages" if re.search(r"\d\s*[-–,]\s*\d", self.pages) else "page"
        where = f"{self.document}, {self.section}, {page_word} {self.pages}"
        cells = [c.strip() for c in self.quote.strip().strip("|").split("|")]
        if self.quote.lstrip().startswith("|") and any(cells):
            # A table row is cited as its markdown line; a reader gets its cells, no pipes.
            return f"[{self.n}] {where}, table row: {'; '.join(c for c in cells if c)}"
        return f'[{self.n}] {where}: "{self.quote}"'


@dataclass
class DraftItem:
    """One question from the letter and its renumbered answer."""

    question: str
    kind: str
    text: str
    citations: list[int] = field(default_factory=list)
    statistics: list[dict[str, Any]] = field(default_factory=list)  # figures read from tables

    @property
    def answered(self) -> bool:
        """True when the report (or the fixed safety wording) answers it."""
        return self.kind in ANSWERED_KINDS


@dataclass
class Draft:
    """An editable reply: greeting, one paragraph per question, references, staff list."""

    greeting: str
    items: list[DraftItem]
    references: list[Reference]
    staff_notes: list[str] = field(default_factory=list)
    source: tuple[str, str] = GENERIC_SOURCE  # (the report's full title, its publisher)

    @property
    def unanswered(self) -> list[str]:
        """Questions the report does not answer, for staff to handle."""
        return [item.question for item in self.items if not item.answered]

    def to_markdown(self) -> str:
        """The draft as markdown text."""
        return render_markdown(self)

    def to_text(self) -> str:
        """The draft as plain text (no markdown symbols), ready to edit and paste."""
        return render_text(self)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (the /draft API's answer)."""
        return {
            "markdown": self.to_markdown(),
            "text": self.to_text(),
            "questions": [asdict(item) for item in self.items],
            "references": [asdict(ref) for ref in self.references],
            "unanswered": self.unanswered,
            "staff_notes": list(self.staff_notes),
        }


def normalise_letter(text: str) -> str:
    """The letter with unified line ends and control characters removed."""
    return CONTROL_CHARACTERS.sub(
        "", str(text or "").replace("\r\n", "\n").replace("\r", "\n")
    ).strip()


def clean_letter(text: str, max_chars: int) -> str:
    """The normalised letter; one-line AssistantError if it is empty or too long."""
    text = normalise_letter(text)
    if not text:
        raise AssistantError("The letter is empty: paste the text of a letter or email.")
    if len(text) > max_chars:
        raise AssistantError(
            f"The letter is too long: {len(text):,} characters; the limit is {max_chars:,}."
        )
    return text


def body_lines(letter: str) -> list[list[str]]:
    """Paragraphs of the letter body (lists of lines): no greeting, no sign-off but any P.S."""
    paragraphs: list[list[str]] = []
    signed_off = False
    for block in re.split(r"\n\s*\n", letter):
        kept: list[str] = []
        for line in (line.strip() for line in block.split("\n")):
            if _CLOSING.match(line):
                signed_off = True
            elif _POSTSCRIPT.match(line):
                kept.append(_POSTSCRIPT.sub("", line))
            elif line and not signed_off and not _is_greeting(line):
                kept.append(line)
        if kept:
            paragraphs.append(kept)
    return paragraphs


def _is_greeting(line: str) -> bool:
    """A short "Dear ..." / "Hello ..." line."""
    return bool(_GREETING.match(line)) and len(line.split()) <= 4 and not line.endswith("?")


def split_sentences(paragraph: str) -> list[str]:
    """Sentences of one paragraph, whitespace normalised."""
    text = re.sub(r"\s+", " ", paragraph).strip()
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def is_question(sentence: str) -> bool:
    """A sentence ending in "?" or a request such as "Please tell me ..."."""
    return sentence.rstrip("\"'”’) ").endswith("?") or bool(_REQUEST.match(sentence))


def find_questions(letter: str) -> list[str]:
    """The questions and requests in a letter, in order, without repeats."""
    found: list[str] = []
    for paragraph in body_lines(letter):
        for sentence in split_sentences(" ".join(paragraph)):
            if is_question(sentence) and sentence not in found:
                found.append(sentence)
    return found[:MAX_QUESTIONS]


def correspondent_name(letter: str) -> str | None:
    """The name under the sign-off ("Yours sincerely, / Jane Smith"), if there is one."""
    lines = [line.strip().rstrip(",") for line in letter.split("\n") if line.strip()]
    for i, line in enumerate(lines[:-1]):
        if _CLOSING.match(line):
            candidate = lines[i + 1]
            return candidate if _NAME_LINE.match(candidate) else None
    return None


class Renumberer:
    """Gives each distinct citation one number across the whole draft."""

    def __init__(self) -> None:
        self.references: list[Reference] = []
        self._numbers: dict[tuple[str, str, str, str], int] = {}

    def number(self, citation: dict[str, Any]) -> int:
        """The draft-wide number of a citation, adding it to the references if new."""
        key = (
            str(citation.get("document", "")),
            str(citation.get("section", "")),
            str(citation.get("pages", "")),
            re.sub(r"\s+", " ", str(citation.get("quote", ""))).strip(),
        )
        if key not in self._numbers:
            self._numbers[key] = len(self.references) + 1
            self.references.append(Reference(self._numbers[key], *key))
        return self._numbers[key]

    def renumber(self, answer: dict[str, Any]) -> tuple[str, list[int]]:
        """The answer text (with conflict notes) using draft-wide numbers."""
        text = str(answer.get("text", ""))
        used = {int(n) for group in _MARKER.findall(text) for n in re.findall(r"\d+", group)}
        used |= {int(n) for c in answer.get("conflicts", []) for n in c.get("citations", [])}
        # A citation the paragraph no longer shows (a dropped heading) is not a reference.
        local = {
            int(c["n"]): self.number(c) for c in answer.get("citations", []) if int(c["n"]) in used
        }

        def replace(match: re.Match[str]) -> str:
            numbers = [int(n) for n in re.split(r"\s*,\s*", match.group(1))]
            return "".join(f"[{local.get(n, n)}]" for n in numbers)

        text = _MARKER.sub(replace, text)
        for conflict in answer.get("conflicts", []):
            summary = str(conflict.get("summary", ""))
            marks = "".join(f"[{local[n]}]" for n in conflict.get("citations", []) if n in local)
            if _MARKER.search(summary) or not marks:
                note = f"Note: {_MARKER.sub(replace, summary)}"
            else:
                note = f"Note: {summary.rstrip('. ')} {marks}"
            text += " " + (note if note.endswith((".", ".”")) else note + ".")
        return text, sorted(set(local.values()))


def build_draft(
    letter: str,
    answers: Sequence[dict[str, Any]],
    questions: Sequence[str],
    source: tuple[str, str] = GENERIC_SOURCE,
) -> Draft:
    """Assemble the draft from the questions and their answers (answer-contract dicts):
    each answer becomes a paragraph in the office's voice (voice.py), then is renumbered."""
    numbers = Renumberer()
    items: list[DraftItem] = []
    author = f"The {source[1]}" if source[1] != GENERIC_SOURCE[1] else "The Commissioner"
    for question, answer in zip(questions, answers, strict=True):
        kind = str(answer.get("kind", "not_found"))
        if kind in ANSWERED_KINDS:
            voiced = answer | {"text": letter_paragraph(answer, author)}
            text, cited = numbers.renumber(voiced)
        else:
            text, cited = STAFF_PLACEHOLDER, []
        stats = list(answer.get("statistics", [])) if cited else []
        items.append(DraftItem(question, kind, text, cited, stats))
    notes = [EMERGENCY_NOTE] if any(item.kind == "emergency" for item in items) else []
    name = correspondent_name(letter)
    greeting = f"Dear {name}," if name else "Dear Sir or Madam,"
    return Draft(
        greeting=greeting,
        items=items,
        references=numbers.references,
        staff_notes=notes,
        source=source,
    )


def draft_reply(assistant: Asker, letter: str) -> Draft:
    """Find the letter's questions and answer each from the report (earlier ones as history)."""
    letter = clean_letter(letter, assistant.settings.max_letter_chars)
    questions = find_questions(letter)
    if not questions:
        raise AssistantError(
            "No questions found in the letter: the desk looks for sentences ending in '?' "
            "and requests such as 'Please tell me ...'."
        )
    answers: list[dict[str, Any]] = []
    for question in questions:
        answers.append(ask_like_the_chat(assistant, question, answers))
    return build_draft(letter, answers, questions, source_of(assistant.settings))


def ask_like_the_chat(assistant: Asker, question: str, earlier: Sequence[dict]) -> dict:
    """The chat's answer to a question of the letter: read after the earlier ones (it may
    point back at them), else on its own, as the chat answers it in a new conversation
    (a letter's questions are mostly separate; none should go unanswered that the chat
    answers)."""
    answer = assistant.ask(question, history=earlier).to_dict()
    if answer.get("kind") not in ANSWERED_KINDS and earlier:
        alone = assistant.ask(question).to_dict()
        if alone.get("kind") in ANSWERED_KINDS:
            return alone
    return answer


def source_of(settings: Settings) -> tuple[str, str]:
    """The report a draft answers from and the office that signs it, from the manifests
    ("the annual report" and the generic office when none can be read)."""
    titles, publishers = manifest_names(settings.corpus_dir)
    title = titles[0] if len(titles) == 1 else GENERIC_SOURCE[0]
    publisher = publishers[0] if len(set(publishers)) == 1 else GENERIC_SOURCE[1]
    return (f"the {title}" if not title.lower().startswith("the ") else title), publisher


def render(draft: Draft, heading: str, bullet: str) -> str:
    """The draft as text: headings start with `heading` ("## " in markdown, "" in plain
    text, where a question's heading reads "Your question: ...")."""
    title, publisher = draft.source
    intro = (
        f"Thank you for your letter. The answers to your questions below are taken from "
        f"{title}; the numbers in square brackets refer to the sources listed at the end of "
        "this letter."
    )
    label = QUESTION_LABEL if not heading else ""
    parts = [draft.greeting, intro]
    parts += [f"{heading}{label}{item.question}\n\n{item.text}" for item in draft.items]
    parts.append(SIGN_OFF.format(publisher=publisher))
    if draft.references:
        lines = "\n\n".join(r.line() for r in draft.references)
        parts.append(f"{heading}{REFERENCES}\n\n{lines}")
    staff = [f"{bullet}{note}" for note in draft.staff_notes]
    staff += [f"{bullet}Not answered by the report: {q}" for q in draft.unanswered]
    if staff:
        parts.append(f"{heading}{STAFF_HEADING}\n\n" + "\n".join(staff))
    return "\n\n".join(parts) + "\n"


def render_markdown(draft: Draft) -> str:
    """Markdown text of a draft: headings for the questions, references and staff notes."""
    return render(draft, "## ", "- ")


def render_text(draft: Draft) -> str:
    """Plain text of a draft, to copy into an email: no markdown symbols."""
    return render(draft, "", BULLET)


def _add_runs(paragraph: Any, text: str) -> None:
    """Add text to a docx paragraph, turning **bold** spans into bold runs."""
    for i, chunk in enumerate(re.split(r"\*\*", text)):
        if chunk:
            paragraph.add_run(chunk).bold = i % 2 == 1


def heading_of(line: str) -> tuple[int, str] | None:
    """(level, text) when a line is a heading: markdown "## ..." or a bold line, or the
    plain-text copy's question, references and staff headings; else None."""
    if line.startswith("#"):
        return min(len(line) - len(line.lstrip("#")), 4), line.lstrip("#").strip()
    bold = re.fullmatch(r"\*\*(.+)\*\*", line)
    if bold:
        return 2, bold.group(1).strip()
    if line.startswith(QUESTION_LABEL):
        return 2, line[len(QUESTION_LABEL) :].strip()
    if line.strip().lower() in (REFERENCES.lower(), STAFF_HEADING.lower()):
        return 2, line.strip()
    return None


def text_to_docx(text: str, path: Path) -> Path:
    """Write the (possibly edited) draft, plain text or markdown, as a Word document with
    headings for its questions, references and staff notes."""
    from docx import Document

    document = Document()
    for block in re.split(r"\n\s*\n", CONTROL_CHARACTERS.sub("", text).strip()):
        lines = block.split("\n")
        heading = heading_of(lines[0])
        if heading:
            document.add_heading(heading[1], level=heading[0])
            lines = lines[1:]
        if lines and all(line.startswith(("- ", "* ", BULLET)) for line in lines):
            for line in lines:
                _add_runs(document.add_paragraph(style="List Bullet"), line[2:])
            continue
        if lines:
            paragraph = document.add_paragraph()
            for j, line in enumerate(lines):
                if j:
                    paragraph.add_run().add_break()
                _add_runs(paragraph, line)
    path = Path(path)
    document.save(str(path))
    return path


markdown_to_docx = text_to_docx  # the name the UI and older callers use


def read_letter(path: Path, max_chars: int) -> str:
    """The letter file's text; one-line InputFileError when missing/unreadable/empty/too long."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputFileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputFileError(f"{path}: is a folder, not a letter file") from None
    except OSError as error:
        raise InputFileError(f"{path}: cannot read it ({error.strerror or error})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputFileError(f"{path}: not UTF-8 text") from None
    text = normalise_letter(text)
    if not text:
        raise InputFileError(f"{path}: the file is empty")
    if len(text) > max_chars:
        raise InputFileError(
            f"{path}: too long for a letter ({len(text):,} characters; the limit is {max_chars:,})"
        )
    return text


def configure_parser(p: argparse.ArgumentParser) -> None:
    """`assistant draft FILE [--out OUT.md] [--docx OUT.docx]`."""
    p.add_argument("file", type=Path, metavar="FILE", help="The letter or email, as UTF-8 text.")
    p.add_argument("--out", type=Path, help="Write the draft here instead of stdout.")
    p.add_argument("--markdown", action="store_true", help="Write markdown instead of plain text.")
    p.add_argument("--docx", type=Path, help="Also write the draft as a Word document.")


def _write(path: Path, write: Callable[[Path], object]) -> None:
    """Run a writer; one-line InputFileError if the file cannot be written."""
    try:
        write(path)
    except OSError as error:
        raise InputFileError(f"{path}: cannot write it ({error.strerror or error})") from None


def run_command(args: argparse.Namespace, settings: Settings) -> int:
    """Draft a reply to the letter in args.file."""
    from assistant.assistant import Assistant

    letter = read_letter(args.file, settings.max_letter_chars)
    assistant = Assistant.open(settings, progress=lambda m: print(m, file=sys.stderr, flush=True))
    draft = draft_reply(assistant, letter)
    text = draft.to_markdown() if getattr(args, "markdown", False) else draft.to_text()
    if args.out is not None:
        _write(args.out, lambda p: p.write_text(text, encoding="utf-8"))
        print(f"Wrote the draft to {args.out}.", file=sys.stderr)
    else:
        sys.stdout.write(text)
    if args.docx is not None:
        _write(args.docx, lambda p: text_to_docx(draft.to_markdown(), p))
        print(f"Wrote the Word draft to {args.docx}.", file=sys.stderr)
    return 0
