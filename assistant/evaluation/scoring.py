"""Per-case checks and the metrics computed over a run, overall and per category."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from assistant.evaluation.testset import Case, missing_facts, present_facts

RATE_METRICS: tuple[str, ...] = (
    "answer_correct",
    "kind_correct",
    "citation_correct",
    "hit_at_1",
    "hit_at_3",
    "hit_at_5",
    "mrr",
    "refusal_precision",
    "refusal_recall",
)
COUNT_METRICS: tuple[str, ...] = ("invariant_violations", "in_scope_refused", "errors")
LATENCY_METRICS: tuple[str, ...] = ("latency_p50_ms", "latency_p95_ms")
Metrics = dict[str, Any]


@dataclass
class CaseResult:
    """What happened on one case, and which checks it passed."""

    id: str
    category: str
    question: str
    expected_kinds: list[str]
    expected_facts: list[str]
    expected_sections: list[str]
    kind: str
    text: str
    kind_ok: bool
    missing: list[str] = field(default_factory=list)
    forbidden: list[str] = field(default_factory=list)
    conflict_ok: bool | None = None
    citation_ok: bool | None = None
    cited_sections: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    retrieval_rank: int | None = None
    retrieval_scored: bool = False
    in_scope: bool = False
    out_of_scope: bool = False
    latency_ms: float = 0.0
    error: str = ""

    @property
    def correct(self) -> bool:
        """Right kind, every expected fact, nothing forbidden, conflict shown when required."""
        return (
            self.kind_ok
            and not self.missing
            and not self.forbidden
            and self.conflict_ok is not False
            and not self.error
        )

    def reasons(self) -> list[str]:
        """Why the case failed, in words, for failure listings."""
        out = [f"error: {self.error}"] if self.error else []
        if not self.kind_ok:
            out.append(f"kind {self.kind} (expected {' or '.join(self.expected_kinds)})")
        out += [f"missing {', '.join(repr(m) for m in self.missing)}"] if self.missing else []
        out += [f"contains {', '.join(repr(f) for f in self.forbidden)}"] if self.forbidden else []
        out += ["conflict not shown"] if self.conflict_ok is False else []
        out += ["cites no expected section"] if self.citation_ok is False else []
        out += [f"invariant: {v}" for v in self.violations]
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict including the derived `correct` flag."""
        return {**asdict(self), "correct": self.correct}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CaseResult:
        """Rebuild from to_dict() output (for reports read back by the web tab)."""
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in names})


def section_key(title: str) -> str:
    """Comparable form of a section title."""
    return " ".join(title.split()).casefold()


def score_case(
    case: Case,
    answer: dict[str, Any],
    violations: Sequence[str] = (),
    retrieval_rank: int | None = None,
    latency_ms: float = 0.0,
) -> CaseResult:
    """Check one answer (a to_dict() answer contract) against its case."""
    text = str(answer.get("text", ""))
    cited = [str(c.get("section", "")) for c in answer.get("citations", [])]
    expected = {section_key(s) for s in case.sections}
    return CaseResult(
        id=case.id,
        category=case.category,
        question=case.full_question,
        expected_kinds=list(case.kinds),
        expected_facts=list(case.must_contain),
        expected_sections=list(case.sections),
        kind=str(answer.get("kind", "")),
        text=text,
        kind_ok=answer.get("kind") in case.kinds,
        missing=missing_facts(text, case.must_contain),
        forbidden=present_facts(text, case.must_not_contain),
        conflict_ok=bool(answer.get("conflicts")) if case.conflict else None,
        citation_ok=any(section_key(s) in expected for s in cited) if expected else None,
        cited_sections=cited,
        violations=list(violations),
        retrieval_rank=retrieval_rank,
        retrieval_scored=retrieves(case),
        in_scope=case.in_scope,
        out_of_scope=case.out_of_scope,
        latency_ms=round(latency_ms, 3),
    )


def error_result(case: Case, error: BaseException, latency_ms: float = 0.0) -> CaseResult:
    """A failed case for an answerer that raised instead of answering."""
    result = score_case(case, {"kind": "", "text": ""}, latency_ms=latency_ms)
    result.error = f"{type(error).__name__}: {error}"
    return result


def retrieves(case: Case) -> bool:
    """Whether retrieval metrics apply: an in-scope case with an expected section."""
    return case.in_scope and bool(case.sections)


def rank_of(passages: Sequence[dict[str, Any]], sections: Sequence[str]) -> int | None:
    """1-based rank of the first passage from an expected section, None if absent."""
    expected = {section_key(s) for s in sections}
    for rank, passage in enumerate(passages, start=1):
        if section_key(str(passage.get("section", ""))) in expected:
            return rank
    return None


# ---------------------------------------------------------------- metrics


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100) with linear interpolation; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _rate(flags: Sequence[bool]) -> float | None:
    """Share of True, None when nothing applies."""
    return round(sum(flags) / len(flags), 4) if flags else None


def metrics(results: Sequence[CaseResult]) -> Metrics:
    """Every metric over a group of results (None where a metric does not apply)."""
    scored = [r for r in results if r.retrieval_scored]
    ranks = [r.retrieval_rank for r in scored]
    refused = [r for r in results if r.kind == "not_found"]
    latencies = [r.latency_ms for r in results if not r.error]
    p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
    return {
        "cases": len(results),
        "answer_correct": _rate([r.correct for r in results]),
        "kind_correct": _rate([r.kind_ok for r in results]),
        "citation_correct": _rate([r.citation_ok for r in results if r.citation_ok is not None]),
        "hit_at_1": _rate([rank is not None and rank <= 1 for rank in ranks]),
        "hit_at_3": _rate([rank is not None and rank <= 3 for rank in ranks]),
        "hit_at_5": _rate([rank is not None and rank <= 5 for rank in ranks]),
        "mrr": round(sum(1 / r for r in ranks if r) / len(ranks), 4) if ranks else None,
        "refusal_precision": _rate(["not_found" in r.expected_kinds for r in refused]),
        "refusal_recall": _rate([r.kind == "not_found" for r in results if r.out_of_scope]),
        "invariant_violations": sum(len(r.violations) for r in results),
        "in_scope_refused": sum(r.in_scope and r.kind == "not_found" for r in results),
        "errors": sum(bool(r.error) for r in results),
        "latency_p50_ms": None if p50 is None else round(p50, 2),
        "latency_p95_ms": None if p95 is None else round(p95, 2),
    }


def summarise(results: Sequence[CaseResult]) -> dict[str, Any]:
    """{"overall": metrics, "categories": {category: metrics}} in first-seen category order."""
    categories: dict[str, list[CaseResult]] = {}
    for result in results:
        categories.setdefault(result.category, []).append(result)
    return {
        "overall": metrics(results),
        "categories": {name: metrics(group) for name, group in categories.items()},
    }
