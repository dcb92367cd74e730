"""Hybrid retrieval: BM25 over stems and vector search in Chroma, fused by reciprocal rank."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import bm25s
import numpy as np

from assistant.embedding import Embedder
from assistant.passages import Passage
from assistant.text import content_words, expanded_stems, stem

RARE_DF = 4
UNKNOWN_IDF = 3.0


@dataclass(frozen=True)
class Hit:
    """A retrieved passage with its fused score and the two scores behind it."""

    passage: Passage
    score: float
    similarity: float
    bm25: float


class HybridRetriever:
    """Finds passages for a question; also scores single sentences by similarity."""

    def __init__(
        self,
        passages: list[Passage],
        passage_collection: Any,
        sentence_collection: Any,
        embedder: Embedder,
        rrf_k: int,
    ) -> None:
        self.passages = passages
        self.by_id = {p.id: p for p in passages}
        self._position = {p.id: i for i, p in enumerate(passages)}
        # the sentence collection's ids and vectors, read once (a served build does not change)
        self._sentence_matrix: tuple[list[str], np.ndarray] | None = None
        self._passages = passage_collection
        self._sentences = sentence_collection
        self._embedder = embedder
        self._rrf_k = rrf_k
        tokens = [[stem(w) for w in content_words(p.embedding_text())] for p in passages]
        self._bm25 = bm25s.BM25()
        self._bm25.index(tokens, show_progress=False)
        self.document_frequency = _document_frequency(tokens)
        self._postings: dict[str, list[str]] = {}
        for passage, doc in zip(passages, tokens, strict=True):
            for token in set(doc):
                self._postings.setdefault(token, []).append(passage.id)
        self.proper_words = _proper_words(" ".join(p.text for p in passages))

    def idf(self, stem_: str) -> float:
        """Inverse document frequency of a stem over passages (unknown stems weigh most)."""
        df = self.document_frequency.get(stem_, 0)
        if df == 0:  # a word the report never uses can't be matched: filler or off-topic
            return UNKNOWN_IDF
        return math.log(1 + len(self.passages) / (1 + df))

    def is_rare(self, stem_: str) -> bool:
        """A stem found in at most RARE_DF passages (or none): a specific, telling term."""
        return self.document_frequency.get(stem_, 0) <= RARE_DF

    def passages_with(self, stems: set[str]) -> list[Passage]:
        """Passages using any of these stems."""
        ids = dict.fromkeys(pid for s in sorted(stems) for pid in self._postings.get(s, ()))
        return [self.by_id[pid] for pid in ids]

    def embed(self, text: str) -> list[float]:
        """The question's embedding (computed once per question)."""
        return self._embedder.query(text)

    def embed_queries(self, texts: list[str]) -> Any:
        """A question's and its variants' embeddings, computed together and kept like
        ``embed``'s."""
        return self._embedder.queries(texts)

    def is_word(self, word: str) -> bool:
        """Whether the embedding model's vocabulary holds the word whole (not a typo)."""
        return self._embedder.is_word(word)

    def embed_texts(self, texts: list[str]) -> Any:
        """Embeddings of many texts as one array (normalised, like the question's)."""
        return self._embedder.matrix(texts)

    def search(self, text: str, vector: list[float], k: int) -> list[Hit]:
        """Top k passages by reciprocal-rank fusion of BM25 and vector ranks."""
        query = sorted({s for w in content_words(text) for s in expanded_stems(w)})
        bm25 = self._bm25.get_scores(query) if query else np.zeros(len(self.passages))
        n = min(len(self.passages), max(k * 3, 20))
        found = self._passages.query(
            query_embeddings=[vector], n_results=n, include=["distances"]
        )  # ids and distances only: reading documents back costs as much again
        similarity = {
            pid: 1 - d for pid, d in zip(found["ids"][0], found["distances"][0], strict=True)
        }
        fused: dict[str, float] = {}
        for rank, pid in enumerate(similarity):
            fused[pid] = fused.get(pid, 0.0) + 1 / (self._rrf_k + rank + 1)
        for rank, i in enumerate(i for i in np.argsort(-bm25)[:n] if bm25[i] > 0):
            pid = self.passages[i].id
            fused[pid] = fused.get(pid, 0.0) + 1 / (self._rrf_k + rank + 1)
        ranked = sorted(fused, key=fused.get, reverse=True)[:k]
        return [
            Hit(
                self.by_id[pid],
                fused[pid],
                similarity.get(pid, 0.0),
                float(bm25[self._position[pid]]),
            )
            for pid in ranked
        ]

    def sentence_similarities(self, vector: list[float], n: int = 40) -> dict[str, float]:
        """Cosine similarity of the question to its n nearest sentences, by sentence id: an
        exact search over the sentence collection's vectors, read from Chroma once (a few
        thousand short vectors: a product of one matrix, not a query per question)."""
        ids, matrix = self._sentence_vectors()
        if not ids:
            return {}
        similarity = matrix @ np.asarray(vector, dtype=np.float32)
        nearest = np.argsort(-similarity, kind="stable")[: min(n, len(ids))]
        return {ids[i]: float(similarity[i]) for i in nearest}

    def _sentence_vectors(self) -> tuple[list[str], np.ndarray]:
        if self._sentence_matrix is None:
            found = self._sentences.get(include=["embeddings"])
            ids = list(found["ids"])
            vectors = np.asarray(found["embeddings"], dtype=np.float32).reshape(len(ids), -1)
            norms = np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
            self._sentence_matrix = (ids, vectors / norms)
        return self._sentence_matrix


def _proper_words(text: str) -> frozenset[str]:
    """Words the text only ever writes with a capital letter: parts of names."""
    capitalised, lower = set(), set()
    for token in re.findall(r"[A-Za-z]+", text):
        (capitalised if token[0].isupper() else lower).add(token.lower())
    return frozenset(capitalised - lower)


def _document_frequency(tokens: list[list[str]]) -> dict[str, int]:
    df: dict[str, int] = {}
    for doc in tokens:
        for token in set(doc):
            df[token] = df.get(token, 0) + 1
    return df
