"""Drafting desk: finding questions, renumbering citations, files, CLI errors."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import pytest
from docx import Document

from assistant.answer import Answer, Citation, Conflict
from assistant.draft import (
    STAFF_PLACEHOLDER,
    Renumberer,
    configure_parser,
    correspondent_name,
    draft_reply,
    find_questions,
    markdown_to_docx,
    read_letter,
    run_command,
)
from assistant.errors import AssistantError, InputFileError
from assistant.settings import Settings

LETTER = """Dear Commissioner,

I read your annual report with interest. How many homicides were there in Essex
last year? I would like to know how much was spent on police officer pay.

Please tell me what Community Speed Watch does. The weather has been lovely.
Also, what is your favourite football team?

Yours sincerely,
Jane Smith
"""
HOMICIDES = Citation(
    1,
    "Annual Report 2016-17",
    "Performance data",
    "23",
    "| Number of homicides | 34 | 15 | -19 | -55.9 |",
)
PAY = Citation(
    1,
    "Annual Report 2016-17",
    "Summary of accounts",
    "22",
    "| Police officer pay & allowances | 159,556 |",
)
CSW = Citation(
    2,
    "Annual Report 2016-17",
    "Priority 7: Improve safety on our roads",
    "20-21",
    "Community Speed Watch also continues to offer a valuable service",
)


class FakeAssistant:
    """Canned answers with local citation numbers, as the real ask() returns them."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.histories: list[int] = []

    def ask(self, question: str, history: Sequence[Answer | dict] = ()) -> Answer:
        self.histories.append(len(history))
        q = question.lower()
        if "homicide" in q:
            return Answer(question, "statistic", "There were 15 homicides [1].", [HOMICIDES])
        if "officer pay" in q:
            return Answer(question, "statistic", "Pay was £159,556k [1].", [PAY])
        if "speed watch" in q:
            cites = [HOMICIDES, CSW]  # reuses the homicides row: must keep number 1
            conflict = [Conflict("two figures", (1, 2))]
            return Answer(
                question,
                "answer",
                "Volunteers [2] and homicides [1, 2].",
                cites,
                conflicts=conflict,
            )
        return Answer(question, "not_found", "The annual report doesn't cover that.")


@pytest.fixture
def fake(tmp_path: Path) -> FakeAssistant:
    return FakeAssistant(Settings(index_dir=tmp_path / "index", max_letter_chars=2000))


@pytest.mark.parametrize(
    ("letter", "expected"),
    [
        (
            LETTER,
            [
                "How many homicides were there in Essex last year?",
                "I would like to know how much was spent on police officer pay.",
                "Please tell me what Community Speed Watch does.",
                "Also, what is your favourite football team?",
            ],
        ),
        (
            "Could you explain why confidence fell. Thanks.",
            ["Could you explain why confidence fell."],
        ),
        (
            "I'd like to know about drink driving. Can you tell me about gangs?",
            ["I'd like to know about drink driving.", "Can you tell me about gangs?"],
        ),
        ("Why? Why did crime rise?\n\nWhy? ", ["Why?", "Why did crime rise?"]),
        ("I think policing is good. Keep it up!", []),
        (
            "Dear Sir,\nWhat is 999 for?\nYours faithfully,\nBob\nWhat is 111?\nP.S. What is 101?",
            ["What is 999 for?", "What is 101?"],
        ),
    ],
    ids=[
        "letter",
        "could-you-explain",
        "id-like-and-can-you",
        "repeats-dropped",
        "none",
        "sign-off-and-ps",
    ],
)
def test_find_questions(letter, expected):
    assert find_questions(letter) == expected


@pytest.mark.parametrize(
    ("letter", "name"),
    [
        (LETTER, "Jane Smith"),
        ("Hi\nQ?\nKind regards,\nA. N. Other", "A. N. Other"),
        ("Q?\nThanks\n07700 900123", None),
        ("Just a question?", None),
    ],
    ids=["yours-sincerely", "kind-regards", "not-a-name", "no-sign-off"],
)
def test_correspondent_name(letter, name):
    assert correspondent_name(letter) == name


def test_draft_renumbers_citations_across_the_whole_draft(fake):
    draft = draft_reply(fake, LETTER)
    assert [r.n for r in draft.references] == [1, 2, 3]
    assert [r.section for r in draft.references] == [
        "Performance data",
        "Summary of accounts",
        "Priority 7: Improve safety on our roads",
    ]
    texts = [item.text for item in draft.items]
    assert texts[0] == "There were 15 homicides [1]."
    assert texts[1] == "Pay was £159,556k [2]."
    assert texts[2] == "Volunteers [3] and homicides [1][3]. Note: two figures [1][3]"
    assert texts[3] == STAFF_PLACEHOLDER
    assert fake.histories == [0, 1, 2, 3]


def test_draft_markdown_layout(fake):
    markdown = draft_reply(fake, LETTER).to_markdown()
    assert markdown.startswith("Dear Jane Smith,\n\n")
    assert markdown.count("**") == 8  # one bold question line per question
    references = markdown.split("## References\n\n")[1].split("\n\n## ")[0]
    assert references.splitlines()[0] == (
        "[1] Annual Report 2016-17, Performance data, page 23: "
        '"| Number of homicides | 34 | 15 | -19 | -55.9 |"'
    )
    assert "pages 20-21" in references
    assert markdown.count("[1] Annual Report") == 1
    staff = markdown.split("## FOR STAFF: remove before sending\n\n")[1]
    assert staff == "- Not answered by the report: Also, what is your favourite football team?\n"


def test_draft_to_dict_is_the_api_shape(fake):
    data = draft_reply(fake, LETTER).to_dict()
    assert set(data) == {"markdown", "questions", "references", "unanswered", "staff_notes"}
    assert data["unanswered"] == ["Also, what is your favourite football team?"]
    assert data["questions"][2]["citations"] == [1, 3]


@pytest.mark.parametrize(
    ("letter", "message"),
    [
        ("", "The letter is empty: paste the text of a letter or email."),
        (" \n\x00\t ", "The letter is empty: paste the text of a letter or email."),
        ("a" * 2500, "The letter is too long: 2,500 characters; the limit is 2,000."),
        (
            "Policing is good.",
            "No questions found in the letter: the desk looks for sentences "
            "ending in '?' and requests such as 'Please tell me ...'.",
        ),
    ],
    ids=["empty", "blank", "too-long", "no-questions"],
)
def test_bad_letters_are_one_line_errors(fake, letter, message):
    with pytest.raises(AssistantError) as caught:
        draft_reply(fake, letter)
    assert str(caught.value) == message


def test_docx_keeps_headings_bold_questions_and_lists(fake, tmp_path):
    markdown = draft_reply(fake, LETTER).to_markdown() + "\n\nEdited by staff \x07line.\n"
    document = Document(str(markdown_to_docx(markdown, tmp_path / "reply.docx")))
    paragraphs = {p.text: p for p in document.paragraphs}
    assert "Dear Jane Smith," in paragraphs
    assert paragraphs["References"].style.name == "Heading 2"
    question = paragraphs["How many homicides were there in Essex last year?"]
    assert question.runs[0].bold is True
    bullet = "Not answered by the report: Also, what is your favourite football team?"
    assert paragraphs[bullet].style.name == "List Bullet"
    assert "Edited by staff line." in paragraphs


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "missing.txt", "{path}: no such file"),
        (lambda d: d, "{path}: is a folder, not a letter file"),
        (lambda d: _write(d / "empty.txt", b"  \n"), "{path}: the file is empty"),
        (
            lambda d: _write(d / "long.txt", b"a" * 2500),
            "{path}: too long for a letter (2,500 characters; the limit is 2,000)",
        ),
        (
            lambda d: _write(d / "latin1.txt", "Caf\xe9?".encode("latin-1")),
            "{path}: not UTF-8 text",
        ),
    ],
    ids=["missing", "folder", "empty", "too-long", "not-utf8"],
)
def test_letter_file_errors_are_one_line(tmp_path, make, message):
    path = make(tmp_path)
    with pytest.raises(InputFileError) as caught:
        read_letter(path, 2000)
    assert str(caught.value) == message.format(path=path)


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="assistant draft")
    configure_parser(parser)
    return parser.parse_args(list(argv))


def test_cli_file_error_comes_before_opening_the_index(tmp_path):
    settings = Settings(index_dir=tmp_path / "no-index", corpus_dir=tmp_path / "no-corpus")
    with pytest.raises(InputFileError) as caught:
        run_command(_parse(str(tmp_path / "nope.txt")), settings)
    assert str(caught.value) == f"{tmp_path / 'nope.txt'}: no such file"


@pytest.mark.slow
def test_cli_drafts_md_and_docx_with_the_real_assistant(built_settings, tmp_path, capsys):
    letter = _write(tmp_path / "letter.txt", LETTER.encode("utf-8"))
    out, docx = tmp_path / "reply.md", tmp_path / "reply.docx"
    assert (
        run_command(_parse(str(letter), "--out", str(out), "--docx", str(docx)), built_settings)
        == 0
    )
    markdown = out.read_text(encoding="utf-8")
    assert "## References" in markdown
    assert "15" in markdown.split("**How many homicides were there in Essex last year?**")[1]
    assert "- Not answered by the report: Also, what is your favourite football team?" in markdown
    assert any(p.text == "References" for p in Document(str(docx)).paragraphs)
    assert f"Wrote the draft to {out}." in capsys.readouterr().err


@pytest.mark.slow
def test_real_draft_cites_every_reference_once(assistant_session):
    draft = draft_reply(assistant_session, LETTER)
    keys = [(r.section, r.pages, r.quote) for r in draft.references]
    assert len(keys) == len(set(keys)) and keys
    cited = sorted({n for item in draft.items for n in item.citations})
    assert cited == [r.n for r in draft.references]
    assert draft.items[0].kind == "statistic"


@pytest.mark.parametrize(
    ("summary", "note"),
    [
        ("two figures", "Note: two figures [2][1]"),
        ("the text says [1], the table [2]", "Note: the text says [2], the table [1]"),
    ],
    ids=["summary-without-markers", "summary-with-markers"],
)
def test_conflict_notes_are_renumbered_and_marked_once(summary, note):
    numbers = Renumberer()
    assert numbers.number(asdict(HOMICIDES)) == 1  # cited by an earlier answer
    csw, homicides = asdict(CSW) | {"n": 1}, asdict(HOMICIDES) | {"n": 2}
    answer = {
        "text": "Text [1] and [2].",
        "citations": [csw, homicides],
        "conflicts": [{"summary": summary, "citations": [1, 2]}],
    }
    assert numbers.renumber(answer) == (f"Text [2] and [1]. {note}", [1, 2])
