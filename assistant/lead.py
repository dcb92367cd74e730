"""The reply's first line: what a prose answer comes to, in a few words of its own source.

A question asking for a figure, a time, a date or a person's name, answered by sentences that
do not say it at once (more than one, or one long or holding several figures), opens with the
part of a cited sentence that answers it ("In short: more than 200 young people [1]."), so a
reader sees the answer before the evidence. The words are picked from the cited sentence,
never worked out, so every figure in the lead is in its quote (invariant 1). A lead is given
only when one span clearly fits: of the kind the question's asking sentence asks for, with
the question's own words beside it, and no other figure of that kind anywhere in the answer;
none for choices, comparisons, two things asked at once or a change "from 350 to 700".
Table answers already open with their row's direction and figures (compose.py), and an
answer whose sources disagree shows both figures rather than a lead choosing one.
"""

from __future__ import annotations

import re

from assistant.answer import Answer
from assistant.language import function_words
from assistant.question import Question, first_cue
from assistant.select import counted_thing, near_stems
from assistant.text import number_key, numbers_in, words

LEAD = "In short:"
_LED = re.compile(rf"^{LEAD} [^\[]*\[\d+\]\. ")
# A single sentence this long (in words), or holding more than one figure, gets a lead; a
# short sentence with one figure already answers at once.
LONG_SENTENCE = 18
MAX_UNIT_WORDS = 4  # words naming what a count counts ("200 young people")
NEAR = 8  # how close (in words) a question's term must be to a figure, date or time
NEAR_NAME = 3  # and to a name ("My deputy, Jane Gardner")
COUNTED_BEFORE = 3  # a count's thing may come just before it ("officers at 2,850")

_QUALIFIER = (
    r"(?:(?:more than|over|almost|nearly|around|about|approximately|up to|at least|"
    r"well over|just over|just under|some|an extra|a further|an additional|an estimated)\s+)?"
)
_NUMBER = r"\d(?:[\d,]*\d)?(?:\.\d+)?"
_FIGURE = re.compile(
    _QUALIFIER + rf"(?P<money>£\s?)?(?<![\d,.])(?P<number>{_NUMBER})"
    r"(?P<scale>\s?(?:million|billion|bn|m|k)\b)?(?P<percent>\s?(?:%|per ?cent))?",
    re.I,
)
_MONTHS = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|"
    r"December)"
)
_DATE = re.compile(rf"\b{_MONTHS}(?:\s+(?:19|20)\d\d)?\b|\b(?:19|20)\d\d(?:[-/]\d\d)?\b")
_DURATION = re.compile(
    _QUALIFIER + rf"(?<![\d,.])\b(?:(?:{_NUMBER}|one|two|three|four|five|six|seven|eight|nine|"
    r"ten)[\s-]*(?:mins?|minutes?|hours?|days?|weeks?|months?|years?)|half an hour|an hour)\b",
    re.I,
)
_NAME = re.compile(r"\b[A-Z][a-z]+(?: (?:[A-Z][a-z]+|of|for|the))* [A-Z][a-z]+\b")
_YEAR = re.compile(r"^(19|20)\d\d$")
# Words of titles and bodies, not of a person's name ("Crime Commissioner", "Head of ...").
_ROLE_WORDS = frozenset(
    "police crime commissioner commissioners constable chief deputy head officer officers "
    "superintendent inspector sergeant director chair office force service of for the".split()
)
_SENTENCE_END = re.compile(r"(?<=[.?!])\s+")
_RANGE = re.compile(r"\bfrom\s+£?\d[\d,.]*\s*(%|per ?cent|m|million)?\s+to\s+£?\d", re.I)
_BOTH = re.compile(
    r"\bhow (many|much)\b[^?]*\b(and|&|n)\b[^?]*\?|\bboth\b|\band how (many|much)\b", re.I
)
_ASKING_CLAUSE = re.compile(
    r",\s*(?=(how|what|when|who|which|where|is|are|was|were|did|do|does)\b)", re.I
)
# "how much" about time or a rate ("by how much did the hours go up?") does not ask for money
_NOT_MONEY = re.compile(r"\b(time|hours?|minutes?|per ?cent|percentage|rate|%)", re.I)
_LABELLED = re.compile(
    r"\b(section|chapter|priority|page|pages|paragraph|article|schedule|operation|op|"
    r"no)\s*$",
    re.I,
)
_CHOICE = re.compile(
    r"\b(compared?|versus|vs|than)\b|\bor\b(?! (what|wat|not|anything|something|so)\b)", re.I
)
_SENTENCE = re.compile(r"(?:^|(?<=\]))\s*([^\[]*?)\s*\[(\d+)\]")


def with_lead(answer: Answer, question: Question) -> Answer:
    """The answer with its first line, when it is a prose answer to a question asking for a
    figure, time, date or name and its sentences do not say it at once; otherwise unchanged."""
    if answer.kind != "answer" or answer.conflicts or answer.text.startswith(LEAD):
        return answer  # where the report gives two figures, the answer shows both
    sentences = [
        (m.group(1).strip(), m.group(2)) for m in _SENTENCE.finditer(answer.text) if m.group(1)
    ]
    if not sentences or not _needs_lead(sentences):
        return answer
    found = answer_span(question, sentences)
    if found is None:
        return answer
    span, n = found
    answer.text = f"{LEAD} {span} [{n}]. {answer.text}"
    return answer


def without_lead(text: str) -> str:
    """The answer text without its first line (a letter quotes the report's own sentences)."""
    return split_lead(text)[1]


def split_lead(text: str) -> tuple[str, str]:
    """The answer's first line ("" when it has none) and the rest of its text."""
    m = _LED.match(text)
    return (m.group().strip(), text[m.end() :]) if m else ("", text)


def _needs_lead(sentences: list[tuple[str, str]]) -> bool:
    """More than one sentence, or one long one or one holding more than one figure."""
    if len(sentences) > 1:
        return True
    sentence = sentences[0][0]
    figures = [m for m in _FIGURE.finditer(sentence) if not _YEAR.match(m.group("number"))]
    return len(sentence.split()) > LONG_SENTENCE or len(figures) > 1


def answer_span(question: Question, sentences: list[tuple[str, str]]) -> tuple[str, str] | None:
    """The words of a cited sentence that answer the question, with that sentence's citation
    number: the span of the kind its asking sentence asks for with the question's terms
    beside it, when every such span says the same figure (or name); else None."""
    if _CHOICE.search(question.text) or _BOTH.search(question.text):
        return None  # "A or B?", "compared with", "A and B": one figure would not answer it
    cue = first_cue(asking_sentence(question.text))
    if cue == "who" or (cue == "money" and _NOT_MONEY.search(question.text)):
        return None  # an organisation better named by its sentence; "how much" time or rate
    scored = [
        (near, span, n)
        for sentence, n in sentences
        for span, near in _spans(question, cue, sentence)
    ]
    if len({_said(span) for _, span, _ in scored}) != 1 or any(
        _RANGE.search(sentence) for sentence, _ in sentences
    ):
        return None  # none, two different answers, or a change "from 350 to 700"
    near, span, n = max(scored, key=lambda s: s[0])
    return (span, n) if near else None


def asking_sentence(question: str) -> str:
    """The sentence of the question that asks ("I heard the commissioner paid for bins. How
    many knives did they take in?" asks for a count, though it names money first)."""
    parts = [p for p in _SENTENCE_END.split(question) if p.strip()]
    asking = [p for p in parts if p.rstrip().endswith("?")]
    last = (asking or parts or [question])[-1]
    return _ASKING_CLAUSE.split(last)[-1]  # "someone told me ..., how many knives ...?"


def _said(span: str) -> tuple[str, ...]:
    """What a span says: its figures ("more than 200" and "over 200" say the same), or its
    words when it has none (a name, a month)."""
    figures = tuple(number_key(n) for n in numbers_in(span))
    return figures or (span.lower(),)


def _spans(question: Question, cue: str | None, sentence: str) -> list[tuple[str, int]]:
    """Each span of the kind the cue asks for, with how many question terms are beside it
    (for a count: in the words naming what it counts, or just before it)."""
    groups = [near_stems(t) for t in question.terms]
    tokens = sentence.split()

    def near(start: int, end: int, before: int, after: int) -> int:
        at, upto = len(sentence[:start].split()), len(sentence[:end].split())
        window = tokens[max(0, at - before) : upto + after]
        return sum(1 for g in groups if g & _stems_of(window))

    if cue in ("money", "percentage", "count"):
        out = []
        thing = counted_thing(question.text) if cue == "count" else None
        for m in _FIGURE.finditer(sentence):
            if not _kind_fits(m, cue) or _LABELLED.search(sentence[: m.start()]):
                continue  # not of the kind asked, or a label's number ("Section 136")
            if cue != "count":
                out.append((m.group().strip(), near(m.start(), m.end(), NEAR, NEAR)))
                continue
            counted, acts = _what_is_counted(sentence[m.end() :], groups)
            end = m.end() + len(counted)
            at = len(sentence[: m.start()].split())
            named = tokens[max(0, at - COUNTED_BEFORE) : at] + counted.split()
            if acts or (thing is not None and not thing & _stems_of(named)):
                continue  # "42 Specials decided to ...", or not the thing asked to count
            out.append((m.group().strip() + counted, near(m.start(), end, COUNTED_BEFORE, 0)))
        return out
    pattern = {"duration": _DURATION, "when": _DATE}.get(cue or "")
    if pattern is not None:
        return [
            (m.group().strip(), near(m.start(), m.end(), NEAR, NEAR))
            for m in pattern.finditer(sentence)
        ]
    if cue == "person":  # "who is the deputy?": a person's name beside the role asked
        asked = set(words(question.text)) | _ROLE_WORDS
        return [
            (m.group(), near(m.start(), m.end(), NEAR_NAME, NEAR_NAME))
            for m in _NAME.finditer(sentence)
            if not set(words(m.group())) <= asked
        ]
    return []


def _kind_fits(m: re.Match[str], cue: str) -> bool:
    """Whether a figure is of the kind asked for (a year is none of them)."""
    if _YEAR.match(m.group("number")) and not (m.group("money") or m.group("percent")):
        return False
    if cue == "money":
        return bool(m.group("money"))
    if cue == "percentage":
        return bool(m.group("percent"))
    if cue == "count":
        return not (m.group("money") or m.group("percent"))
    return True


def _stems_of(tokens: list[str]) -> set[str]:
    """The stems (and one-word synonyms) of tokens, hyphenated words split."""
    return {s for t in tokens for w in words(t.strip(",.;:()'’")) for s in near_stems(w)}


def _what_is_counted(after: str, groups: list[set[str]]) -> tuple[str, bool]:
    """The words naming what a count counts (up to the first function word, punctuation or
    name the question does not use), and whether a word ending like a verb follows them
    ("42 Specials decided to ..."): then the count is someone doing something."""
    kept: list[str] = []
    for word in after.split()[:MAX_UNIT_WORDS]:
        bare = word.strip(",.;:()")
        lower = bare.lower()
        if kept and lower.endswith(("ed", "ing")):
            return " " + " ".join(kept), True
        asked = any(g & near_stems(lower) for g in groups)
        if (
            (not bare.isalpha() and "-" not in bare)
            or lower in function_words()
            or (bare[:1].isupper() and not asked)
        ):
            break
        kept.append(bare)
        if bare != word:  # punctuation ends the phrase
            break
    return ((" " + " ".join(kept)) if kept else ""), False
