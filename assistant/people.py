"""Who holds a role: the report's own sentences that name a person next to the role asked for
("Chief Officer Ann Marlow", "My deputy, Tom Reyes")."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assistant.passages import Passage
from assistant.text import FIRST_PERSON, stem, words

# A personal name: the last two of two to five capitalised words (a role written in
# capitals may come first); the role is read from the words in and around the match.
_NAME = re.compile(r"\b[A-Z][a-z]+(?:[ -][A-Z][a-z'’]+){1,4}\b")
_WORD = re.compile(r"[^\W\d_]+")
WINDOW = 4  # words on either side of a name that may hold its role
MIN_SHARE = 0.5  # of the question's key terms that must sit next to the name


@dataclass(frozen=True)
class Named:
    """A sentence naming someone next to (most of) the role the question asks about."""

    passage: Passage
    index: int
    text: str
    share: float


def who_holds(
    term_stems: Sequence[set[str]],
    passages: Sequence[Passage],
    proper: frozenset[str],
    weight: Callable[[set[str]], float] = lambda _: 1.0,
    author: frozenset[str] = frozenset(),
    lower_case: frozenset[str] | None = None,
) -> Named | None:
    """The sentence that names a person (a name whose last two words the report only ever
    writes with a capital, ``proper``, and which are not the role asked about) with the most
    of the question's key terms within WINDOW words of the name: at least MIN_SHARE of them,
    the rarer terms counting more when a weight is given. Question words that sit beside no
    name anywhere in the report are left out first (``lower_case``: the passages'
    ``lower_case_stems``, computed once by the caller; from the passages when not given).
    None when no sentence does."""
    found_names = [
        (passage, index, sentence, _stems_around(sentence, match.start(), match.end()))
        for passage in passages
        if passage.kind != "table"
        for index, sentence in enumerate(passage.sentences())
        for match in _NAME.finditer(sentence)
        if _is_name(match.group(), proper, term_stems)
    ]
    if lower_case is None:
        lower_case = lower_case_stems(passages)
    term_stems = _telling(term_stems, found_names, author, lower_case)
    if not term_stems:
        return None
    needed = max(1, math.ceil(MIN_SHARE * len(term_stems)))
    total = sum(weight(g) for g in term_stems) or 1.0
    best: Named | None = None
    for passage, index, sentence, near in found_names:
        if near & FIRST_PERSON:
            near = near | author
        found = sum(1 for group in term_stems if group & near)
        share = sum(weight(g) for g in term_stems if g & near) / total
        enough = found >= needed and share >= MIN_SHARE
        if enough and (best is None or share > best.share):
            best = Named(passage, index, sentence, share)
    return best


def lower_case_stems(passages: Sequence[Passage]) -> frozenset[str]:
    """Stems the prose uses only ever in lower case (a capital opening a sentence aside)."""
    used: set[str] = set()
    capitalised: set[str] = set()
    for passage in passages:
        if passage.kind == "table":
            continue
        for sentence in passage.sentences():
            for position, word in enumerate(_WORD.findall(sentence)):
                used.add(stem(word.lower()))
                if position and word[:1].isupper():
                    capitalised.add(stem(word.lower()))
    return frozenset(used - capitalised)


def _telling(
    term_stems: Sequence[set[str]], found: list, author: frozenset, lower_case: frozenset[str]
) -> list[set[str]]:
    """The question's terms without the ordinary words that cannot say who ("in *charge* day
    to *day*"): words the report uses, only ever in lower case, and never beside a name. A
    word it never uses, or writes with a capital in a role or a body's name ("Fire and
    Rescue"), stays."""
    ordinary = lower_case - set().union(*(near for *_, near in found), author)
    return [g for g in term_stems if not g <= ordinary] or list(term_stems)


def _is_name(text: str, proper: frozenset[str], term_stems: Sequence[set[str]]) -> bool:
    """Whether a capitalised run is a person's name: its last two words the report only ever
    writes with a capital, and not the role asked about (a force's name, "The Chief
    Constable")."""
    asked = set().union(*term_stems) if term_stems else set()
    last_two = [w.lower() for w in re.split(r"[ -]", text)[-2:]]
    return all(w in proper and stem(w) not in asked for w in last_two)


def _stems_around(sentence: str, start: int, end: int) -> set[str]:
    """Stems of the name's own words and of WINDOW words either side of it."""
    before = words(sentence[:start])[-WINDOW:]
    inside = words(sentence[start:end])
    after = words(sentence[end:])[:WINDOW]
    return {stem(w) for w in (*before, *inside, *after)}
