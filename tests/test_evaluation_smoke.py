"""A small real run: one case per category through the built index, and the stock pipeline."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.evaluation.compare import comparison, run_stock, stock_retriever
from assistant.evaluation.runner import run_suite
from assistant.evaluation.scoring import summarise
from assistant.evaluation.testset import Case, load_cases
from assistant.settings import PROJECT_ROOT, Settings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sample() -> list[Case]:
    """The first case of every category in the real test set."""
    first: dict[str, Case] = {}
    for case in load_cases(PROJECT_ROOT / "evals" / "testset.jsonl"):
        first.setdefault(case.category, case)
    return list(first.values())


def test_small_run_on_the_real_assistant(assistant_session: Any, sample: list[Case]) -> None:
    results = run_suite(assistant_session, sample)
    summary = summarise(results)
    assert [r.id for r in results] == [c.id for c in sample]
    assert summary["overall"]["errors"] == 0, [r.error for r in results if r.error]
    assert summary["overall"]["invariant_violations"] == 0
    assert summary["categories"]["invalid"]["kind_correct"] == 1.0
    assert all(r.latency_ms > 0 for r in results if r.category != "invalid")
    scored = [r for r in results if r.retrieval_scored]
    assert scored and all(r.retrieval_rank is None or 1 <= r.retrieval_rank <= 5 for r in scored)


def test_stock_pipeline_side_by_side(
    built_settings: Settings, assistant_session: Any, sample: list[Case]
) -> None:
    cases = [c for c in sample if c.category in ("performance_table", "out_of_scope")]
    stock = run_stock(stock_retriever(built_settings), cases)
    data = comparison(run_suite(assistant_session, cases), stock)
    assert [s.id for s in stock] == [c.id for c in cases]
    assert stock[1].facts_in_context is None and stock[0].facts_in_context is not None
    assert data["categories"]["performance_table"]["cases_with_facts"] == 1
    assert data["overall"]["stock_p50_ms"] > 0
