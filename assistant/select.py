"""Sentence selection: the one to three sentences of the retrieved passages that answer best."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache

from assistant.corpus import FORCE_WORDS
from assistant.language import function_words
from assistant.passages import Passage
from assistant.question import Question, financial_years
from assistant.retrieval import Hit, HybridRetriever
from assistant.text import FIRST_PERSON, glossary, numbers_in, stem, stems, words

_YEAR = re.compile(r"^(19|20)\d\d$")
_NAME = re.compile(r"\b[A-Z][a-z]+ [A-Z][a-z]+\b")
_CAPITALISED = re.compile(r"\b[A-Z][a-z]{2,}\b")  # a word written with a capital, 3+ letters
_DURATION = re.compile(
    r"\b((\d+|one|two|three|four|five|six)[\s-]*(mins?|minutes?|hours?|days?|"
    r"weeks?|months?|years?)|half an hour|an hour|"
    r"(day|week|month|year|hour)[\s-]long|fortnight)\b",
    re.I,
)
# Counts written in words ("six amnesty bins"); not "one", which is mostly "one of the ...".
_NUMBER_WORDS = frozenset(
    "two three four five six seven eight nine ten eleven twelve "
    "twenty thirty forty fifty hundred thousand million dozen".split()
)
KEY_SIMILARITY = 0.6
SUBJECT_SIMILARITY = 0.75
# When one of this many best sentences lacks the question's key term or subject, whether
# the question means nearly the same without that word is checked (``idle``).
LOOK_AGAIN = 3
_ASKS_HOW_MUCH = re.compile(
    r"\b(how (much|many|far)|by (how much|what))\b|"
    r"(^|[.!?;]\s+|\s[-–—]\s+)\s*(what (was|is|were)|did|has|have|is|are|was|were)\b",
    re.I,
)
_LABEL_NUMBER = re.compile(r"(section|act|priority|page|pages|phase|band|no)$", re.I)
_PER_CENT = re.compile(r"(per ?cent|percent)\b", re.I)
_SPAN = re.compile(r"(days?|weeks?|months?|years?)\b", re.I)
_ANAPHORA = re.compile(r"^(\S+\s){0,3}(this|these|it|they|its|their|such)\b", re.I)
# "this approach", "these schemes": a sentence naming its subject only by pointing back
# (not "this year", "this report": those point at the report's own time and document)
_REFERS_BACK = re.compile(
    r"\b(this|these|such)\s+(?!(year|years|month|week|report|county|period|time|plan|as)\b)[a-z]+",
    re.I,
)
# "What share of X were Y?" asks a part of a whole ("32 per cent of these"), not a change
# ("rose by 7.7 per cent")
_ASKS_PART = re.compile(r"\b(share|proportion|fraction|percentage|per ?cent|%)\s+of\b", re.I)
_PART_OF = re.compile(r"(\d(\.\d+)?\s*(per ?cent|%)|\bhalf|\bthird|\bquarter)\s+of\b", re.I)
_OPENS_BACK = re.compile(r"^(it|they|this|these|those)\b", re.I)
_DATE = re.compile(
    r"\b(19|20)\d\d\b|\b(January|February|March|April|May|June|July|August|"
    r"September|October|November|December)\b"
)
_CHANGE = re.compile(
    r"\b(increas\w*|decreas\w*|reduc\w*|rose|risen|fell|fallen|up|down|"
    r"rise|fall|gr[eo]w\w*|growth|shr[iau]nk\w*|climb\w*|compared (to|with))\b",
    re.I,
)


@dataclass(frozen=True)
class Candidate:
    """A sentence that may answer the question, with the scores that rank it."""

    passage: Passage
    index: int
    text: str
    similarity: float
    coverage: float
    direct: bool
    complete: bool
    names_key: bool
    cue: float
    rank_bonus: float

    @property
    def score(self) -> float:
        """Blend of key-term coverage, meaning, figure type and passage rank."""
        return (
            0.5 * self.coverage
            + 0.3 * self.similarity
            + 0.12 * self.cue
            + 0.1 * self.names_key
            + self.rank_bonus
        )


def candidates(
    question: Question,
    hits: list[Hit],
    sims: dict[str, float],
    retriever: HybridRetriever,
    own: list[set[str]] | None = None,
    filler: float = 1.01,
    author: frozenset[str] = frozenset(),
) -> list[Candidate]:
    """Every sentence of the retrieved passages and of the nearest sentences, scored.

    own: for a follow-up read with its conversation, the terms the new question itself
    names (its subject is among them). filler: when the question means nearly the same
    without its key term or its subject (cosine at least this: "already", "according"), the
    evidence need not mention that word. author: the words of the author's role, named in
    the author's prose by the first person."""
    key = key_term(question, retriever)
    subject = specific_term(question, retriever, own) if wants_figure(question) else set()
    scored = _scored(question, hits, sims, retriever, key, subject, author)
    if filler <= 1 and not all(c.complete for c in scored[:LOOK_AGAIN]):
        plain = idle(question, retriever, [key, subject], filler)  # only when it matters
        if plain:
            key, subject = (set() if g in plain else g for g in (key, subject))
            scored = _scored(question, hits, sims, retriever, key, subject, author)
    return scored


def _scored(
    question: Question,
    hits: list[Hit],
    sims: dict[str, float],
    retriever: HybridRetriever,
    key: set[str],
    subject: set[str],
    author: frozenset[str] = frozenset(),
) -> list[Candidate]:
    """``candidates`` with the key term and subject the evidence must mention (in its
    passage, unless it means nearly the same). ``author``: the words of the report's
    author's role, which its prose names by writing in the first person ("I", "my office")."""
    passages = {h.passage.id: (rank, h.passage) for rank, h in enumerate(hits)}
    needed = required_terms(question, retriever)
    asked_years = financial_years(question.text)  # once per question, not per sentence
    role = question.term_stems()[0] if question.cue == "person" and question.terms else set()
    for sid in sims:
        pid = sid.rsplit(":", 1)[0]
        passages.setdefault(pid, (len(hits), retriever.by_id[pid]))
    for passage in retriever.passages_with(key):  # the few passages using the rarest term
        passages.setdefault(passage.id, (len(hits), passage))
    floor = min(sims.values(), default=0.0)
    out = []
    for rank, passage in passages.values():
        sentences = passage.sentences()
        context = stems(f"{passage.section} {passage.heading} {passage.text}")
        voiced = author if passage.kind != "table" else frozenset()
        context |= voiced
        for i, sentence in enumerate(sentences):
            before = stems(sentences[i - 1]) if i else set()
            said = stems(sentence)
            said |= voiced if FIRST_PERSON & set(words(sentence)) else set()
            similarity = sims.get(f"{passage.id}:{i}", floor)
            keyed = not key or bool(key & context) or similarity >= KEY_SIMILARITY
            if subject and not subject & context and similarity < SUBJECT_SIMILARITY:
                keyed = False  # a figure must be about the question's most specific subject
            if role and not role & (stems(sentence) | before):
                keyed = False  # "who is the deputy ...": the sentence must name the role
            out.append(
                Candidate(
                    passage,
                    i,
                    sentence,
                    similarity,
                    coverage(question, said, before, context, retriever, sentence, asked_years),
                    any(g & said for g in question.term_stems()),
                    keyed and all(g & context for g in needed),
                    bool(key & said),
                    cue_fit(question, sentence, retriever.proper_words),
                    0.04 / (1 + rank),
                )
            )
    # ties broken by reading order, so the same question always gets the same answer
    return sorted(out, key=lambda c: (-c.score, c.passage.document, c.passage.position, c.index))


def idle(
    question: Question, retriever: HybridRetriever, groups: list[set[str]], filler: float
) -> list[set[str]]:
    """Those of ``groups`` (the question's key term, its subject) that the question means
    nearly the same without (cosine of the question with and without the word at least
    ``filler``): they say how it is asked, not what about ("already", "according to",
    "aiming"). One pass of the model for all of them."""
    if len(question.terms) < 2:
        return []
    probed = [
        (g, re.sub(rf"\b{re.escape(t)}\b", " ", question.text, flags=re.I))
        for t, g in zip(question.terms, question.term_stems(), strict=True)
        if g and g in groups
    ]
    if not probed:
        return []
    vectors = retriever.embed_queries([question.text] + [text for _, text in probed])
    kept = vectors[1:] @ vectors[0]
    return [g for (g, _), sim in zip(probed, kept, strict=True) if sim >= filler]


def specific_term(
    question: Question, retriever: HybridRetriever, among: list[set[str]] | None = None
) -> set[str]:
    """The question's most specific thing (highest IDF) that the report names at all; verb
    forms ("starting", "linked") say what happened, not what about."""
    groups = (
        among
        if among is not None
        else [
            g
            for g, t in zip(question.term_stems(), question.terms, strict=True)
            if not t.endswith(("ing", "ed"))
        ]
    )
    known = [g for g in groups if any(retriever.document_frequency.get(s) for s in g)]
    return max(known, key=lambda g: max(retriever.idf(s) for s in g)) if known else set()


def key_term(question: Question, retriever: HybridRetriever) -> set[str]:
    """The question's most specific term that the report uses rarely: the evidence should
    mention it (in its passage), unless the sentence means nearly the same as the question."""
    rare = [
        g
        for g in question.term_stems()
        if all(retriever.is_rare(s) for s in g)
        and any(retriever.document_frequency.get(s) for s in g)
    ]
    return max(rare, key=lambda g: min(retriever.idf(s) for s in g)) if rare else set()


def required_terms(question: Question, retriever: HybridRetriever) -> list[set[str]]:
    """Terms the evidence must mention: the rare names the question uses ("Kent")."""
    groups = question.term_stems()
    return [
        g
        for g, t in zip(groups, question.terms, strict=True)
        if t in question.names and all(retriever.is_rare(s) for s in g)
    ]


_DESCRIBE = re.compile(
    r"^\s*(what (is|are|was|were|does|did|do|happened)|what'?s|tell me|describe|"
    r"explain|how (does|do|did|is|are))\b",
    re.I,
)


def asks_description(question: Question) -> bool:
    """'What is ...', 'tell me about ...': a question wanting more than one sentence."""
    return question.cue is None and _DESCRIBE.search(question.text) is not None


def defining_first(question: Question, ranked: list[Candidate]) -> list[Candidate]:
    """For a question asking what something is, the sentence that says what one of its
    terms is ("Firebreak is a week-long programme ...", "Community Safety Hubs, where
    agencies are located together, ...") put first; the order unchanged when none does."""
    if not asks_description(question):
        return ranked
    names = "|".join(re.escape(t) for t in question.terms if len(t) > 3 and not t.isdigit())
    if not names:
        return ranked
    defining = re.compile(
        rf"^(the |an? )?({names})\w*( \w+){{0,2}}(,? (is|are) (an?|the)\b|, (where|which|who)\b)",
        re.I,
    )
    return sorted(ranked, key=lambda c: defining.match(c.text) is None)  # stable: in turn


# "What is being done about X?", "what are they doing to tackle X?": a question about what
# is done, answered by the report's words on it, not by a table's count of X.
_ASKS_ACTION = re.compile(
    r"\bwhat('s| is| are| was| were| has| have| had)? (being|been) done\b|"
    r"\bwhat (is|are|was|were|has|have) (\w+ ){1,3}(doing|done|did)\b|"
    r"\bwhat action\b|\bwhat steps\b|\bhow (is|are|was|were) (\w+ ){1,3}"
    r"(tackling|tackled|dealing|dealt|addressing|addressed)\b|"
    r"\bwhat (\w+ ){0,2}(proposed|propose|recommended|recommend|decided|decide|planned)\b|"
    r"\bwhat (did|does|do|will|would|can|could) (\w+ ){1,3}do (about|to (stop|tackle|fix|sort))\b|"
    r"\bhow (did|do|does|will|would) (\w+ ){1,3}(tackle|deal with|address|sort|fix|handle)\b",
    re.I,
)


# "What happened at X?", "what went wrong there?", "did anyone do anything about it?": an
# account of events, told by a story's paragraphs in turn (what was found, what was done)
_ASKS_ACCOUNT = re.compile(
    r"\bwhat (happened|went on|was going on|went wrong|was going wrong|was wrong|"
    r"was the (problem|issue|trouble))\b|\bdid (\w+ ){0,3}do anything\b|\bwhat (was|were) done\b|"
    r"\bwhat did (\w+ ){1,3}do\b|"
    r"\bhow (was|were|did) (\w+ ){1,6}(sorted|sort|dealt|deal|handled|handle|resolved|resolve|"
    r"tackled|tackle|settled|settle)\b",
    re.I,
)


def asks_account(question: Question) -> bool:
    """Whether the question asks what happened or what was done, in the past (and no
    figure); "what are the police doing about X?" asks about work going on, not a story."""
    return question.cue is None and _ASKS_ACCOUNT.search(question.text) is not None


def told_in_turn(best: Candidate, passages: list[Passage], limit: int) -> list[Candidate]:
    """The story ``best`` is in, told by the first sentence of each of its paragraphs from
    best's own on (at most ``limit``), after the earlier sentence setting its scene when there
    is one (``_scene``): under one heading of its section, at least three paragraphs long (a
    case study: the setting, what was wrong, what was done). [] when the best sentence is not
    in such a story."""
    p = best.passage
    if p.kind != "prose" or not p.heading or p.heading == p.section:
        return []
    story = sorted(
        (
            q
            for q in passages
            if q.document == p.document and q.section == p.section and q.heading == p.heading
        ),
        key=lambda q: q.position,
    )
    if len(story) < STORY_PARAGRAPHS:
        return []
    scene = _scene(best, story)
    told = [best] if scene is None else [scene, best]  # where it happened first
    for q in story:
        if q.position > p.position and q.kind == "prose" and len(told) < limit:
            first = q.sentences()[0]
            told.append(replace(best, passage=q, index=0, text=first))
    return told if len(told) > 1 else []


def _scene(best: Candidate, story: list[Passage]) -> Candidate | None:
    """The first sentence before ``best``'s paragraph (``story`` in reading order) that names
    what the story's heading names ("Case Study: Riverside Depot": "... had developed at the
    Riverside industrial estate"), if any."""
    p = best.passage
    names = {w for w in _CAPITALISED.findall(p.heading) if w.lower() not in function_words()}
    for q in story:
        if q.position >= p.position or q.kind != "prose":
            continue
        for i, sentence in enumerate(q.sentences()):
            if names & set(_CAPITALISED.findall(sentence)):
                return replace(best, passage=q, index=i, text=sentence)
    return None


STORY_PARAGRAPHS = 3
HEADING_WORDS = 8  # a list item this short, with no full stop, names a thing: a heading


def is_heading_like(c: Candidate) -> bool:
    """A list item that only names something ("Breaking the cycle of domestic violence"):
    short, no figure, no full stop."""
    text = c.text.strip()
    return (
        c.passage.kind == "list"
        and len(text.split()) <= HEADING_WORDS
        and not text.endswith((".", "!", "?"))
        and not numbers_in(text)
    )


def asks_action(question: Question) -> bool:
    """Whether the question asks what is being done (and no figure)."""
    return question.cue is None and _ASKS_ACTION.search(question.text) is not None


def wants_figure(question: Question) -> bool:
    """Whether the question asks for a figure (or a person's name), so that an answer
    without one is no answer."""
    return question.cue in ("count", "money", "percentage", "duration", "person") or (
        question.cue == "change" and _ASKS_HOW_MUCH.search(question.text) is not None
    )


_TOTAL = re.compile(r"\b(total|overall|altogether|in all|full)\b", re.I)
_CHANGE_BEFORE = re.compile(
    r"\b(increas\w*|rise|rising|additional|extra|further|up by|more than|"
    r"reduc\w*|decreas\w*|fall|fell|down by)\b",
    re.I,
)


def only_changes(sentence: str) -> bool:
    """Every figure in the sentence is a change ('an increase of £4.95'), none a level."""
    figures = [
        m for m in re.finditer(r"£?\d[\d,.]*", sentence) if not _YEAR.match(m.group(0).rstrip(".,"))
    ]
    if not figures:
        return False
    last_end = None
    for m in figures:
        between = sentence[last_end : m.start()].split() if last_end is not None else None
        restated = between is not None and len(between) <= 4  # "3.25 per cent or £4.95"
        if not restated and not _CHANGE_BEFORE.search(" ".join(sentence[: m.start()].split()[-8:])):
            return False
        last_end = m.end()
    return True


def acceptable(
    c: Candidate,
    question: Question,
    min_coverage: float,
    min_similarity: float,
    close_meaning: float = 1.01,
) -> bool:
    """Whether a sentence may be given as the answer at all (a question about a total is not
    answered by a sentence that only gives changes). It must cover enough of the question's
    key terms, or, naming the question's most specific term, mean nearly the same
    (``close_meaning``: "a mediation service for neighbour disputes" and "one of the services
    we have invested in is the county's Restorative and Mediation Service")."""
    if _TOTAL.search(question.text) and only_changes(c.text):
        return False
    covered = c.coverage >= min_coverage or (c.names_key and c.similarity >= close_meaning)
    return (
        c.complete
        and covered
        and c.similarity >= min_similarity
        and (c.cue > 0 or not wants_figure(question))
    )


def coverage(
    question: Question,
    sentence: set[str],
    before: set[str],
    context: set[str],
    retriever: HybridRetriever,
    text: str = "",
    asked_years: set[int] | None = None,
) -> float:
    """IDF-weighted share of the question's key terms in the sentence (in part when they are
    only in the sentence before it, or elsewhere in its passage). A question comparing two
    or more financial years ("in 2020-21 compared with 2018-19") also counts each year as a
    term, as heavy as its heaviest word: the sentence naming both periods answers it."""
    total = found = 0.0
    weights = []
    for group in question.term_stems():
        weight = max(retriever.idf(s) for s in group)
        weights.append(weight)
        total += weight
        share = (
            1.0
            if group & sentence
            else 0.75
            if group & before
            else (0.5 if group & context else 0.0)
        )
        found += weight * share
    asked = financial_years(question.text) if asked_years is None else asked_years
    if len(asked) >= 2 and weights:
        named = financial_years(text)
        total += max(weights) * len(asked)
        found += max(weights) * len(asked & named)
    return found / total if total else 0.0


def cue_fit(question: Question, sentence: str, proper: frozenset[str] = frozenset()) -> float:
    """1 when the sentence holds the kind of fact the question asks for, else 0 (0.5 if none).

    proper: words the report only ever writes capitalised (names), for "who is" questions."""
    check = _CUE_CHECKS.get(question.cue) if question.cue is not None else None
    return 0.5 if check is None else float(check(question, sentence, proper))


def _names(question: Question, sentence: str) -> list[str]:
    """Capitalised names in the sentence that the question does not already say."""
    asked = set(words(question.text))
    return [m for m in _NAME.findall(sentence) if not set(words(m)) <= asked]


# For each cue, whether a sentence holds that kind of fact (question, sentence, proper names);
# only the cue's own check runs.
_CUE_CHECKS: dict[str, Callable[[Question, str, frozenset[str]], bool]] = {
    "count": lambda q, s, _: _counts_something_asked(q, s),
    "money": lambda q, s, _: "£" in s,
    "percentage": lambda q, s, _: (
        bool(_PART_OF.search(s)) if _ASKS_PART.search(q.text) else "%" in s or "per cent" in s
    ),
    "who": lambda q, s, _: bool(_names(q, s)),
    "when": lambda q, s, _: bool(_DATE.search(s)),
    "where": lambda q, s, _: bool(_names(q, s)),
    "change": lambda q, s, _: (
        bool(_CHANGE.search(s)) and any(not _YEAR.match(n) for n in numbers_in(s))
    ),
    "duration": lambda q, s, _: bool(_DURATION.search(s)),
    "person": lambda q, s, proper: any(all(w in proper for w in words(m)) for m in _names(q, s)),
}


def _counts_something_asked(question: Question, sentence: str) -> bool:
    """A count near (within a few words of) one of the question's key terms."""
    groups = [near_stems(t) for t in question.terms if not _only_in_force_name(question, t)]
    given = {n.replace(",", "") for n in numbers_in(question.text)}
    shares = counts_shares(question)
    return any(
        bare not in given and any(g & near for g in groups)  # not a figure the question gave
        for bare, near, share in counts_in(sentence)
        if shares or not share
    )


def _only_in_force_name(question: Question, term: str) -> bool:
    """Whether the question says a term only as part of its area's force's name ("X
    Police": how many PCSOs it has is not counted by "42 Specials ... became Police
    Officers")."""
    if term.lower() not in FORCE_WORDS or not question.own:
        return False
    said = words(question.text)
    places = [i for i, w in enumerate(said) if w == term.lower()]
    return bool(places) and all(i > 0 and said[i - 1] in question.own for i in places)


# "How many of those ...", "how many victims said ...": a share answers; "how many rapes
# were there?" is not answered by "rapes rose by 8.6 per cent".
_SHARE_OF_COUNT = re.compile(
    r"\bhow many of\b|\bhow many\b.*\b(said|say|says|felt|feel|feels|think|thought|rated|"
    r"agreed|agree|were (happy|satisfied))\b",
    re.I,
)


def counts_shares(question: Question) -> bool:
    """Whether a share ("32 per cent") answers the question's "how many"."""
    return _SHARE_OF_COUNT.search(question.text) is not None


@lru_cache(maxsize=16384)
def counts_in(sentence: str, window: int = 6) -> tuple[tuple[str, frozenset[str], bool], ...]:
    """The sentence's counts (figures and number words, not years, periods such as "12
    months" or labels such as "Section 136"), each with the stems of the words around it and
    whether it is a share ("32 per cent"), worked out once per sentence, not per question."""
    tokens = sentence.replace(",", "").split()
    out = []
    for i, token in enumerate(tokens):
        bare = token.strip("().;:").lower()
        if i and _LABEL_NUMBER.match(tokens[i - 1].lower()):
            continue
        if bare not in _NUMBER_WORDS and (
            not re.fullmatch(r"\d+(\.\d+)?", bare) or _YEAR.match(bare)
        ):
            continue
        if i + 1 < len(tokens) and _SPAN.match(tokens[i + 1]):
            continue  # "12 months", "four years": a period, not a count
        share = _PER_CENT.match(" ".join(tokens[i + 1 : i + 3])) is not None  # "8.6 per cent"
        near = frozenset(stems(" ".join(tokens[max(0, i - window) : i + window + 1])))
        out.append((bare, near, share))
    return tuple(out)


_HOW_MANY = re.compile(r"\bhow many\b|\b(?:total )?number of\b", re.I)


def counted_thing(question: str) -> set[str] | None:
    """The stems of what a "how many" question counts, or None when it names nothing: the
    head of the words after the asking words, their last plural ("how many knife amnesty bins
    did ..." counts bins, not knives), else their first ("how many young people": the young)."""
    m = _HOW_MANY.search(question)
    if m is None:
        return None
    phrase: list[str] = []
    for word in words(question[m.end() :]):
        if word in function_words() or not word.isalpha() or len(phrase) == 4:
            if phrase:
                break
            continue
        phrase.append(word)
    if not phrase:
        return None
    plurals = [w for w in phrase if w.endswith("s") and not w.endswith("ss")]
    return near_stems(plurals[-1] if plurals else phrase[0])


def near_stems(term: str) -> set[str]:
    """A term and its one-word synonyms (a count must sit by the thing itself: 'PCSOs' is not
    the 'officers' of 'police community support officers')."""
    return {stem(term)} | {stem(alt) for alt in glossary().get(term, ()) if " " not in alt}


def _follows(c: Candidate, best: Candidate) -> bool:
    """c is the sentence read straight after best (in its passage, or opening the next one)."""
    if c.passage.id == best.passage.id:
        return c.index == best.index + 1
    return (
        c.index == 0
        and c.passage.section == best.passage.section
        and c.passage.position == best.passage.position + 1
        and best.index == len(best.passage.sentences()) - 1
    )


def _points_back(text: str) -> bool:
    """A sentence naming its subject only by pointing back ("This has ...")."""
    return bool(_REFERS_BACK.search(text) or _OPENS_BACK.match(text))


def carries_on(text: str) -> bool:
    """Whether a sentence opens by pointing back at the one before ("This additional ...",
    "These schemes ...")."""
    return _ANAPHORA.match(text) is not None


def choose(
    ranked: list[Candidate], limit: int, everything: list[Candidate], describe: bool = False
) -> list[Candidate]:
    """The best acceptable sentence, the sentences after it while they carry on (one, or two
    when the question asks for a description), and close runners-up."""
    if not ranked:
        return []
    best = ranked[0]
    chosen = [best]
    if _points_back(best.text):
        # "... recognised for this approach.": the sentence before says which approach (at a
        # paragraph's start, the last sentence of the paragraph before, in its section,
        # unless that one too names its subject only by pointing back)
        before = next((c for c in everything if _follows(best, c)), None)
        if before is not None and (
            before.passage.id == best.passage.id or not _points_back(before.text)
        ):
            chosen.insert(0, before)
    for _ in range(2 if describe else 1):
        last = chosen[-1]
        follower = next((c for c in everything if _follows(c, last)), None)
        if not follower or not (
            follower.direct or carries_on(follower.text) or len(last.text.split()) < 12
        ):
            break
        chosen.append(follower)
    for c in ranked[1:]:
        if len(chosen) >= limit:
            break
        if c not in chosen and c.score >= 0.9 * best.score and c.coverage >= best.coverage:
            chosen.append(c)
    return sorted(chosen, key=lambda c: (c.passage.position, c.index))
