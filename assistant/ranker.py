"""Learned ranking over one candidate space: every sentence of the report and every table row
written out as a sentence, scored by features combined by a fitted logistic regression.

The answering chain's rules answer first; when they would refuse, this answerer reads the
question by meaning rather than by word lists, and answers when its calibrated confidence
passes the threshold chosen by cross-validation (`assistant rank fit`, which writes
``data/ranker.json``). Every feature is computed from the question, the candidate and its
context; nothing names this report.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import bm25s
import numpy as np

from assistant.passages import Passage
from assistant.statistics import StatisticsStore, StatRow
from assistant.text import (
    compound_index,
    compound_parts,
    content_words,
    expanded_stems,
    numbers_in,
    spelled_out,
    stem,
    words,
)

MODEL_FILE = Path(__file__).parent / "data" / "ranker.json"
POOL = 24  # candidates per retriever that reach the model
FEATURES: tuple[str, ...] = (
    "dense",
    "dense_context",
    "dense_rank",
    "bm25",
    "bm25_rank",
    "overlap",
    "rare_overlap",
    "is_row",
    "has_number",
    "figure_match",
    "figure_missing",
    "dense_gap",
    "unknown_share",
    "meaning_overlap",
    "meaning_rare_overlap",
    "label_coverage",
)
# A question word "means" a report word when their MiniLM vectors are at least this close
# (below it, single words share little more than their part of speech).
WORD_MEANING = 0.5
WORDS_KEPT = 20_000  # question words whose vectors are kept (all forgotten when full)
_FIGURE_QUESTION = re.compile(
    r"\b(how (many|much|long|far)|what (number|percentage|proportion|share|figure|sum|amount)|"
    r"number of|per ?cent|percentage|total|cost|spen[dt]|by how much|figure|rate)\b|£|%",
    re.I,
)


@dataclass(frozen=True)
class Option:
    """One candidate answer: a sentence of a passage, or a table row."""

    text: str  # the sentence, or the row written out
    context: str  # heading and section, or the table's title and section (for BM25)
    passage: Passage | None = None
    index: int = 0  # the sentence's place in its passage
    row: StatRow | None = None


def row_sentence(row: StatRow) -> str:
    """A table row written out: label, each column's value, the table title."""
    values = "; ".join(f"{c}: {row.values.get(c, '')}" for c in row.columns)
    return f"{spelled_out(row.label)}: {values} ({row.table_title})"


DEFINITIONS_FILE = Path(__file__).parent / "data" / "definitions.json"


@lru_cache(maxsize=1)
def _definitions() -> tuple[tuple[str, str], ...]:
    """The terms of ``data/definitions.json``, as words, and what each means."""
    data = json.loads(DEFINITIONS_FILE.read_text(encoding="utf-8"))
    return tuple((" ".join(words(e["term"])), e["means"]) for e in data["entries"])


def definitions_version() -> str:
    """A hash of ``definitions.json``: a build's table lines are embedded with it."""
    return hashlib.sha256(DEFINITIONS_FILE.read_bytes()).hexdigest()[:16]


def meanings(label: str) -> str:
    """What the police and public-finance terms a table line's label holds mean
    (``definitions.json``: "transfer to earmarked reserve" -> "sums set aside and saved for
    specific future purposes or projects"); empty when it holds none."""
    said = f" {' '.join(words(label))} "
    return " ".join(means for term, means in _definitions() if f" {term} " in said)


def options_for(passages: Sequence[Passage], store: StatisticsStore) -> list[Option]:
    """Every sentence of the text passages (four words or more) and every table row (its
    context: the table's title, section and what its label's terms mean)."""
    options = [
        Option(sentence, f"{p.heading} {p.section}", p, i)
        for p in passages
        if p.kind != "table"
        for i, sentence in enumerate(p.sentences())
        if len(sentence.split()) >= 4
    ]
    return options + [
        Option(row_sentence(r), f"{r.table_title} {r.section} {meanings(r.label)}".strip(), row=r)
        for r in store.rows
    ]


def embed_options(
    options: Sequence[Option], embed: Callable[[list[str]], Any], known: dict[str, Any]
) -> dict[str, np.ndarray]:
    """The options' vectors, alone and in context: a sentence's own vector and its passage's,
    both from the build (``known``, by sentence and passage id); a table row's embedded here,
    alone and with its table's title. With them, the candidates' vocabulary: one word for each
    stem they use and its vector, so question words are matched to the report's words by
    meaning. Stored with the build (``VECTORS_FILE``)."""
    spelled = spellings(options)
    rows = [o for o in options if o.row is not None]
    row_text = dict(zip([o.text for o in rows], embed([o.text for o in rows]), strict=True))
    row_context = dict(
        zip([o.text for o in rows], embed([f"{o.context}: {o.text}" for o in rows]), strict=True)
    )
    vectors, context = [], []
    for o in options:
        if o.passage is None:
            vectors.append(row_text[o.text])
            context.append(row_context[o.text])
        else:
            vectors.append(known[f"{o.passage.id}:{o.index}"])
            context.append(known[o.passage.id])
    return {
        "vectors": _normalised(vectors),
        "context_vectors": _normalised(context),
        "vocabulary": np.asarray(list(spelled), dtype=str),
        "vocabulary_vectors": _normalised(embed(list(spelled.values()))),
    }


def spellings(options: Sequence[Option]) -> dict[str, str]:
    """The candidates' vocabulary: each stem they use, spelled as first written."""
    spelled: dict[str, str] = {}
    for o in options:
        for word in content_words(f"{o.text} {o.context}"):
            spelled.setdefault(stem(word), word.lower())
    return spelled


VECTORS_FILE = "candidates.npz"


Embed = Callable[[list[str]], Any]


class CandidateSpace:
    """The options, their BM25 index and embeddings, their vocabulary's vectors, and the
    features of a question (``embed`` gives the vectors of the question's words)."""

    def __init__(
        self,
        options: list[Option],
        vectors: dict[str, np.ndarray],
        embed: Embed,
        compounds: dict[str, tuple[str, str]] | None = None,
    ) -> None:
        if len(vectors["vectors"]) != len(options):
            raise ValueError("the stored candidate vectors do not match the candidates")
        self.options = options
        self.vectors = vectors["vectors"]
        self.context_vectors = vectors["context_vectors"]
        self.embed = embed
        self._word_row = {str(s): i for i, s in enumerate(vectors["vocabulary"])}
        self._word_vectors = vectors["vocabulary_vectors"]
        # a question word's vector, once; the report's own words come with the build (the
        # vocabulary's vectors are those words embedded alone: a question that writes a word
        # as the report does costs no pass of the model for it)
        self._known_words = {
            word: self._word_vectors[self._word_row[s]]
            for s, word in spellings(options).items()
            if s in self._word_row
        }
        self._word_cache: dict[str, np.ndarray] = {}
        tokens = [_tokens(f"{o.text} {o.context}") for o in options]
        self._words = [
            np.asarray(sorted({self._word_row[s] for s in t if s in self._word_row}), dtype=int)
            for t in tokens
        ]
        self._bm25 = bm25s.BM25()
        self._bm25.index(tokens, show_progress=False)
        self._stems = [set(t) for t in tokens]
        # words the candidates write as two ("go-pro"): the reports' index when given
        self._compounds = (
            compounds
            if compounds is not None
            else compound_index(" ".join(o.text.lower() for o in options))
        )
        self._label_stems = [
            list(dict.fromkeys(_tokens(o.row.label))) if o.row is not None else [] for o in options
        ]
        self._has_number = [bool(numbers_in(o.text)) for o in options]
        df: dict[str, int] = {}
        for doc in self._stems:
            for s in doc:
                df[s] = df.get(s, 0) + 1
        self._idf = {s: math.log(1 + len(options) / (1 + n)) for s, n in df.items()}

    def features(self, question: str, vector: Sequence[float]) -> tuple[list[int], np.ndarray]:
        """The pooled candidates (indices into options) and their feature rows."""
        q = np.asarray(vector, dtype=np.float32)
        q = q / (np.linalg.norm(q) or 1.0)
        dense = self.vectors @ q
        dense_context = self.context_vectors @ q
        words = list(dict.fromkeys(content_words(question)))
        groups = [self._group(w) for w in words]
        asked = set().union(*groups)
        query = sorted(asked)
        bm25 = self._bm25.get_scores(query) if query else np.zeros(len(self.options))
        by_dense = np.argsort(-dense)
        by_bm25 = np.argsort(-bm25)
        pool = list(dict.fromkeys([*by_dense[:POOL].tolist(), *by_bm25[:POOL].tolist()]))
        dense_rank = {int(i): r for r, i in enumerate(by_dense[: 4 * POOL])}
        bm25_rank = {int(i): r for r, i in enumerate(by_bm25[: 4 * POOL])}
        top_bm25 = float(bm25.max()) or 1.0
        best_dense = float(dense[by_dense[0]])
        weights = [max((self._idf.get(s, 0.0) for s in g), default=0.0) for g in groups]
        known = sum(w > 0 for w in weights)  # words the report never uses can't be matched
        wants_figure = _FIGURE_QUESTION.search(question) is not None
        meaning = self._meaning(words)
        rows = []
        for i in pool:
            o, have = self.options[i], self._stems[i]
            holds = np.array([bool(g & have) for g in groups], dtype=float)
            matched = [w for h, w in zip(holds, weights, strict=True) if h]
            has_number = self._has_number[i]
            near = self._near(meaning, holds, i)
            rows.append(
                [
                    float(dense[i]),
                    float(dense_context[i]),
                    1.0 / (1 + dense_rank.get(i, 4 * POOL)),
                    float(bm25[i]) / top_bm25,
                    1.0 / (1 + bm25_rank.get(i, 4 * POOL)),
                    len(matched) / known if known else 0.0,
                    sum(matched) / (sum(weights) or 1.0),
                    float(o.row is not None),
                    float(has_number),
                    float(has_number and wants_figure),
                    float(wants_figure and not has_number),
                    best_dense - float(dense[i]),
                    1.0 - known / len(groups) if groups else 0.0,
                    float(near.mean()) if groups else 0.0,
                    float(near @ np.asarray(weights)) / (sum(weights) or 1.0) if groups else 0.0,
                    self._coverage(i, asked, meaning),
                ]
            )
        return pool, np.asarray(rows, dtype=np.float64)

    def _meaning(self, words: list[str]) -> np.ndarray:
        """How close in meaning each question word is to each word of the vocabulary (one
        row per word)."""
        if not words:
            return np.zeros((0, len(self._word_vectors)), dtype=np.float32)
        missing = [w for w in words if w not in self._word_cache and w not in self._known_words]
        if missing:
            if len(self._word_cache) > WORDS_KEPT:
                self._word_cache.clear()
            for word, vector in zip(missing, _normalised(self.embed(missing)), strict=True):
                self._word_cache[word] = vector
        known = self._known_words
        return np.asarray([known.get(w, self._word_cache.get(w)) for w in words]) @ (
            self._word_vectors.T
        )

    def _group(self, word: str) -> set[str]:
        """The stems a question word matches: itself and its synonyms, or, for a word the
        candidates never use that they write as two ("dashcam": "dash cams"), both parts."""
        group = expanded_stems(word)
        if group & self._idf.keys():
            return group
        parts = compound_parts(word, self._compounds)
        return group | {stem(p) for p in parts} if parts else group

    def _coverage(self, i: int, asked: set[str], meaning: np.ndarray) -> float:
        """How much of a table row's label the question says (0 for a sentence): each label
        word, weighted by its rarity, counts 1 when the question uses it (or a synonym),
        else how close in meaning the question's nearest word is, from WORD_MEANING ("the
        central Police Grant" says all of "Police Grant", half of "Police and Crime
        Commissioner grants")."""
        label = self._label_stems[i]
        if not label:
            return 0.0
        weights = np.asarray([self._idf.get(s, 0.0) for s in label])
        said = np.zeros(len(label))
        for k, s in enumerate(label):
            if s in asked:
                said[k] = 1.0
            elif len(meaning) and s in self._word_row:
                close = float(meaning[:, self._word_row[s]].max())
                said[k] = close if close >= WORD_MEANING else 0.0
        return float(said @ weights) / (float(weights.sum()) or 1.0)

    def _near(self, meaning: np.ndarray, holds: np.ndarray, i: int) -> np.ndarray:
        """For each question word: 1 when candidate ``i`` uses it (or a synonym: ``holds``),
        else how close in meaning its nearest word is, counted only from WORD_MEANING."""
        words = self._words[i]
        close = meaning[:, words].max(axis=1) if len(words) else np.zeros(len(holds))
        return np.maximum(holds, np.where(close >= WORD_MEANING, close, 0.0))


CONFIDENCE_FEATURES: tuple[str, ...] = (
    "top_probability",
    "margin",
    "top3_probability",
    *(f"top_{name}" for name in FEATURES),
)


@dataclass(frozen=True)
class Logistic:
    """A standardised logistic regression: weights, bias, mean and scale of the inputs."""

    weights: np.ndarray
    bias: float
    mean: np.ndarray
    scale: np.ndarray

    def __call__(self, matrix: np.ndarray) -> np.ndarray:
        """Probabilities for the rows of the matrix."""
        z = ((matrix - self.mean) / self.scale) @ self.weights + self.bias
        return 1.0 / (1.0 + np.exp(-z))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Logistic:
        """From the fitted file's JSON."""
        return cls(
            np.asarray(data["weights"]),
            float(data["bias"]),
            np.asarray(data["mean"]),
            np.asarray(data["scale"]),
        )


def confidence_features(matrix: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """What says whether the best candidate answers at all: its probability, its lead over
    the next, the mass of the first three, and all its own features (how close it is in
    meaning and words to the question, whether it holds the kind of figure asked for)."""
    order = np.argsort(-probs, kind="stable")
    top = order[0]
    second = probs[order[1]] if len(order) > 1 else 0.0
    return np.concatenate(
        [[probs[top], probs[top] - second, float(np.sum(probs[order[:3]]))], matrix[top]]
    )


@dataclass(frozen=True)
class Ranker:
    """Candidate scores, the confidence that the best one answers, and the confidence an
    answer needs (chosen by cross-validation)."""

    candidate: Logistic
    confidence: Logistic
    threshold: float

    def best(
        self, space: CandidateSpace, question: str, vector: Sequence[float]
    ) -> tuple[list[tuple[Option, float]], float]:
        """The candidates, best first, with their probabilities; and the confidence that
        the first answers the question."""
        pool, matrix = space.features(question, vector)
        probs = self.candidate(matrix)
        order = np.argsort(-probs, kind="stable")
        sure = float(self.confidence(confidence_features(matrix, probs)[None, :])[0])
        return [(space.options[pool[i]], float(probs[i])) for i in order], sure


def kept_candidates(
    ranked: Sequence[tuple[Option, float]], ratio: float, most: int
) -> list[Option]:
    """The best candidate and those nearly as likely (at least ratio of its probability),
    at most ``most``: what an answer quotes."""
    if not ranked:
        return []
    top = ranked[0][1]
    return [o for o, p in ranked[:most] if p >= ratio * top]


def load(path: Path = MODEL_FILE) -> Ranker:
    """The fitted ranker (an exception when missing or malformed)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if (
        tuple(data["features"]) != FEATURES
        or tuple(data["confidence_features"]) != CONFIDENCE_FEATURES
    ):
        raise ValueError(f"{path}: fitted on other features; run `assistant rank fit`")
    return Ranker(
        Logistic.from_dict(data["candidate"]),
        Logistic.from_dict(data["confidence"]),
        float(data["threshold"]),
    )


def _normalised(vectors: Any) -> np.ndarray:
    array = np.asarray(vectors, dtype=np.float32)
    return array / np.maximum(np.linalg.norm(array, axis=1, keepdims=True), 1e-9)


def _tokens(text: str) -> list[str]:
    return [stem(w) for w in content_words(text)]
