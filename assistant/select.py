"""Sentence selection: the one to three sentences of the retrieved passages that answer best."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.passages import Passage
from assistant.question import Question
from assistant.retrieval import Hit, HybridRetriever
from assistant.text import numbers_in, stems, words

_YEAR = re.compile(r"^(19|20)\d\d$")
_NAME = re.compile(r"\b[A-Z][a-z]+ [A-Z][a-z]+\b")
_DURATION = re.compile(r"\b(\d+\s*(mins?|minutes?|hours?)|half an hour|an hour)\b", re.I)
_ANAPHORA = re.compile(r"^(\S+\s){0,3}(this|these|it|they|its|their|such)\b", re.I)
_DATE = re.compile(
    r"\b(19|20)\d\d\b|\b(January|February|March|April|May|June|July|August|"
    r"September|October|November|December)\b"
)
_CHANGE = re.compile(
    r"\b(increas\w*|decreas\w*|reduc\w*|rose|risen|fell|fallen|up|down|"
    r"rise|fall)\b",
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
    cue: float
    rank_bonus: float

    @property
    def score(self) -> float:
        """Blend of key-term coverage, meaning, figure type and passage rank."""
        return 0.5 * self.coverage + 0.3 * self.similarity + 0.12 * self.cue + self.rank_bonus


def candidates(
    question: Question, hits: list[Hit], sims: dict[str, float], retriever: HybridRetriever
) -> list[Candidate]:
    """Every sentence of the retrieved passages and of the nearest sentences, scored."""
    passages = {h.passage.id: (rank, h.passage) for rank, h in enumerate(hits)}
    needed = required_terms(question, retriever)
    for sid in sims:
        pid = sid.rsplit(":", 1)[0]
        passages.setdefault(pid, (len(hits), retriever.by_id[pid]))
    floor = min(sims.values(), default=0.0)
    out = []
    for rank, passage in passages.values():
        sentences = passage.sentences()
        context = stems(f"{passage.section} {passage.heading} {passage.text}")
        for i, sentence in enumerate(sentences):
            before = stems(sentences[i - 1]) if i else set()
            out.append(
                Candidate(
                    passage,
                    i,
                    sentence,
                    sims.get(f"{passage.id}:{i}", floor),
                    coverage(question, stems(sentence), before, context, retriever),
                    any(g & stems(sentence) for g in question.term_stems()),
                    all(g & context for g in needed),
                    cue_fit(question, sentence),
                    0.04 / (1 + rank),
                )
            )
    return sorted(out, key=lambda c: c.score, reverse=True)


def required_terms(question: Question, retriever: HybridRetriever) -> list[set[str]]:
    """Terms the evidence must mention: names the question uses, and its rarest rare term."""
    groups = question.term_stems()
    out = [g for g, t in zip(groups, question.terms, strict=True) if t in question.names]
    rare = [
        g
        for g in groups
        if all(retriever.is_rare(s) for s in g)
        and any(retriever.document_frequency.get(s) for s in g)
    ]
    if rare:
        out.append(max(rare, key=lambda g: min(retriever.idf(s) for s in g)))
    return out


def acceptable(
    c: Candidate, question: Question, min_coverage: float, min_similarity: float
) -> bool:
    """Whether a sentence may be given as the answer at all."""
    wants_figure = question.cue in ("count", "money", "percentage", "duration")
    return (
        c.complete
        and c.coverage >= min_coverage
        and c.similarity >= min_similarity
        and (c.cue > 0 or not wants_figure)
    )


def coverage(
    question: Question,
    sentence: set[str],
    before: set[str],
    context: set[str],
    retriever: HybridRetriever,
) -> float:
    """IDF-weighted share of the question's key terms in the sentence (in part when they are
    only in the sentence before it, or elsewhere in its passage)."""
    total = found = 0.0
    for group in question.term_stems():
        weight = max(retriever.idf(s) for s in group)
        total += weight
        share = (
            1.0
            if group & sentence
            else 0.75
            if group & before
            else (0.5 if group & context else 0.0)
        )
        found += weight * share
    return found / total if total else 0.0


def cue_fit(question: Question, sentence: str) -> float:
    """1 when the sentence holds the kind of fact the question asks for, else 0 (0.5 if none)."""
    cue = question.cue
    figures = [n for n in numbers_in(sentence) if not _YEAR.match(n)]
    asked = set(words(question.text))
    names = [m for m in _NAME.findall(sentence) if not set(words(m)) <= asked]
    checks = {
        "count": _counts_something_asked(question, sentence),
        "money": "£" in sentence,
        "percentage": "%" in sentence or "per cent" in sentence,
        "who": bool(names),
        "when": bool(_DATE.search(sentence)),
        "where": bool(names),
        "change": bool(_CHANGE.search(sentence)) and bool(figures),
        "duration": bool(_DURATION.search(sentence)),
    }
    return 0.5 if cue is None else float(checks.get(cue, 0.5))


def _counts_something_asked(question: Question, sentence: str, window: int = 4) -> bool:
    """A count near (within a few words of) one of the question's key terms."""
    tokens = sentence.replace(",", "").split()
    groups = question.term_stems()
    for i, token in enumerate(tokens):
        bare = token.strip("().;:").lower()
        if not re.fullmatch(r"\d+(\.\d+)?", bare) or _YEAR.match(bare):
            continue
        near = " ".join(tokens[max(0, i - window) : i + window + 1])
        if any(g & stems(near) for g in groups):
            return True
    return False


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


def choose(ranked: list[Candidate], limit: int, everything: list[Candidate]) -> list[Candidate]:
    """The best acceptable sentence, the one after it when it carries on (from all
    candidates), and close runners-up."""
    if not ranked:
        return []
    best = ranked[0]
    chosen = [best]
    follower = next((c for c in everything if _follows(c, best)), None)
    if follower and (
        follower.direct or _ANAPHORA.match(follower.text) or len(best.text.split()) < 12
    ):
        chosen.append(follower)
    for c in ranked[1:]:
        if len(chosen) >= limit:
            break
        if c not in chosen and c.score >= 0.9 * best.score and c.coverage >= best.coverage:
            chosen.append(c)
    return sorted(chosen, key=lambda c: (c.passage.position, c.index))
