"""The four invariants, checked on hand-made answers (no model needed)."""

from __future__ import annotations

import pytest

from assistant.answer import Answer, Citation, Conflict, Statistic
from assistant.invariants import verbatim_quote, violations

REPORT = "The homicides fell from 34 to 15 this year. Officers saved about 20 minutes per shift."
REPORTS = {"Doc": REPORT}


def _cite(n: int, quote: str) -> Citation:
    return Citation(n, "Doc", "Section", "1", quote)


@pytest.mark.parametrize(
    ("answer", "problems"),
    [
        (Answer("q", "answer", "Homicides fell to 15 [1].", [_cite(1, "fell from 34 to 15")]), []),
        (
            Answer("q", "answer", "Homicides fell to 16 [1].", [_cite(1, "fell from 34 to 15")]),
            ["number 16 in the text is in no citation or statistic"],
        ),
        (
            Answer(
                "q",
                "statistic",
                "Value: 15 in 2017 [1].",
                [_cite(1, "to 15")],
                [Statistic("Homicides", "12 months to Mar 2017", "15")],
            ),
            [],
        ),
        (
            Answer("q", "answer", "Text [1].", [_cite(1, "homicides rose sharply")]),
            ["[1] quote is not verbatim report text: 'homicides rose sharply'"],
        ),
        (
            Answer("q", "answer", "Text [2].", [_cite(1, "to 15")]),
            ["text cites [2] but there is no such citation"],
        ),
        (
            Answer("q", "not_found", "Not covered.", [_cite(1, "to 15")]),
            ["a not_found answer must cite nothing"],
        ),
        (
            Answer("q", "not_found", "It was 34."),
            ["a not_found answer states the report figure 34"],
        ),
        (Answer("q", "emergency", "Call 999 now."), []),
        (
            Answer("and in 34 days?", "not_found", "What does “and in 34 days?” refer to?"),
            [],
        ),
        (
            Answer("and in 15 days?", "not_found", "“and in 15 days?”: it was 34."),
            ["a not_found answer states the report figure 34"],
        ),
        (
            Answer("q", "answer", "A [1].", [_cite(1, "to 15")], [], [Conflict("x", (1,))]),
            ["conflict 'x' needs two existing citations"],
        ),
    ],
    ids=[
        "sourced",
        "unsourced-number",
        "statistic-period",
        "not-verbatim",
        "dangling-marker",
        "refusal-cites",
        "refusal-states-figure",
        "service-number-allowed",
        "refusal-echoes-typed-number",
        "refusal-states-figure-besides-echo",
        "one-sided-conflict",
    ],
)
def test_violations(answer: Answer, problems: list[str]) -> None:
    assert violations(answer, REPORTS) == problems


def test_quote_across_a_gap_marks_it_and_each_part_is_verbatim() -> None:
    quote = verbatim_quote("The homicides fell from 34 to 15 per shift.", REPORT)
    assert quote == "The homicides fell from 34 to 15 … per shift."
    assert violations(Answer("q", "answer", "x [1]", [_cite(1, quote)]), REPORTS) == []
