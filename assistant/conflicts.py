"""Find where the report gives two different figures for the same thing.

Two kinds are looked for, both general:
- a table row and a sentence of prose about the same indicator and the same direction of
  change, with different percentages (agreeing sentences are returned too);
- two sentences giving different amounts of the same rate ("... per shift").
Table titles whose year contradicts their own totals are noted at ingest (tables.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.passages import Passage
from assistant.statistics import StatRow
from assistant.tables import parse_number
from assistant.text import number_key, stem, stems

_UP = re.compile(r"\b(increas\w*|went up|gone up|rose|risen|rise|up by|higher)\b", re.I)
_DOWN = re.compile(r"\b(reduc\w*|decreas\w*|fell|fallen|fall|down by|lower|drop\w*)\b", re.I)
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*(?:per cent|%)")
_MEASURE = frozenset(stem(w) for w in "number percentage incidents offences".split())
# Verbs that say what was done with a sum of money; two different sums for the same one
# in the same section is a contradiction worth showing.
_ACTIONS = frozenset(
    stem(w) for w in "seized saved raised allocated invested spent recovered confiscated".split()
)
_RATE = re.compile(
    r"((?:half an hour|an hour|\d+(?:\.\d+)?\s*(?:mins?|minutes?|hours?)))"
    r"[^.;]{0,40}?\bper (\w+)(?: per (\w+))?",
    re.I,
)


@dataclass(frozen=True)
class Mention:
    """A sentence of prose that states a figure for something also stated elsewhere."""

    passage: Passage
    sentence: str
    figure: str
    agrees: bool


def prose_mentions(
    row: StatRow, passages: list[Passage], own: frozenset[str] = frozenset()
) -> list[Mention]:
    """Sentences that give a percentage change for the row's indicator, agreeing or not
    (``own``: words naming the report's own area, which a sentence need not repeat)."""
    key_terms = stems(row.label) - _MEASURE - {stem(w) for w in own}
    change = parse_number(row.values.get("% Difference", "")) or parse_number(
        row.values.get("Number Difference", "")
    )
    pct = row.values.get("% Difference", "")
    if len(key_terms) < 1 or change is None or parse_number(pct) is None:
        return []
    direction = _UP if change > 0 else _DOWN
    out = []
    for passage in passages:
        for sentence in passage.sentences():
            found = _percent_about(sentence, key_terms)
            if not found or not key_terms <= stems(sentence) or not direction.search(sentence):
                continue
            agrees = number_key(found.group(1)) == number_key(pct.lstrip("-"))
            out.append(Mention(passage, sentence, found.group(0), agrees))
    return out


def _percent_about(sentence: str, key_terms: set[str], window: int = 80) -> re.Match | None:
    """The percentage printed nearest the indicator's words, before or after them and within
    ``window`` characters ("8.7% increase in crime rate here compared to 11% nationally":
    8.7%, not the figure about something else further on)."""
    keys = [
        m for m in re.finditer(r"[A-Za-z-]+", sentence) if stem(m.group(0).lower()) in key_terms
    ]

    def gap(pct: re.Match) -> int:
        return min(
            pct.start() - k.end() if pct.start() >= k.end() else k.start() - pct.end() for k in keys
        )

    near = [(gap(m), m) for m in _PERCENT.finditer(sentence)] if keys else []
    near = [(d, m) for d, m in near if 0 <= d <= window]
    return min(near, key=lambda pair: pair[0])[1] if near else None


def minutes(amount: str) -> float:
    """A stated duration in minutes."""
    text = amount.lower()
    if "half an hour" in text:
        return 30.0
    if text == "an hour":
        return 60.0
    value = float(re.match(r"\d+(?:\.\d+)?", text).group(0))
    return value * 60 if "hour" in text else value


_MONEY = re.compile(r"£\d[\d,]*(?:\.\d+)?(?:\s*(?:million|m|k)\b)?")
_ACTION_WINDOW = 3


def money_actions(sentence: str) -> list[tuple[str, float, str]]:
    """(action stem, amount, as printed) for each sum of money and the words right next to
    it: '£500,000 seized' and 'seized about £100,000.00' share the action 'seiz'."""
    out = []
    tokens = re.findall(r"£\d[\d,]*(?:\.\d+)?|[A-Za-z]+", sentence)
    for i, token in enumerate(tokens):
        if not token.startswith("£"):
            continue
        amount = float(token[1:].replace(",", ""))
        for near in tokens[max(0, i - _ACTION_WINDOW) : i + _ACTION_WINDOW + 1]:
            if not near.startswith("£") and len(near) > 4:
                out.append((stem(near.lower()), amount, token))
    return out


def money_conflicts(sentence: str, passage: Passage, passages: list[Passage]) -> list[Mention]:
    """Sentences of the same section giving a different sum for the same action."""
    mine = {(action, amount) for action, amount, _ in money_actions(sentence)}
    actions = {action for action, _ in mine}
    out = []
    for other_passage in passages:
        if other_passage.section != passage.section:
            continue
        for other in other_passage.sentences():
            if other == sentence:
                continue
            for action, amount, printed in money_actions(other):
                if action in actions and (action, amount) not in mine and action in _ACTIONS:
                    out.append(Mention(other_passage, other, printed, False))
                    break
    return out


def rate_conflicts(sentence: str, passages: list[Passage]) -> list[Mention]:
    """Other sentences giving a different amount of the same rate as this sentence."""
    out: list[Mention] = []
    for mine in _RATE.finditer(sentence):
        unit = mine.group(3) or mine.group(2)
        for passage in passages:
            for other in passage.sentences():
                for theirs in _RATE.finditer(other):
                    if (theirs.group(3) or theirs.group(2)).lower() != unit.lower():
                        continue
                    if minutes(theirs.group(1)) != minutes(mine.group(1)) and other != sentence:
                        out.append(Mention(passage, other, theirs.group(1), False))
    return out
