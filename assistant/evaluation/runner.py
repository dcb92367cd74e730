"""Ask every case of a test set and score the answers."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from assistant.errors import AssistantError
from assistant.evaluation.scoring import CaseResult, error_result, rank_of, retrieves, score_case
from assistant.evaluation.testset import Case

RETRIEVAL_K = 5
Progress = Callable[[int, int, CaseResult], None]


class Answerer(Protocol):
    """What the runner needs: Assistant satisfies it, and so do the fakes in unit tests."""

    def ask(self, question: str, history: Sequence[Any] = ()) -> Any:
        """Answer one question given the earlier answers."""
        ...

    def invariant_violations(self, answer: Any) -> list[str]:
        """The DESIGN.md invariants the answer breaks; [] when all hold."""
        ...

    def retrieve(self, question: str, k: int = 5) -> list[dict[str, Any]]:
        """Ranked passages, each with at least a "section"."""
        ...


def answer_dict(answer: Any) -> dict[str, Any]:
    """The answer contract as a dict, from an Answer or a dict."""
    return answer.to_dict() if hasattr(answer, "to_dict") else dict(answer)


def retrieval_query(case: Case) -> str:
    """What retrieval metrics search for: follow-ups carry their earlier questions."""
    return " ".join([*case.history, case.full_question])


def run_case(answerer: Answerer, case: Case) -> CaseResult:
    """Ask the history in order, then the question (timed), and score the final answer."""
    history: list[Any] = []
    started = time.perf_counter()
    try:
        for earlier in case.history:
            history.append(answerer.ask(earlier, history=tuple(history)))
        started = time.perf_counter()
        answer = answerer.ask(case.full_question, history=tuple(history))
        latency_ms = (time.perf_counter() - started) * 1000
        violations = answerer.invariant_violations(answer)
        rank = None
        if retrieves(case):
            rank = rank_of(answerer.retrieve(retrieval_query(case), k=RETRIEVAL_K), case.sections)
    except AssistantError:
        raise
    except Exception as error:  # a bug in the answerer: score the case as failed, keep going
        return error_result(case, error, (time.perf_counter() - started) * 1000)
    return score_case(case, answer_dict(answer), violations, rank, latency_ms)


def warm_up(answerer: Answerer, cases: Sequence[Case]) -> None:
    """One untimed question and retrieval so latencies measure warm answers."""
    question = next((c.question for c in cases if c.in_scope), "What does the report cover?")
    answerer.ask(question, history=())
    answerer.retrieve(question, k=RETRIEVAL_K)


def run_suite(
    answerer: Answerer, cases: Sequence[Case], progress: Progress | None = None
) -> list[CaseResult]:
    """Score every case, in file order, after a warm-up."""
    warm_up(answerer, cases)
    results = []
    for i, case in enumerate(cases, start=1):
        results.append(run_case(answerer, case))
        if progress is not None:
            progress(i, len(cases), results[-1])
    return results
