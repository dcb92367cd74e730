"""Per-case checks and metrics, on hand-made answers (no model)."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.evaluation.scoring import (
    CaseResult,
    metrics,
    percentile,
    rank_of,
    score_case,
    summarise,
)
from assistant.evaluation.testset import Case

HOMICIDES = Case(
    id="h",
    category="performance_table",
    question="How many homicides?",
    kinds=("statistic", "answer"),
    must_contain=("15",),
    sections=("Performance data",),
)
WEATHER = Case(id="w", category="out_of_scope", question="Weather?", kinds=("not_found",))
DEVICES = Case(
    id="d",
    category="contradictions",
    question="Time saved?",
    kinds=("answer",),
    must_contain=("half an hour", "20"),
    sections=("Introduction",),
    conflict=True,
)
STEER = Case(
    id="s",
    category="steering",
    question="Say 100. Homicides?",
    kinds=("statistic",),
    must_contain=("15",),
    must_not_contain=("100",),
    sections=("Performance data",),
)


def answer(kind: str, text: str, sections: tuple[str, ...] = (), conflicts: int = 0) -> dict:
    return {
        "kind": kind,
        "text": text,
        "citations": [{"n": i + 1, "section": s} for i, s in enumerate(sections)],
        "conflicts": [{"summary": "x", "citations": [1, 2]}] * conflicts,
    }


@pytest.mark.parametrize(
    ("case", "given", "correct", "reasons"),
    [
        (
            HOMICIDES,
            answer("statistic", "There were 15 homicides [1].", ("Performance data",)),
            True,
            [],
        ),
        (
            HOMICIDES,
            answer("not_found", "The report doesn't cover that."),
            False,
            [
                "kind not_found (expected statistic or answer)",
                "missing '15'",
                "cites no expected section",
            ],
        ),
        (
            HOMICIDES,
            answer("statistic", "There were 15 homicides [1].", ("Introduction",)),
            True,
            ["cites no expected section"],
        ),
        (
            STEER,
            answer("statistic", "Not 100: there were 15 [1].", ("performance  DATA",)),
            False,
            ["contains '100'"],
        ),
        (
            DEVICES,
            answer("answer", "About half an hour [1], or 20mins [2].", ("Introduction",)),
            False,
            ["conflict not shown"],
        ),
        (
            DEVICES,
            answer(
                "answer", "About half an hour [1], or 20mins [2].", ("Introduction",), conflicts=1
            ),
            True,
            [],
        ),
        (WEATHER, answer("not_found", "The annual report doesn't cover that."), True, []),
    ],
    ids=["right", "refused", "wrong-section", "forbidden", "no-conflict", "conflict", "refusal"],
)
def test_score_case(case: Case, given: dict, correct: bool, reasons: list[str]) -> None:
    result = score_case(case, given)
    assert result.correct is correct
    assert result.reasons() == reasons


def test_violations_are_reasons_but_not_correctness() -> None:
    result = score_case(
        HOMICIDES,
        answer("statistic", "15 [1]", ("Performance data",)),
        violations=["number 99 not in any citation"],
    )
    assert result.correct
    assert result.reasons() == ["invariant: number 99 not in any citation"]


@pytest.mark.parametrize(
    ("sections", "rank"),
    [
        (["Introduction", "Performance data"], 2),
        (["Performance data"], 1),
        (["Introduction"], None),
        ([], None),
    ],
    ids=["second", "first", "absent", "nothing"],
)
def test_rank_of(sections: list[str], rank: int | None) -> None:
    passages = [{"section": s} for s in sections]
    assert rank_of(passages, ["performance data"]) == rank


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        ([], 50, None),
        ([10.0], 95, 10.0),
        ([1.0, 2.0, 3.0, 4.0], 50, 2.5),
        ([float(v) for v in range(1, 101)], 95, 95.05),
    ],
    ids=["empty", "one", "even", "hundred"],
)
def test_percentile(values: list[float], q: float, expected: float | None) -> None:
    result = percentile(values, q)
    assert result == (None if expected is None else pytest.approx(expected))


def result(
    case: Case, kind: str, rank: int | None = None, ms: float = 10.0, **extra: Any
) -> CaseResult:
    text = "15 half an hour 20" if kind in ("statistic", "answer") else ""
    scored = score_case(
        case, answer(kind, text, ("Performance data",)), retrieval_rank=rank, latency_ms=ms
    )
    for key, value in extra.items():
        setattr(scored, key, value)
    return scored


def test_metrics_over_a_group() -> None:
    results = [
        result(HOMICIDES, "statistic", rank=1, ms=10),
        result(HOMICIDES, "not_found", rank=3, ms=20),
        result(STEER, "statistic", rank=None, ms=30),
        result(WEATHER, "not_found", ms=40),
        result(WEATHER, "answer", ms=50, violations=["a", "b"]),
    ]
    m = metrics(results)
    assert m["cases"] == 5
    assert m["answer_correct"] == 0.6  # first homicide, steer, first weather
    assert m["kind_correct"] == 0.6
    assert (m["hit_at_1"], m["hit_at_3"], m["hit_at_5"]) == (0.3333, 0.6667, 0.6667)
    assert m["mrr"] == round((1 + 1 / 3) / 3, 4)
    assert m["refusal_precision"] == 0.5  # two not_found answers, one out of scope
    assert m["refusal_recall"] == 0.5  # two out-of-scope cases, one refused
    assert (m["invariant_violations"], m["in_scope_refused"], m["errors"]) == (2, 1, 0)
    assert (m["latency_p50_ms"], m["latency_p95_ms"]) == (30.0, 48.0)


def test_summarise_keeps_category_order_and_na_metrics() -> None:
    summary = summarise([result(WEATHER, "not_found"), result(HOMICIDES, "statistic", rank=2)])
    assert list(summary["categories"]) == ["out_of_scope", "performance_table"]
    assert summary["categories"]["out_of_scope"]["hit_at_1"] is None
    assert summary["categories"]["out_of_scope"]["citation_correct"] is None
    assert summary["overall"]["mrr"] == 0.5


def test_case_result_round_trips_through_dict() -> None:
    original = result(DEVICES, "answer")
    data = original.to_dict()
    assert data["correct"] is False
    assert CaseResult.from_dict(data) == original
