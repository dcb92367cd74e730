"""Repairs of the PDF-extraction damage, on the real report."""

from __future__ import annotations

import pytest

from assistant.corpus import load_corpus
from assistant.passages import build_passages
from assistant.repair import Block, parse_document, rejoin_split_sentences
from tests.conftest import REPORT


@pytest.fixture(scope="module")
def passages():
    [doc] = load_corpus(REPORT.parent)
    return build_passages(doc, parse_document(doc))


def _texts(passages) -> str:
    return "\n".join(p.text for p in passages)


@pytest.mark.parametrize(
    "joined",
    [
        "reshaped the Special Constabulary, creating a stronger link between",
        "operationally less valuable stations are released",
        "Since the end of this reporting period, my Local Business Case",
        "While this is a positive trend, given the low numbers involved",
        "picked up nationally and Safer Essex Road Partnership will offer",
        "have all had a massive contribution to the choices made by many of our socially "
        "excluded young people",
    ],
    ids=[
        "column-break",
        "column-break-2",
        "across-callout",
        "second-half-printed-first",
        "capitalised-continuation",
        "across-pull-quote",
    ],
)
def test_split_sentences_are_rejoined(passages, joined: str) -> None:
    assert joined in _texts(passages)


@pytest.mark.parametrize(
    ("callout", "section"),
    [
        (
            "20mins saved per officer per shift due to 2000 new Samsung hand-held devices.",
            "Introduction",
        ),
        (
            "£200,000 invested in 2 year Gangline Pilot funding.",
            "Priority 5: Tackle gangs and organised crime",
        ),
        (
            "13,608 increase in number of driver offender courses attended compared to previous "
            "year.",
            "Priority 7: Improve safety on our roads",
        ),
    ],
    ids=["time-saved", "figure-alone-on-its-line", "courses"],
)
def test_callouts_stay_with_their_section(passages, callout: str, section: str) -> None:
    [match] = [p for p in passages if p.text == callout]
    assert match.kind == "callout"
    assert match.section == section


@pytest.mark.parametrize(
    "repeated",
    [
        "Gang and organised criminal behaviour is a key driver",
        "Community Safety Development Fund has provided £300,000",
    ],
    ids=["exact-repeat", "near-repeat"],
)
def test_repeated_paragraphs_appear_once(passages, repeated: str) -> None:
    assert _texts(passages).count(repeated) == 1


def test_fuller_copy_of_a_repeat_is_kept(passages) -> None:
    assert "CSPs and local community groups throughout the county" in _texts(passages)


def test_stray_section_headings_are_dropped() -> None:
    [doc] = load_corpus(REPORT.parent)
    sections = parse_document(doc)
    headings = [b.text for s in sections for b in s.blocks if b.kind == "heading"]
    assert "Performance Data" not in headings
    assert "Rural crime" in headings


def test_pull_quote_repeating_prose_is_dropped(passages) -> None:
    assert not any(p.text.startswith("“While crime has fallen") for p in passages)


def test_passages_keep_section_pages_and_position(passages) -> None:
    positions = [p.position for p in passages]
    assert positions == sorted(positions)
    raptor = next(p for p in passages if "arrested 279 people" in p.text)
    assert (raptor.section, raptor.pages) == (
        "Priority 5: Tackle gangs and organised crime",
        "16-17",
    )


def test_fragment_without_a_continuation_is_left_alone() -> None:
    blocks = [Block("prose", "This sentence stops in the", 0), Block("heading", "Next heading", 1)]
    assert rejoin_split_sentences(blocks) == blocks


def test_consecutive_headings_both_head_a_passage(passages) -> None:
    case = next(p for p in passages if p.text.startswith("The team were called in"))
    assert case.heading == "Case Study: Southchurch Park"
