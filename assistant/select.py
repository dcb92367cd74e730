"""Sentence selection: the one to three sentences of the retrieved passages that answer best."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.passages import Passage
from assistant.question import Question
from assistant.retrieval import Hit, HybridRetriever
from assistant.text import numbers_in, stems

_YEAR = re.compile(r"^(19|20)\d\d$")
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+ [A-Z][a-z]+\b")
_DATE = re.compile(r"\b(19|20)\d\d\b|\b(January|February|March|April|May|June|July|August|"
                   r"September|October|November|December)\b")
_CHANGE = re.compile(r"\b(increas\w*|decreas\w*|reduc\w*|rose|risen|fell|fallen|up|down|"
                     r"rise|fall)\b", re.I)


@dataclass(frozen=True)
class Candidate:
    """A sentence that may answer the question, with the scores that rank it."""

    passage: Passage
    index: int
    text: str
    similarity: float
    coverage: float
    direct: bool
    cue: float
    rank_bonus: float

    @property
    def score(self) -> float:
        """Blend of key-term coverage, meaning, figure type and passage rank."""
        return 0.5 * self.coverage + 0.3 * self.similarity + 0.12 * self.cue + self.rank_bonus


def candidates(question: Question, hits: list[Hit], sims: dict[str, float],
               retriever: HybridRetriever) -> list[Candidate]:
    """Every sentence of the retrieved passages and of the nearest sentences, scored."""
    passages = {h.passage.id: (rank, h.passage) for rank, h in enumerate(hits)}
    for sid in sims:
        pid = sid.rsplit(":", 1)[0]
        passages.setdefault(pid, (len(hits), retriever.by_id[pid]))
    floor = min(sims.values(), default=0.0)
    out = []
    for rank, passage in passages.values():
        sentences = passage.sentences()
        context = stems(f"{passage.section} {passage.heading} {passage.text}")
        for i, sentence in enumerate(sentences):
            out.append(Candidate(
                passage, i, sentence, sims.get(f"{passage.id}:{i}", floor),
                coverage(question, stems(sentence), context, retriever),
                any(g & stems(sentence) for g in question.term_stems()),
                cue_fit(question.cue, sentence), 0.04 / (1 + rank),
            ))
    return sorted(out, key=lambda c: c.score, reverse=True)


def coverage(question: Question, sentence: set[str], context: set[str],
             retriever: HybridRetriever) -> float:
    """IDF-weighted share of the question's key terms in the sentence (half in its passage)."""
    total = found = 0.0
    for group in question.term_stems():
        weight = max(retriever.idf(s) for s in group)
        total += weight
        found += weight if group & sentence else weight / 2 if group & context else 0.0
    return found / total if total else 0.0


def cue_fit(cue: str | None, sentence: str) -> float:
    """1 when the sentence holds the kind of fact the question asks for, else 0 (0.5 if none)."""
    figures = [n for n in numbers_in(sentence) if not _YEAR.match(n)]
    checks = {
        "count": any(not n.endswith("%") and "£" not in n for n in figures),
        "money": "£" in sentence,
        "percentage": "%" in sentence or "per cent" in sentence,
        "who": bool(_NAME.search(sentence)),
        "when": bool(_DATE.search(sentence)),
        "where": bool(_NAME.search(sentence)),
        "change": bool(_CHANGE.search(sentence)) and bool(figures),
    }
    return 0.5 if cue is None else float(checks.get(cue, 0.5))


def choose(ranked: list[Candidate], limit: int) -> list[Candidate]:
    """The best sentence, the one after it when it carries on, and close runners-up."""
    if not ranked:
        return []
    best = ranked[0]
    chosen = [best]
    follower = next((c for c in ranked if c.passage.id == best.passage.id
                     and c.index == best.index + 1), None)
    if follower and (follower.direct or len(best.text.split()) < 12) and (
            follower.score >= 0.6 * best.score):
        chosen.append(follower)
    for c in ranked[1:]:
        if len(chosen) >= limit:
            break
        if c not in chosen and c.score >= 0.9 * best.score and c.coverage >= best.coverage:
            chosen.append(c)
    return sorted(chosen, key=lambda c: (c.passage.position, c.index))
