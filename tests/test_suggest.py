"""Suggested follow-ups on the real assistant: drawn from the answer's table or section, each
answered by the assistant from a source the answer does not cite; none under refusals."""

from __future__ import annotations

import pytest

from assistant.answer import Answer
from assistant.assistant import Assistant
from assistant.statistics import StatRow
from assistant.suggest import Suggester, pointers, row_candidate, section_names
from tests.conftest import stat_row


def _key(text: str) -> str:
    return " ".join(text.lower().split())


@pytest.mark.parametrize(
    ("question", "source"),
    [
        pytest.param("How many homicides were there?", "table", id="table-row"),
        pytest.param("How much was spent on police officer pay?", "table", id="money-row"),
        pytest.param("What does Community Speed Watch do?", "section", id="passage"),
        pytest.param(
            "How many minutes per shift does the Mobile First programme save officers?",
            "section",
            id="passage-with-headings",
        ),
    ],
)
def test_suggestions_are_answerable_new_and_from_the_same_table_or_section(
    assistant_session: Assistant, question: str, source: str
) -> None:
    answer = assistant_session.ask(question)
    suggestions = assistant_session.suggest(answer)
    assert 2 <= len(suggestions) <= assistant_session.settings.max_suggestions
    assert _key(question) not in {_key(s) for s in suggestions}
    assert len(set(suggestions)) == len(suggestions)
    cited = {c.quote for c in answer.citations}
    tables = {r.table_title for r in assistant_session.store.rows if r.quote in cited}
    sections = {c.section for c in answer.citations}
    for suggestion in suggestions:
        reply = assistant_session.ask(suggestion, [answer])
        assert reply.kind in ("statistic", "answer"), suggestion
        assert {c.quote for c in reply.citations} - cited, f"{suggestion}: nothing new cited"
        if source == "table":  # another row of the same table
            rows = [r for r in assistant_session.store.rows if r.quote == reply.citations[0].quote]
            assert rows and rows[0].table_title in tables, suggestion
        else:  # the same section, or a table row pointing to its pages
            assert sections & {c.section for c in reply.citations} or reply.statistics


def test_a_table_answer_suggests_the_neighbouring_rows_asked_by_label_and_period(
    assistant_session: Assistant,
) -> None:
    answer = assistant_session.ask("How many homicides were there?")
    first = assistant_session.suggest(answer)[0]
    assert first == (
        "What was the number of violence with injury offences in the 12 months to Mar 2017?"
    )


@pytest.mark.parametrize(
    "question",
    [
        pytest.param("What is the capital of France?", id="not-in-the-report"),
        pytest.param("Someone is breaking into my house right now", id="emergency"),
        pytest.param("I want to report a theft from last week", id="report"),
        pytest.param("", id="invalid"),
    ],
)
def test_no_suggestions_under_refusals_safety_or_invalid_input(
    assistant_session: Assistant, question: str
) -> None:
    answer = assistant_session.ask(question)
    assert answer.kind in ("not_found", "emergency", "report", "invalid")
    assert assistant_session.suggest(answer) == []
    assert assistant_session.suggest(answer.to_dict()) == []


def test_the_conversation_s_earlier_questions_and_sources_are_not_suggested_again(
    assistant_session: Assistant,
) -> None:
    first = assistant_session.ask("How many homicides were there?")
    picked = assistant_session.suggest(first)[0]
    second = assistant_session.ask(picked, [first])
    later = assistant_session.suggest(second, [first])
    assert later and picked not in later
    assert not any("homicides" in s for s in later)  # the first answer's row is not offered back
    assert any("homicides" in s for s in assistant_session.suggest(second))  # alone, it is


def test_verdicts_are_cached_per_question() -> None:
    asked: list[str] = []

    def ask(question: str, history: object) -> Answer:
        asked.append(question)
        return Answer(question=question, kind="not_found", text="")

    rows = [stat_row("Number of thefts", "1", "| Number of thefts | 1 | pages 4-5 |")]
    rows.append(stat_row("Number of frauds", "2", "| Number of frauds | 2 | |"))
    suggester = Suggester(_Store(rows), [], ask, tries=8)
    answer = Answer(question="q", kind="statistic", text="", citations=[_cite(rows[0].quote)])
    assert suggester.suggest(answer, 3) == suggester.suggest(answer, 3) == []
    assert asked == ["What was the number of frauds in 2016/17?"]  # once, then cached


@pytest.mark.parametrize(
    ("label", "value", "expected"),
    [
        pytest.param("Number of thefts", "12", "What was the number of thefts in 2016/17?", id="n"),
        pytest.param("Road signs", "400", "What was the amount for Road signs in 2016/17?", id="£"),
        pytest.param("Total", "1,000", None, id="bare-total"),
        pytest.param("Number of frauds", "n/a", None, id="no-figure"),
    ],
)
def test_row_questions_come_from_the_label_and_period(
    label: str, value: str, expected: str | None
) -> None:
    candidate = row_candidate(
        stat_row(label, value, "", kind="count" if "Number" in label else "money")
    )
    assert (candidate.question if candidate else None) == expected


def test_a_merged_page_pointer_covers_the_rows_below_it() -> None:
    rows = [
        stat_row("Number of thefts", "1", "| Number of thefts | 1 | pages 4 - 5 |"),
        stat_row("Number of frauds", "2", "| Number of frauds | 2 | |"),
        stat_row("Number of arsons", "3", "| Number of arsons | 3 | page 7 |"),
    ]
    assert list(pointers(rows).values()) == [(4, 5), (4, 5), (7, 7)]


def test_names_a_section_alone_uses() -> None:
    from assistant.passages import Passage

    def passage(section: str, text: str) -> Passage:
        return Passage("id", "Doc", section, "1", "", "prose", 0, text)

    names = section_names(
        [
            passage("Roads", "We fund Speed Watch Groups with the Road Board."),
            passage("Money", "It was agreed by the Road Board."),
        ]
    )
    assert names == {"Roads": ["Speed Watch Groups"], "Money": []}


def test_a_name_keeps_its_hyphens_and_possessives_and_drops_an_opening_the() -> None:
    from assistant.passages import Passage

    text = (
        "We met the Tactical Anti-Slavery Group and read Her Majesty's Inspection of "
        "Constabulary report. We saw The Essex Reducing Reoffending Strategy begin, and the "
        "Chief Constable's contract was extended."
    )
    names = section_names([Passage("id", "Doc", "Intro", "1", "", "prose", 0, text)])
    assert names == {
        "Intro": [
            "Tactical Anti-Slavery Group",
            "Her Majesty's Inspection of Constabulary",
            "Essex Reducing Reoffending Strategy",
            "Chief Constable",
        ]
    }


class _Store:
    def __init__(self, rows: list[StatRow]) -> None:
        self.rows = rows


def _cite(quote: str) -> object:
    from assistant.answer import Citation

    return Citation(1, "Doc", "Figures", "2", quote)
