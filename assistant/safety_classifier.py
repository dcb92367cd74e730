"""The safety router's learned layer: logistic regression over MiniLM sentence embeddings
and word and character n-grams.

Fitted on the labelled bank ``evals/safety_bank.jsonl`` by ``assistant safety fit``, which
writes ``data/safety_classifier.pkl`` (the model, the threshold chosen by cross-validation
and the bank's hash).
"""

from __future__ import annotations

import hashlib
import json
import pickle
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

LABELS: tuple[str, ...] = ("none", "danger", "distress", "report")
ROUTED: tuple[str, ...] = ("danger", "distress", "report")
MODEL_FILE = Path(__file__).parent / "data" / "safety_classifier.pkl"
# The most ordinary messages the fitted threshold may route, in cross-validation.
MAX_FALSE_ROUTING = 0.01
# The most ordinary messages that judging a long message sentence by sentence may route on
# top of that (danger buried in a rambling message would otherwise be averaged away).
MAX_PIECE_FALSE_ROUTING = 0.005
# A message longer than this many words is also judged sentence by sentence.
PIECE_WORDS = 15
# A sentence longer than this (a run-on message with no full stops) is judged in windows of
# this many words, overlapping by half.
WINDOW_WORDS = 20
_SENTENCE = re.compile(r"(?<=[.!?;])\s+|\n+")

Embed = Callable[[list[str]], np.ndarray]


@dataclass(frozen=True)
class SafetyClassifier:
    """Logistic regression over a message's embedding and its word and character n-grams
    (n-grams catch text-speak and typos the embedding blurs); routes when the probability
    of an ordinary message falls below the threshold chosen by cross-validation."""

    model: Any  # sklearn LogisticRegression
    ngrams: Any  # sklearn FeatureUnion of two TfidfVectorizers
    threshold: float
    piece_threshold: float
    embed: Embed
    sure_piece_threshold: float = 0.0
    report_piece_urgency: float = 1.01
    fast: FastScorer | None = None  # the same model without sklearn's per-call checks

    def probabilities(self, text: str) -> dict[str, float]:
        """Probability of each label for one message."""
        return self._many([text])[0]

    def urgent_piece(self, text: str, reading: str = "unsure") -> str | None:
        """Danger or distress read in one sentence of a long message, or None; how sure the
        sentence must be depends on how the whole message reads (``piece_label``)."""
        pieces = pieces_of(text)
        return piece_label(self._many(pieces), self.piece_bars(), reading) if pieces else None

    def piece_bars(self) -> dict[str, float]:
        """The fitted bars of ``piece_label``."""
        return {
            "piece_threshold": self.piece_threshold,
            "sure_piece_threshold": self.sure_piece_threshold,
            "report_piece_urgency": self.report_piece_urgency,
        }

    def _many(self, texts: list[str]) -> list[dict[str, float]]:
        vectors = self.embed(texts)
        lowered = [t.lower() for t in texts]
        if self.fast is not None:
            probs = self.fast.probabilities(vectors, lowered)
        else:
            probs = self.model.predict_proba(
                _features(vectors, ngram_features(self.ngrams, lowered))
            )
        return [dict(zip(LABELS, map(float, row), strict=True)) for row in probs]

    def label(self, text: str) -> str | None:
        """The routed label, or None for an ordinary message."""
        return decide(self.probabilities(text), self.threshold)


@dataclass(frozen=True)
class FastScorer:
    """The fitted multinomial logistic regression and TF-IDF vectorisers applied directly:
    each n-gram's column looked up in the vocabulary, weighted 1 + log(count) times its idf,
    each vectoriser's part scaled to unit length, as ``TfidfVectorizer.transform`` does, but
    without sklearn's validation on every call (7 ms of a 12 ms message)."""

    analyzers: tuple[Callable[[str], list[str]], ...]
    vocabularies: tuple[dict[str, int], ...]
    idf: tuple[np.ndarray, ...]
    offsets: tuple[int, ...]  # each part's first column among the n-gram columns
    dense_weights: np.ndarray  # labels x embedding dimensions
    ngram_weights: np.ndarray  # n-gram columns x labels
    intercept: np.ndarray

    @classmethod
    def of(cls, model: Any, union: Any, dims: int) -> FastScorer | None:
        """The scorer for a fitted model, or None when it is not the shape this assumes
        (multinomial over LABELS; unweighted union of l2, sublinear TF-IDF parts)."""
        parts = [part for _, part in union.transformer_list]
        usable = (
            list(getattr(model, "classes_", [])) == list(range(len(LABELS)))
            and getattr(model, "multi_class", None) in (None, "auto", "multinomial")
            and not union.transformer_weights
            and all(p.norm == "l2" and p.sublinear_tf and p.use_idf for p in parts)
        )
        if not usable:
            return None
        offsets, start = [], 0
        for part in parts:
            offsets.append(start)
            start += len(part.idf_)
        coef = np.asarray(model.coef_, dtype=np.float64)
        return cls(
            tuple(p.build_analyzer() for p in parts),
            tuple(dict(p.vocabulary_) for p in parts),
            tuple(np.asarray(p.idf_, dtype=np.float64) for p in parts),
            tuple(offsets),
            coef[:, :dims],
            np.ascontiguousarray(coef[:, dims:].T),
            np.asarray(model.intercept_, dtype=np.float64),
        )

    def probabilities(self, vectors: np.ndarray, lowered: list[str]) -> np.ndarray:
        """Rows of label probabilities for the texts (lower-cased) and their embeddings."""
        z = np.asarray(vectors, dtype=np.float64) @ self.dense_weights.T + self.intercept
        for row, text in enumerate(lowered):
            for analyzer, vocabulary, idf, offset in zip(
                self.analyzers, self.vocabularies, self.idf, self.offsets, strict=True
            ):
                counts: dict[int, int] = {}
                for gram in analyzer(text):
                    column = vocabulary.get(gram)
                    if column is not None:
                        counts[column] = counts.get(column, 0) + 1
                if not counts:
                    continue
                columns = np.fromiter(counts, dtype=np.int64, count=len(counts))
                values = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64))) * idf[
                    columns
                ]
                values /= np.linalg.norm(values)
                z[row] += values @ self.ngram_weights[offset + columns]
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)


def decide(probs: dict[str, float], threshold: float) -> str | None:
    """The likeliest routed label when an ordinary message is unlikely enough."""
    if probs["none"] >= threshold:
        return None
    return max(ROUTED, key=lambda label: probs[label])


def piece_label(pieces: list[dict[str, float]], bars: dict, reading: str) -> str | None:
    """Danger or distress in one sentence of a long message, judged by how the whole reads:
    unsure ("unsure"): a sentence not ordinary enough by the piece threshold; ordinary
    ("ordinary": "…while I've been typing I've heard glass smash downstairs… anyway, how many
    PCSOs are there?"): a sentence all but certainly urgent; a report ("report"): a sentence
    more urgent than any sentence of the bank's reports."""
    if reading == "ordinary":
        return urgent_in(pieces, bars["sure_piece_threshold"])
    if reading == "report":
        return most_urgent(pieces, bars["report_piece_urgency"])
    return urgent_in(pieces, bars["piece_threshold"])


def urgent_in(pieces: list[dict[str, float]], threshold: float) -> str | None:
    """The first sentence's label that is danger or distress and passes the threshold."""
    for probs in pieces:
        label = decide(probs, threshold)
        if label in ("danger", "distress"):
            return label
    return None


def pieces_of(text: str) -> list[str]:
    """The sentences of a long message (none for a short one, judged whole)."""
    if len(text.split()) <= PIECE_WORDS:
        return []
    pieces = [w for p in _SENTENCE.split(text) for w in windows(p) if len(w.split()) >= 3]
    return pieces if len(pieces) > 1 else []


def windows(sentence: str, size: int = WINDOW_WORDS) -> list[str]:
    """A sentence, or a long one's overlapping windows of ``size`` words."""
    words = sentence.split()
    if len(words) <= size * 3 // 2:
        return [sentence]
    step = size // 2
    return [" ".join(words[i : i + size]) for i in range(0, len(words) - step, step)]


def ngram_features(union: Any, texts: list[str]) -> Any:
    """``union.transform(texts)`` without the FeatureUnion's joblib machinery, which costs
    more than the two vectorisers for one message (the same matrix when it has no weights)."""
    if union.transformer_weights:
        return union.transform(texts)
    from scipy.sparse import hstack

    return hstack([part.transform(texts) for _, part in union.transformer_list]).tocsr()


def _features(vectors: np.ndarray, ngrams: Any) -> Any:
    from scipy.sparse import csr_matrix, hstack

    return hstack([csr_matrix(vectors), ngrams]).tocsr()


def _ngram_vectorizer() -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    return FeatureUnion(
        [
            ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)),
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True
                ),
            ),
        ]
    )


def embedder_for(model_dir: Path) -> Any:
    """The embedder the classifier is fitted with and reads messages with: the model's int8
    copy (over twice as fast on one core; torch or the full model when it cannot be made)."""
    from assistant.embedding import get_embedder

    return get_embedder(model_dir, quantized=True)


def load(embed: Embed, path: Path = MODEL_FILE) -> SafetyClassifier:
    """The fitted classifier from its file (an exception when missing or unusable)."""
    with path.open("rb") as handle:
        data = pickle.load(handle)  # the project's own file, fitted by `assistant safety fit`
    meta = data["meta"]
    classifier = SafetyClassifier(
        data["model"],
        data["ngrams"],
        meta["threshold"],
        meta["piece_threshold"],
        embed,
        meta.get("sure_piece_threshold", 0.0),
        meta.get("report_piece_urgency", 1.01),
    )
    return _with_fast_scorer(classifier)


# Messages the fast scorer must score as sklearn does before it is used.
_PROBES = ("someone is breaking in right now", "How many knife crimes were there?", "")


def _with_fast_scorer(classifier: SafetyClassifier) -> SafetyClassifier:
    """The classifier with its fast scorer when that gives sklearn's probabilities on the
    probe messages (to 1e-6); else as it was."""
    vectors = np.asarray(classifier.embed(list(_PROBES)), dtype=np.float64)
    fast = FastScorer.of(classifier.model, classifier.ngrams, vectors.shape[1])
    if fast is None:
        return classifier
    lowered = [t.lower() for t in _PROBES]
    expected = classifier.model.predict_proba(
        _features(vectors, ngram_features(classifier.ngrams, lowered))
    )
    if not np.allclose(fast.probabilities(vectors, lowered), expected, atol=1e-6):
        return classifier
    return replace(classifier, fast=fast)


def bank_hash(rows: Sequence[dict]) -> str:
    """Identity of the bank a model was fitted on."""
    text = "\n".join(f"{r['label']}\t{r['text']}" for r in rows)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def read_bank(path: Path) -> list[dict]:
    """Messages and labels of a JSONL bank; a bad line is a ValueError naming it."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}:{number}: not JSON ({error.msg})") from None
        if not isinstance(row, dict) or row.get("label") not in LABELS or not row.get("text"):
            raise ValueError(f"{path}:{number}: needs a 'text' and a 'label' in {LABELS}")
        rows.append(row)
    return rows


def fit(
    rows: Sequence[dict], embed: Embed, piece_veto: float, folds: int = 5, seed: int = 0
) -> dict:
    """Fit on the bank: C and the threshold by stratified cross-validation, then the model
    on every row. Returns what `save` writes and the out-of-fold probabilities."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    labels = np.array([LABELS.index(r["label"]) for r in rows])
    texts = [r["text"].lower() for r in rows]
    vectors = np.asarray(embed([r["text"] for r in rows]))

    def trained(c: float, idx: np.ndarray) -> tuple[Any, Any]:
        ngrams = _ngram_vectorizer().fit([texts[i] for i in idx])
        features = _features(vectors[idx], ngrams.transform([texts[i] for i in idx]))
        model = LogisticRegression(C=c, class_weight="balanced", max_iter=3000)
        return model.fit(features, labels[idx]), ngrams

    splits = list(StratifiedKFold(folds, shuffle=True, random_state=seed).split(texts, labels))
    best: tuple[float, float, np.ndarray] | None = None
    for c in (4.0, 16.0, 64.0):
        out = np.zeros((len(rows), len(LABELS)))
        for train, test in splits:
            model, ngrams = trained(c, train)
            out[test] = model.predict_proba(
                _features(vectors[test], ngrams.transform([texts[i] for i in test]))
            )
        loss = -np.mean(np.log(np.clip(out[np.arange(len(rows)), labels], 1e-9, 1)))
        if best is None or loss < best[1]:
            best = (c, loss, out)
    assert best is not None
    c, _, out = best
    pieces = _pieces_out_of_fold(rows, embed, splits, lambda idx: trained(c, idx))
    threshold = choose_threshold(out, labels)
    model, ngrams = trained(c, np.arange(len(rows)))
    meta = {
        "threshold": threshold,
        "piece_threshold": choose_piece_threshold(out, pieces, labels, threshold, piece_veto),
        "sure_piece_threshold": choose_sure_piece_threshold(out, pieces, labels, piece_veto),
        "report_piece_urgency": choose_report_piece_urgency(out, pieces, labels, piece_veto),
        "C": c,
        "bank": bank_hash(rows),
        "rows": len(rows),
    }
    return {
        "model": model,
        "ngrams": ngrams,
        "meta": meta,
        "out_of_fold": out,
        "pieces_out_of_fold": pieces,
    }


def _pieces_out_of_fold(
    rows: Sequence[dict], embed: Embed, splits: list, trained: Callable
) -> list[list[dict[str, float]]]:
    """Per message, its sentences' probabilities from the model fitted without its fold."""
    pieces = [pieces_of(r["text"]) for r in rows]
    out: list[list[dict[str, float]]] = [[] for _ in rows]
    for train, test in splits:
        model, ngrams = trained(train)
        for i in test:
            if pieces[i]:
                feats = _features(
                    embed(pieces[i]), ngrams.transform([p.lower() for p in pieces[i]])
                )
                out[i] = [
                    dict(zip(LABELS, map(float, r), strict=True))
                    for r in model.predict_proba(feats)
                ]
    return out


def choose_piece_threshold(
    probs: np.ndarray,
    pieces: list[list[dict[str, float]]],
    labels: np.ndarray,
    threshold: float,
    piece_veto: float,
) -> float:
    """The highest sentence threshold that routes at most MAX_PIECE_FALSE_ROUTING more of the
    ordinary messages than judging them whole does (those not read as ordinary whole)."""
    ordinary = [i for i in range(len(labels)) if labels[i] == 0 and probs[i][0] < piece_veto]
    budget = MAX_PIECE_FALSE_ROUTING * sum(labels == 0)
    best = 0.0
    for t in np.round(np.arange(0.01, 0.51, 0.01), 2):
        extra = sum(
            decide(dict(zip(LABELS, probs[i], strict=True)), threshold) is None
            and urgent_in(pieces[i], float(t)) is not None
            for i in ordinary
        )
        if extra <= budget:
            best = float(t)
    return best


def choose_sure_piece_threshold(
    probs: np.ndarray,
    pieces: list[list[dict[str, float]]],
    labels: np.ndarray,
    piece_veto: float,
) -> float:
    """For long messages that read as ordinary whole: half the lowest p(ordinary) of any
    sentence of such an ordinary message (out of fold), so that none of the bank's ordinary
    messages is routed by one sentence, with a margin for new wording."""
    ordinary = [i for i in range(len(labels)) if labels[i] == 0 and probs[i][0] >= piece_veto]
    lowest = min((p["none"] for i in ordinary for p in pieces[i]), default=0.0)
    return float(lowest) / 2


def choose_report_piece_urgency(
    probs: np.ndarray,
    pieces: list[list[dict[str, float]]],
    labels: np.ndarray,
    piece_veto: float,
) -> float:
    """For long messages that read as a report whole: just above the highest danger or
    distress probability of any sentence of the bank's reports read so (out of fold), so
    that none of them is routed to 999 by one vivid sentence."""
    report = LABELS.index("report")
    reports = [
        i for i in range(len(labels)) if labels[i] == report and probs[i][report] >= piece_veto
    ]
    highest = max((_urgency(p) for i in reports for p in pieces[i]), default=0.0)
    return round(float(highest) + 0.01, 4)


def _urgency(probs: dict[str, float]) -> float:
    return max(probs["danger"], probs["distress"])


def most_urgent(pieces: list[dict[str, float]], bar: float) -> str | None:
    """The first sentence's danger or distress label whose probability is at least bar."""
    for probs in pieces:
        if _urgency(probs) >= bar:
            return "danger" if probs["danger"] >= probs["distress"] else "distress"
    return None


def choose_threshold(probs: np.ndarray, labels: np.ndarray) -> float:
    """The highest threshold on p(ordinary) at which ``decide`` routes at most
    MAX_FALSE_ROUTING of the ordinary messages: as many routed ones found as that allows."""
    ordinary = [dict(zip(LABELS, p, strict=True)) for p in probs[labels == 0]]
    best = 0.01
    for t in np.round(np.arange(0.01, 0.96, 0.01), 2):
        routed = sum(decide(p, float(t)) is not None for p in ordinary)
        if routed <= MAX_FALSE_ROUTING * len(ordinary):
            best = float(t)
    return best


def save(fitted: dict, path: Path = MODEL_FILE) -> None:
    """Write the fitted model (a small file kept in the repo, rebuilt by the fit command)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    keep = {k: fitted[k] for k in ("model", "ngrams", "meta")}
    with path.open("wb") as handle:
        pickle.dump(keep, handle)


def scores(rows: Sequence[dict], decide_label: Callable[[str], str | None]) -> dict[str, dict]:
    """Router recall per routed label and the false-routing rate of ordinary messages.

    Danger and distress both get 999 first, so either counts as a hit for the other."""
    out: dict[str, dict] = {}
    for label in LABELS:
        mine = [r for r in rows if r["label"] == label]
        if not mine:
            continue
        got = [decide_label(r["text"]) for r in mine]
        if label == "none":
            wrong = [r["text"] for r, g in zip(mine, got, strict=True) if g is not None]
            out[label] = {"n": len(mine), "false_routing": len(wrong) / len(mine), "misses": wrong}
        else:
            urgent = {"danger", "distress"}
            ok = [g == label or (label in urgent and g in urgent) for g in got]
            misses = [r["text"] for r, hit in zip(mine, ok, strict=True) if not hit]
            out[label] = {"n": len(mine), "recall": sum(ok) / len(mine), "misses": misses}
    return out
