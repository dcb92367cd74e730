"""The reply's first line (assistant/lead.py): picked from the cited sentences, only when one
span clearly answers."""

from __future__ import annotations

import pytest

from assistant.answer import Answer
from assistant.lead import LEAD, answer_span, with_lead, without_lead
from assistant.question import analyse
from assistant.text import numbers_in

CADETS = (
    "Our Police Cadet programme has also shown significant development, with more than 200 "
    "young people now involved in the programme."
)
BINS = "I funded six amnesty bins."
HAUL = "At a total cost of £25,000, this investment helped to get 15,000 knives off the streets."
DEPUTY = (
    "My deputy, Jane Gardner, and I have an extensive public engagement programme and aim to "
    "hold well over 100 visits per year across the county."
)


@pytest.mark.parametrize(
    ("question", "sentences", "expected"),
    [
        (
            "How many young people are in the cadets?",
            [(CADETS, "1")],
            ("more than 200 young people", "1"),
        ),
        ("What did the knife bins cost?", [(BINS, "1"), (HAUL, "2")], ("£25,000", "2")),
        # the question names money, but its asking words ask for a count
        (
            "How many knives did the bins the commissioner paid for take in?",
            [(BINS, "1"), (HAUL, "2")],
            ("15,000 knives", "2"),
        ),
        ("Who is the commissioner's deputy?", [(DEPUTY, "1")], ("Jane Gardner", "1")),
        # a choice or a comparison is not answered by one figure
        ("Did the bins cost more or less than £30,000?", [(BINS, "1"), (HAUL, "2")], None),
        ("How many knives compared with the year before?", [(BINS, "1"), (HAUL, "2")], None),
        # no question word beside any figure of the kind asked: no lead
        ("How many arrests were made?", [(HAUL, "1")], None),
        # a description is not reduced to a span
        ("What is the Police Cadet programme?", [(CADETS, "1")], None),
    ],
)
def test_the_span_that_answers_is_picked_from_the_cited_sentences(
    question: str, sentences: list[tuple[str, str]], expected: tuple[str, str] | None
) -> None:
    assert answer_span(analyse(question), sentences) == expected


@pytest.mark.parametrize(
    ("question", "sentence"),
    [
        # counts of other things than the one asked to count
        (
            "How many people volunteer for the watch groups?",
            "The scheme offers a way to take part, with 370 trained volunteers within 76 "
            "active groups.",
        ),
        # what is counted is the head of the words after "how many": bins, not knives
        ("How many knife amnesty bins did the commissioner pay for?", HAUL),
        # a count doing something is not how many there are
        (
            "How many Specials are there?",
            "It is pleasing that 42 Specials decided to become Police Officers this year.",
        ),
    ],
)
def test_a_count_of_something_else_gives_no_lead(question: str, sentence: str) -> None:
    assert answer_span(analyse(question), [(sentence, "1"), (HAUL, "2")]) is None


@pytest.mark.parametrize(
    ("question", "sentences"),
    [
        # a change from one figure to another: one of them would mislead
        (
            "What is the goal for the number of Special Constables?",
            [("We aim to double the number of Special Constables from 350 to 700 by 2019.", "1")],
        ),
        # two things asked at once
        ("What did the bins cost, and how many knives came in?", [(BINS, "1"), (HAUL, "2")]),
        # "how much" about time is not money
        ("By how much did the time officers save go up?", [(HAUL, "1")]),
        # a title is not a person's name
        (
            "Who is the commissioner?",
            [("The Police and Crime Commissioner met the Head of Service last week.", "1")],
        ),
    ],
)
def test_no_lead_where_one_figure_or_name_would_mislead(
    question: str, sentences: list[tuple[str, str]]
) -> None:
    assert answer_span(analyse(question), sentences) is None


def test_the_asking_sentence_says_what_is_asked() -> None:
    told = "I heard the commissioner paid for knife bins. How many knives did they take in?"
    assert answer_span(analyse(told), [(BINS, "1"), (HAUL, "2")]) == ("15,000 knives", "2")
    said = "someone told me the commissioner paid for bins, how many knives did they get?"
    assert answer_span(analyse(said), [(BINS, "1"), (HAUL, "2")]) == ("15,000 knives", "2")


def test_two_different_spans_that_fit_as_well_give_no_lead() -> None:
    both = [
        ("The scheme trained 370 volunteers this year.", "1"),
        ("The scheme trained 76 volunteers last year.", "2"),
    ]
    assert answer_span(analyse("How many volunteers did the scheme train?"), both) is None


def test_a_prose_answer_opens_with_its_lead_and_every_figure_is_quoted() -> None:
    text = f"{BINS} [1] {HAUL} [2]"
    answer = with_lead(Answer("q", "answer", text), analyse("What did the knife bins cost?"))
    assert answer.text == f"{LEAD} £25,000 [2]. {text}"
    lead = answer.text[: answer.text.index("[2]")]
    assert set(numbers_in(lead)) <= set(numbers_in(HAUL))
    assert without_lead(answer.text) == text


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("statistic", f"{HAUL} [1]"),  # table answers lead with their row already
        ("answer", "The office gave £25,000 to the scheme. [1]"),  # short: it answers at once
        ("not_found", "The annual report doesn't cover that."),
    ],
)
def test_other_answers_are_left_as_they_are(kind: str, text: str) -> None:
    answer = with_lead(Answer("q", kind, text), analyse("How much did it cost?"))  # type: ignore[arg-type]
    assert answer.text == text
