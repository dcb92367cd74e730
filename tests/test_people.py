"""Who holds a role: a sentence naming a person next to the role asked about."""

from __future__ import annotations

from assistant.passages import Passage
from assistant.people import who_holds
from assistant.text import expanded_stems

TEXT = (
    "The Chief Officer and I met every month. "
    "I thank Chief Officer Ann Marlow and her team for their work. "
    "My deputy, Tom Reyes, leads our work with schools. "
    "Northshire Council agreed the plan."
)
PASSAGES = [Passage("p1", "Report", "Introduction", "2", "", "prose", 0, TEXT)]
PROPER = frozenset({"ann", "marlow", "tom", "reyes", "northshire"})


def _terms(*words: str) -> list[set[str]]:
    return [expanded_stems(w) for w in words]


def test_the_sentence_naming_the_role_holder_is_found() -> None:
    named = who_holds(_terms("chief", "officer"), PASSAGES, PROPER)
    assert named is not None and "Ann Marlow" in named.text


def test_a_role_written_before_a_name_after_a_comma_is_found() -> None:
    named = who_holds(_terms("deputy"), PASSAGES, PROPER)
    assert named is not None and "Tom Reyes" in named.text


def test_the_role_alone_or_a_place_is_not_a_name() -> None:
    # "The Chief Officer" and "Northshire Council" are capitalised, but name no person
    assert who_holds(_terms("council", "leader"), PASSAGES, PROPER) is None


def test_a_role_the_report_never_pairs_with_a_name_finds_nobody() -> None:
    assert who_holds(_terms("fire", "station", "manager"), PASSAGES, PROPER) is None


def test_rarer_terms_count_more() -> None:
    # "chief" sits next to a name, but the telling term "fire" does not
    weights = {"fire": 5.0, "chief": 1.0}
    terms = _terms("fire", "chief")
    weight = lambda group: max(weights.get(s, 1.0) for s in group)  # noqa: E731
    assert who_holds(terms, PASSAGES, PROPER, weight) is None
    assert who_holds(_terms("chief"), PASSAGES, PROPER, weight) is not None


def test_ordinary_words_that_never_sit_beside_a_name_do_not_hide_the_role() -> None:
    # "who is in charge day to day, the chief officer?": "charge" and "day" are words the
    # report writes only in lower case and never beside a name, so they cannot say who
    text = "Every day the team is in charge of patrols. I thank Chief Officer Ann Marlow."
    passages = [Passage("p1", "Report", "Introduction", "2", "", "prose", 0, text)]
    weights = {"charg": 5.0, "day": 5.0, "fire": 5.0}
    weight = lambda group: max(weights.get(s, 1.0) for s in group)  # noqa: E731
    named = who_holds(_terms("charge", "day", "chief", "officer"), passages, PROPER, weight)
    assert named is not None and "Ann Marlow" in named.text
    # a telling word the report never uses still counts: nobody is the fire chief
    assert who_holds(_terms("fire", "chief", "officer"), passages, PROPER, weight) is None
