"""`assistant rank fit`: fit the learned ranker on the tuning part of the test set.

A candidate is a positive example when it holds one of the case's expected facts (a figure
as printed, a name). The weights are a logistic regression over ``ranker.FEATURES``, fitted on
every usable case. The ranker answers only what the rules refuse, so the confidence model and
the confidence an answer needs are fitted on those cases alone (the rules' refusals, found by
asking each question with the ranker switched off): the questions it will see, which are
harder than the rest. Both are chosen by grouped cross-validation (questions never split
across folds), and the cross-validated accuracy is printed and stored with the weights.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from assistant.evaluation.testset import Case, contains_fact, is_locked, load_cases
from assistant.ranker import (
    CONFIDENCE_FEATURES,
    FEATURES,
    MODEL_FILE,
    CandidateSpace,
    Logistic,
    Option,
    confidence_features,
)
from assistant.settings import PROJECT_ROOT, Settings

TESTSET = PROJECT_ROOT / "evals" / "testset.jsonl"
FOLDS = 5
# A wrong answer costs this many wrong refusals when the confidence threshold is chosen: a
# quote from the wrong place misleads more than "the report doesn't cover that" said of a
# question it answers, though that misleads too.
WRONG_COST = 1.5
# Regularisation of the confidence model (inverse strength): it sees few cases (the rules'
# refusals) and many features.
CONFIDENCE_C = 0.1


def configure_parser(parser: argparse.ArgumentParser) -> None:
    """Sub-commands of `assistant rank`."""
    sub = parser.add_subparsers(dest="rank_command", required=True)
    fit = sub.add_parser("fit", help="Fit the ranker on the tuning part of the test set.")
    fit.add_argument("--testset", type=Path, default=TESTSET, help="Test set JSONL.")


def run_command(args: argparse.Namespace, settings: Settings) -> int:
    """Fit and write the ranker; print its cross-validated accuracy."""
    from assistant.assistant import Assistant

    assistant = Assistant.open(settings)
    cases = [c for c in load_cases(args.testset) if usable(c) and not is_locked(c.id)]
    examples = [example(assistant, c) for c in cases]
    refused = rules_refuse(assistant, cases)
    fitted = fit(examples, settings.ranker_keep_ratio, settings.max_citations, refused)
    MODEL_FILE.write_text(json.dumps(fitted, indent=1) + "\n", encoding="utf-8")
    cv = fitted["cross_validated"]
    print(
        f"fitted on {len(cases)} tuning cases ({sum(refused)} refused by the rules); "
        f"cross-validated on those: best candidate holds the fact "
        f"for {cv['top1']:.1%} of answerable questions; at confidence {fitted['threshold']:.2f} "
        f"{cv['answered']:.1%} answered, {cv['answered_right']:.1%} of those right, "
        f"{cv['in_scope_answered_right']:.1%} of answerable answered right, "
        f"{cv['out_of_scope_refused']:.1%} of out-of-scope refused"
    )
    print(f"wrote {MODEL_FILE}")
    return 0


def usable(case: Case) -> bool:
    """Single questions with an answer to find, or none (out of scope)."""
    if case.history or case.category in ("safety", "invalid", "steering"):
        return False
    return set(case.kinds) <= {"answer", "statistic"} or case.kinds == ("not_found",)


def example(assistant: Any, case: Case) -> tuple[np.ndarray, np.ndarray, bool]:
    """The case's candidate features, which hold an expected fact, and whether it is in scope."""
    space: CandidateSpace = assistant.space
    question = case.full_question
    pool, matrix = space.features(question, assistant.retriever.embed(question))
    labels = np.array([holds_fact(space.options[i], case.must_contain) for i in pool])
    return matrix, labels, case.kinds != ("not_found",)


def rules_refuse(assistant: Any, cases: list[Case]) -> list[bool]:
    """For each case, whether its question reaches the learned answerer: the rules alone
    find nothing (asked with the ranker switched off and its calls recorded)."""
    reached: list[bool] = []
    ranker = assistant.ranker

    def record(text: str, question: Any) -> None:
        reached[-1] = True

    assistant.ranker, assistant._learned = None, record
    try:
        for case in cases:
            reached.append(False)
            assistant.ask(case.full_question)
    finally:
        assistant.ranker = ranker
        del assistant._learned
    return reached


def holds_fact(option: Option, facts: tuple[str, ...]) -> bool:
    """Whether the candidate's text (a row: its printed line) holds one of the facts."""
    text = option.row.quote if option.row is not None else option.text
    return bool(facts) and any(contains_fact(text, f) for f in facts)


def fit(
    examples: list[tuple[np.ndarray, np.ndarray, bool]],
    ratio: float = 1.0,
    most: int = 1,
    refused: list[bool] | None = None,
) -> dict[str, Any]:
    """Both models, the threshold and the accuracy by grouped cross-validation (a question's
    candidates never split across folds). The confidence model learns from candidate scores
    made without the question's fold, as they will be on new questions, and only from the
    ``refused`` cases (the rules' refusals; all when None)."""
    everything = examples
    folds = np.arange(len(examples)) % FOLDS
    scored: list[np.ndarray] = [np.zeros(0)] * len(examples)
    for fold in range(FOLDS):
        train = [e for e, f in zip(examples, folds, strict=True) if f != fold]
        model = Logistic.from_dict(_candidate_model(train))
        for i in np.flatnonzero(folds == fold):
            scored[i] = model(examples[i][0])
    rows = np.vstack([confidence_features(e[0], p) for e, p in zip(examples, scored, strict=True)])
    top_right = np.array(
        [e[2] and answers(e[1], p, ratio, most) for e, p in zip(examples, scored, strict=True)]
    )
    if refused is not None:  # the confidence is learned where it is used
        kept = np.flatnonzero(refused)
        rows, top_right, folds = rows[kept], top_right[kept], folds[kept]
        examples = [examples[i] for i in kept]
    confidence_out = np.zeros(len(examples))
    for fold in range(FOLDS):
        train = folds != fold
        model = Logistic.from_dict(_logistic(rows[train], top_right[train], CONFIDENCE_C))
        confidence_out[~train] = model(rows[~train])
    in_scope = np.array([e[2] for e in examples])
    threshold, cv = choose_threshold(confidence_out, top_right, in_scope)
    return {
        "about": "Learned ranker; rebuild with `assistant rank fit`.",
        "features": list(FEATURES),
        "confidence_features": list(CONFIDENCE_FEATURES),
        "candidate": _candidate_model(everything),
        "confidence": _logistic(rows, top_right, CONFIDENCE_C),
        "threshold": threshold,
        "cross_validated": cv,
        "cases": len(everything),
        "confidence_cases": len(examples),
    }


def answers(labels: np.ndarray, probs: np.ndarray, ratio: float, most: int) -> bool:
    """Whether the candidates an answer would quote hold an expected fact."""
    order = np.argsort(-probs, kind="stable")[:most]
    return any(labels[i] for i in order if probs[i] >= ratio * probs[order[0]])


def _candidate_model(examples: list[tuple[np.ndarray, np.ndarray, bool]]) -> dict[str, Any]:
    x = np.vstack([m for m, _, _ in examples])
    y = np.concatenate([labels for _, labels, _ in examples])
    return _logistic(x, y)


def _logistic(x: np.ndarray, y: np.ndarray, c: float = 1.0) -> dict[str, Any]:
    from sklearn.linear_model import LogisticRegression

    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=2000)
    model.fit((x - mean) / scale, y)
    return {
        "weights": model.coef_[0].tolist(),
        "bias": float(model.intercept_[0]),
        "mean": mean.tolist(),
        "scale": scale.tolist(),
    }


def choose_threshold(
    confidence: np.ndarray, top_right: np.ndarray, in_scope: np.ndarray
) -> tuple[float, dict[str, float]]:
    """The confidence an answer needs: the one with the most right decisions (answers holding
    the expected fact, refusals of questions the report does not answer), each wrong answer
    counting WRONG_COST times a wrong refusal."""
    best_t, best_value = 0.5, -np.inf
    for t in np.round(np.arange(0.05, 0.99, 0.01), 2):
        answered = confidence >= t
        right = np.sum(answered & top_right) + np.sum(~answered & ~in_scope)
        value = right - (WRONG_COST - 1) * np.sum(answered & ~top_right)
        if value > best_value:
            best_t, best_value = float(t), value
    answered = confidence >= best_t
    return best_t, {
        "top1": float(np.mean(top_right[in_scope])) if in_scope.any() else 0.0,
        "answered": float(np.mean(answered)),
        "answered_right": float(np.mean(top_right[answered])) if answered.any() else 0.0,
        "in_scope_answered_right": float(np.mean((answered & top_right)[in_scope])),
        "out_of_scope_refused": float(np.mean(~answered[~in_scope])) if (~in_scope).any() else 0.0,
    }
