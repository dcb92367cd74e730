"""Drafting desk: finding questions, renumbering citations, files, CLI errors."""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import pytest
from docx import Document

from assistant.answer import Answer, Citation, Conflict
from assistant.draft import (
    STAFF_PLACEHOLDER,
    Draft,
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
from assistant.lead import LEAD
from assistant.settings import Settings
from assistant.text import normalise, number_key, numbers_in
from assistant.voice import PLAIN_NO_UNITS, letter_paragraph
from tests.conftest import MANIFEST, REPORT

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
    assert texts[2] == "Volunteers [3] and homicides [1][3]. Note: two figures [1][3]."
    assert texts[3] == STAFF_PLACEHOLDER
    assert fake.histories == [0, 1, 2, 3, 0]  # the unanswered one is asked again, alone


def test_draft_markdown_layout(fake):
    markdown = draft_reply(fake, LETTER).to_markdown()
    assert markdown.startswith("Dear Jane Smith,\n\n")
    assert markdown.count("\n## ") == 4 + 2  # a heading per question, references, staff
    assert "\n## How many homicides were there in Essex last year?\n\nThere were" in markdown
    references = markdown.split("## References\n\n")[1].split("\n\n## ")[0]
    assert references.splitlines()[0] == (
        "[1] Annual Report 2016-17, Performance data, page 23, table row: "
        "Number of homicides; 34; 15; -19; -55.9"
    )
    assert "pages 20-21" in references
    assert markdown.count("[1] Annual Report") == 1
    staff = markdown.split("## For staff: remove before sending\n\n")[1]
    assert staff == "- Not answered by the report: Also, what is your favourite football team?\n"


def test_draft_to_dict_is_the_api_shape(fake):
    data = draft_reply(fake, LETTER).to_dict()
    assert set(data) == {
        "markdown",
        "text",
        "questions",
        "references",
        "unanswered",
        "staff_notes",
    }
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


@pytest.mark.parametrize("form", ["to_markdown", "to_text"])
def test_docx_keeps_headings_and_lists_from_markdown_or_plain_text(fake, tmp_path, form):
    text = getattr(draft_reply(fake, LETTER), form)() + "\n\nEdited by staff \x07line.\n"
    document = Document(str(markdown_to_docx(text, tmp_path / "reply.docx")))
    paragraphs = {p.text: p for p in document.paragraphs}
    assert "Dear Jane Smith," in paragraphs
    assert paragraphs["References"].style.name == "Heading 2"
    question = paragraphs["How many homicides were there in Essex last year?"]
    assert question.style.name == "Heading 2"
    bullet = "Not answered by the report: Also, what is your favourite football team?"
    assert paragraphs[bullet].style.name == "List Bullet"
    assert "Edited by staff line." in paragraphs
    assert "**bold**" not in "".join(paragraphs) and "##" not in "".join(paragraphs)


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
    text = out.read_text(encoding="utf-8")
    assert "\n\nReferences\n\n[1] " in text and "**" not in text and "##" not in text
    assert "15" in text.split("Your question: How many homicides were there in Essex last year?")[1]
    assert "• Not answered by the report: Also, what is your favourite football team?" in text
    headings = [p.text for p in Document(str(docx)).paragraphs if p.style.name == "Heading 2"]
    assert "References" in headings
    assert "How many homicides were there in Essex last year?" in headings
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
        ("two figures", "Note: two figures [2][1]."),
        ("the text says [1], the table [2]", "Note: the text says [2], the table [1]."),
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


def _cite(n: int, quote: str, section: str = "Introduction") -> dict:
    return {"n": n, "document": "Annual Report", "section": section, "pages": "3", "quote": quote}


_I = "In January, I proposed an increase of 3.25 per cent."
_WE = "We have continued to work with our rural community."
_PLAIN = "Domestic abuse is a persistent blight."


@pytest.mark.parametrize(
    ("text", "citations", "paragraph"),
    [
        (f"{_I} [1]", [_cite(1, _I)], f"The Commissioner writes: “{_I[:-1]}” [1]."),
        (
            f"{_PLAIN} [1] {_WE} [2] {_PLAIN[:-1]}, again. [3]",
            [_cite(1, _PLAIN), _cite(2, _WE), _cite(3, f"{_PLAIN[:-1]}, again.")],
            f"The report says: “{_PLAIN[:-1]}” [1]. The report also says: “{_WE[:-1]}” [2]. "
            f"It adds: “{_PLAIN[:-1]}, again” [3].",
        ),
        (
            f"Crack down on antisocial behaviour [1] Breaking the cycle of abuse [2] {_WE} [3]",
            [
                _cite(1, "Crack down on antisocial behaviour"),
                _cite(2, "Breaking the cycle of abuse"),
                _cite(3, _WE),
            ],
            f"The report says: “{_WE[:-1]}” [3].",
        ),
        (
            "Crack down on antisocial behaviour [1] Breaking the cycle [2]",
            [_cite(1, "Crack down on antisocial behaviour"), _cite(2, "Breaking the cycle")],
            "The report lists: “Crack down on antisocial behaviour” [1]; “Breaking the cycle” [2].",
        ),
        (
            f"Crack down on antisocial behaviour {_PLAIN} [1]",
            [
                _cite(
                    1,
                    f"Crack down on antisocial behaviour {_PLAIN}",
                    "Priority 2: Crack down on antisocial behaviour",
                )
            ],
            f"The report says: “{_PLAIN[:-1]}” [1].",
        ),
        (
            "Yes: it went up. Pay: 159,556 in 2016/17, according to the table “Spent” [1]. "
            "The report prints these figures without stating their units.",
            [_cite(1, "| Pay | 159,556 |")],
            "Yes: it went up. The report gives “Pay” as 159,556 in 2016/17, according to the "
            f"table “Spent” [1]. {PLAIN_NO_UNITS}",
        ),
        (
            f"The report's text agrees: {_WE} [2]",
            [_cite(2, _WE)],
            f"The report's text agrees: “{_WE[:-1]}” [2].",
        ),
        (
            "The report gives two figures for this: [1] and [2] (11%).",
            [_cite(1, "8.7%"), _cite(2, "11%")],
            "The report gives two figures for this: [1] and [2] (11%).",
        ),
        (
            "We priorities; our plan [1]",
            [_cite(1, "Our plan is to act.")],
            "The report says: “Our plan is to act” [1].",
        ),
    ],
    ids=[
        "first-person-attributed",
        "quotes-varied-leads",
        "headings-dropped",
        "only-fragments-listed",
        "glued-section-title-stripped",
        "row-label-and-units",
        "lead-kept",
        "markers-mid-sentence",
        "report-words-run-together",
    ],
)
def test_letter_paragraph(text, citations, paragraph):
    answer = {"text": text, "citations": citations, "statistics": [{"indicator": "Pay"}]}
    assert letter_paragraph(answer, "The Commissioner") == paragraph


# Three realistic letters: what the desk is for. Each paragraph of the reply must be fit
# to send after light edits (issue 10): a sentence in the office's voice, the report's own
# first person only inside quotation marks, no heading at its start, no markdown in the copy.
RESIDENT = """Dear Commissioner,

I live in Colchester and my neighbours say crime is getting worse. Is crime going up in
Essex? How many police officers are there?

I am also worried about our estate. What is being done about antisocial behaviour and
domestic violence?

Yours sincerely,
Margaret Hughes
"""
COUNCILLOR = """Dear Mr Hirst,

I am writing in my capacity as a member of the district council's community safety
committee. I would be grateful if you could set out how much was spent on police officer
pay in 2016/17. Please explain what you proposed for the police element of the council
tax precept.

Could you also tell me what has been done to improve rural crime policing?

Yours faithfully,
Cllr David Patel
"""
JOURNALIST = """Hello,

I'm a reporter at a local paper working on a piece about violent crime. How many
homicides were there in Essex in 2016/17? What was the total operational expenditure?

Can you tell me what was done about knife crime and gangs?

Thanks,
Sam Okafor
"""
_QUOTED = re.compile(r"“[^”]*”")


def _section_titles() -> list[str]:
    sections = json.loads(MANIFEST.read_text(encoding="utf-8"))["sections"]
    titles = [s["title"] for s in sections]
    return titles + [t.partition(": ")[2] for t in titles if ": " in t]


_LETTERS = {"resident": RESIDENT, "councillor": COUNCILLOR, "journalist": JOURNALIST}


@pytest.fixture(scope="module")
def drafts(request) -> dict[str, Draft]:
    assistant = request.getfixturevalue("assistant_session")
    return {key: draft_reply(assistant, letter) for key, letter in _LETTERS.items()}


@pytest.mark.slow
@pytest.mark.parametrize("key", list(_LETTERS))
def test_every_paragraph_of_a_real_reply_is_fit_to_send(drafts, key):
    draft = drafts[key]
    assert len(draft.items) >= 2 and all(item.answered for item in draft.items)
    titles = [t.lower() for t in _section_titles()]
    for item in draft.items:
        text = item.text
        assert text[0].isupper(), text
        assert text.endswith((".", ".”")), text
        assert not any(text.lower().startswith(t) for t in titles), text
        # no question asking what is done is answered by a list of the sections' names
        assert not text.startswith("The report lists:") or "done" not in item.question, text
        assert not text.startswith(LEAD), text  # the chat's "In short:" line is not a letter's
        outside = _QUOTED.sub("", text)
        assert not re.search(r"(^|[\s(])I\s|\smy\s|\bwe\s|\bour\s", outside), text
        assert "“" not in outside and "”" not in outside, text
        for sentence in re.split(r"(?<=\.)\s+(?=[A-Z])", outside):
            assert re.search(r"[.?!]$", sentence.strip()), sentence
        assert "without stating their units" not in text


@pytest.mark.slow
@pytest.mark.parametrize("key", list(_LETTERS))
def test_quotes_in_a_reply_are_verbatim_and_every_figure_is_cited(drafts, key):
    """Each quoted span is inside a reference's quote (whose report text the engine checks,
    invariant 2), and each figure of the paragraph is in the quotes it cites (invariant 1)."""
    draft = drafts[key]
    report = normalise(REPORT.read_text(encoding="utf-8"))  # a table's title, a row's label
    by_n = {r.n: normalise(r.quote) for r in draft.references}
    for item in draft.items:
        cited = [by_n[n] for n in item.citations]
        for quote in _QUOTED.findall(item.text):
            inner = normalise(quote[1:-1])
            assert any(inner in q for q in cited) or inner in report, quote
        stats = [f"{s['value']} {s['period']}" for s in item.statistics]
        known = {number_key(n) for n in numbers_in(" ".join(cited + stats))}
        for number in numbers_in(re.sub(r"\[\d+\]", "", item.text)):
            assert number_key(number) in known, (number, item.text)


@pytest.mark.slow
@pytest.mark.parametrize("key", list(_LETTERS))
def test_the_plain_text_copy_has_no_markdown_and_the_docx_has_headings(drafts, key, tmp_path):
    draft = drafts[key]
    text = draft.to_text()
    assert not re.search(r"\*\*|^#|^- |__|`|\|", text, re.M), text
    assert set(re.findall(r"\[(\d+)\]", text)) <= {str(r.n) for r in draft.references}
    assert "\n\nReferences\n\n[1] " in text
    document = Document(str(markdown_to_docx(text, tmp_path / "reply.docx")))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings == [item.question for item in draft.items] + ["References"]
    body = [p.text for p in document.paragraphs]
    for ref in draft.references:
        assert f"[{ref.n}] {ref.document}, {ref.section}" in "\n".join(body)


@pytest.mark.slow
def test_units_are_said_only_as_the_report_says_them(drafts):
    report = REPORT.read_text(encoding="utf-8").lower()
    states_thousands = any(w in report for w in ("£000", "£'000", "£ thousand", "£k"))
    pay = drafts["councillor"].items[0].text
    assert "159,556" in pay
    assert ("thousands of pounds" in pay) and (
        states_thousands or "does not say whether they are in pounds" in pay
    )
    assert "£159,556" not in pay and "£ thousands" not in pay


@pytest.mark.slow
def test_what_the_chat_answers_the_draft_answers(drafts, assistant_session):
    chat = assistant_session.ask("How many police officers are there?").to_dict()
    assert chat["kind"] in ("answer", "statistic") and "2,850" in chat["text"]
    officers = drafts["resident"].items[1]
    assert officers.question == "How many police officers are there?"
    assert officers.answered and "2,850" in officers.text


@pytest.mark.slow
def test_the_commissioners_first_person_is_attributed(drafts):
    precept = drafts["councillor"].items[1].text
    assert "I proposed an increase of 3.25 per cent" in precept
    assert precept.startswith("The Police and Crime Commissioner for Essex writes: “")


@pytest.mark.slow
def test_heading_fragments_do_not_open_a_paragraph(drafts):
    asb = drafts["resident"].items[2].text
    assert not re.match(r"(Crack down|Breaking the cycle)", asb), asb
