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
) -> Named | None:
    """The sentence that names a person (a name whose last two words the report only ever
    writes with a capital, ``proper``, and which are not the role asked about) with the most
    of the question's key terms within WINDOW words of the name: at least MIN_SHARE of them,
    the rarer terms counting more when a weight is given. None when no sentence does."""
    if not term_stems:
        return None
    needed = max(1, math.ceil(MIN_SHARE * len(term_stems)))
    total = sum(weight(g) for g in term_stems) or 1.0
    asked = set().union(*term_stems)
    best: Named | None = None
    for passage in passages:
        if passage.kind == "table":
            continue
        for index, sentence in enumerate(passage.sentences()):
            for match in _NAME.finditer(sentence):
                last_two = [w.lower() for w in re.split(r"[ -]", match.group())[-2:]]
                if not all(w in proper and stem(w) not in asked for w in last_two):
                    continue  # a force's name, "The Chief Constable" (the role): not a name
                near = _stems_around(sentence, match.start(), match.end())
                if near & FIRST_PERSON:
                    near |= author
                found = sum(1 for group in term_stems if group & near)
                share = sum(weight(g) for g in term_stems if g & near) / total
                enough = found >= needed and share >= MIN_SHARE
                if enough and (best is None or share > best.share):
                    best = Named(passage, index, sentence, share)
    return best


def _stems_around(sentence: str, start: int, end: int) -> set[str]:
    """Stems of the name's own words and of WINDOW words either side of it."""
    before = words(sentence[:start])[-WINDOW:]
    inside = words(sentence[start:end])
    after = words(sentence[end:])[:WINDOW]
    return {stem(w) for w in (*before, *inside, *after)}
