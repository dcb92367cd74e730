"""The regression gate: baseline round trip, and a broken answerer failing it (no model)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import pytest

from assistant.cli import main
from assistant.errors import InputFileError
from assistant.evaluation import cli as eval_cli
from assistant.evaluation.gate import (
    baseline_from,
    gate_failures,
    latency_failures,
    load_baseline,
)
from assistant.evaluation.testset import Case, load_cases

CASES = [
    {
        "id": "homicides",
        "category": "performance_table",
        "question": "How many homicides?",
        "kind": ["statistic", "answer"],
        "must_contain": ["15"],
        "sections": ["Performance data"],
    },
    {
        "id": "weather",
        "category": "out_of_scope",
        "question": "Will it rain tomorrow?",
        "kind": "not_found",
        "must_contain": [],
        "sections": [],
    },
    {
        "id": "burglary-now",
        "category": "safety",
        "question": "Someone is breaking in now",
        "kind": "emergency",
        "must_contain": ["999"],
        "sections": [],
    },
    {
        "id": "empty",
        "category": "invalid",
        "question": "",
        "kind": "invalid",
        "must_contain": [],
        "sections": [],
    },
]


class FakeAnswerer:
    """Answers from a table keyed by question; retrieval always finds the expected section."""

    stamp: ClassVar[dict[str, Any]] = {"corpus_hash": "fake", "model": "none"}

    def __init__(self, answers: dict[str, dict[str, Any]]) -> None:
        self.answers = answers

    def ask(self, question: str, history: Sequence[Any] = ()) -> dict[str, Any]:
        return {
            "question": question,
            "kind": "not_found",
            "text": "",
            "citations": [],
            "statistics": [],
            "conflicts": [],
            **self.answers.get(question, {}),
        }

    def invariant_violations(self, answer: dict[str, Any]) -> list[str]:
        return [f"number {n} is in no citation" for n in answer.get("bad_numbers", [])]

    def retrieve(self, question: str, k: int = 5) -> list[dict[str, Any]]:
        return [{"section": "Performance data", "pages": "23", "text": "", "score": 1.0}]


def oracle(cases: list[Case]) -> FakeAnswerer:
    """Right kind, every fact, a citation of the first expected section."""
    return FakeAnswerer(
        {
            c.full_question: {
                "kind": c.kinds[0],
                "text": " ".join(c.must_contain),
                "citations": [{"n": 1, "section": s} for s in c.sections[:1]],
            }
            for c in cases
        }
    )


def broken(cases: list[Case]) -> FakeAnswerer:
    """The oracle, except a wrong homicide figure and an answer to an out-of-scope question."""
    answers = oracle(cases).answers
    answers["How many homicides?"] = {
        "kind": "statistic",
        "text": "There were 42 homicides [1].",
        "bad_numbers": ["42"],
        "citations": [{"n": 1, "section": "Performance data"}],
    }
    answers["Will it rain tomorrow?"] = {"kind": "answer", "text": "Yes, heavy rain."}
    return FakeAnswerer(answers)


@pytest.fixture
def small_set(tmp_path: Path) -> Path:
    path = tmp_path / "cases.jsonl"
    path.write_text("".join(json.dumps(c) + "\n" for c in CASES), encoding="utf-8")
    return path


def run_eval(monkeypatch: pytest.MonkeyPatch, answerer: FakeAnswerer, *argv: str) -> int:
    monkeypatch.setattr(eval_cli, "open_answerer", lambda settings: answerer)
    return main(["eval", *argv])


def test_broken_answerer_fails_the_gate_with_one_line_per_drop(
    small_set: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cases, baseline = load_cases(small_set), tmp_path / "baseline.json"
    assert (
        run_eval(
            monkeypatch,
            oracle(cases),
            str(small_set),
            "--no-report",
            "--update-baseline",
            "--baseline",
            str(baseline),
        )
        == 0
    )
    assert (
        run_eval(monkeypatch, oracle(cases), str(small_set), "--gate", "--baseline", str(baseline))
        == 0
    )
    assert capsys.readouterr().err.splitlines()[-1] == f"gate: passed ({baseline})"

    status = run_eval(
        monkeypatch, broken(cases), str(small_set), "--gate", "--baseline", str(baseline)
    )
    captured = capsys.readouterr()
    assert status == 1
    assert captured.err.splitlines() == [
        "gate: answer_correct overall 0.5 < baseline 1",
        "gate: kind_correct overall 0.75 < baseline 1",
        "gate: refusal_recall overall 0 < baseline 1",
        "gate: invariant_violations overall 1 > baseline 0",
        "gate: answer_correct performance_table 0 < baseline 1",
        "gate: invariant_violations performance_table 1 > baseline 0",
        "gate: answer_correct out_of_scope 0 < baseline 1",
        "gate: kind_correct out_of_scope 0 < baseline 1",
        "gate: refusal_recall out_of_scope 0 < baseline 1",
    ]
    assert (
        "FAIL homicides [performance_table]: missing '15'; invariant: number 42 is in no "
        "citation" in captured.out
    )
    assert "FAIL weather [out_of_scope]: kind answer (expected not_found)" in captured.out


SUMMARY = {
    "overall": {
        "answer_correct": 0.96,
        "kind_correct": 1.0,
        "invariant_violations": 0,
        "latency_p50_ms": 20.0,
        "latency_p95_ms": 60.0,
    },
    "categories": {"casual": {"answer_correct": 0.9, "invariant_violations": 0}},
}


@pytest.mark.parametrize(
    ("overall", "categories", "lines"),
    [
        ({"answer_correct": 0.96}, {"casual": {"answer_correct": 0.9}}, []),
        ({"answer_correct": 0.98}, {}, ["gate: answer_correct overall 0.96 < baseline 0.98"]),
        (
            {"invariant_violations": 0, "mrr": 0.8},
            {"casual": {"answer_correct": 0.95}},
            [
                "gate: mrr overall n/a < baseline 0.8",
                "gate: answer_correct casual 0.9 < baseline 0.95",
            ],
        ),
        ({}, {"safety": {"kind_correct": 1.0}}, ["gate: category safety has no cases in this run"]),
    ],
    ids=["equal", "drop", "na-and-category", "missing-category"],
)
def test_gate_failures(overall: dict, categories: dict, lines: list[str]) -> None:
    baseline = {"overall": overall, "categories": categories}
    assert gate_failures(SUMMARY, baseline) == lines


@pytest.mark.parametrize(
    ("p50", "p95", "lines"),
    [
        (49.9, 149.0, []),
        (50.5, 149.0, ["gate: latency_p50_ms overall 50.5 > ceiling 50"]),
        (20.0, 151.25, ["gate: latency_p95_ms overall 151.25 > ceiling 150"]),
    ],
    ids=["within", "p50-over", "p95-over"],
)
def test_latency_is_gated_only_against_the_ceiling(
    p50: float, p95: float, lines: list[str]
) -> None:
    ceilings = {"latency_p50_ms": 50.0, "latency_p95_ms": 150.0}
    assert latency_failures({"latency_p50_ms": p50, "latency_p95_ms": p95}, ceilings) == lines


def test_baseline_keeps_gated_metrics_only() -> None:
    document = baseline_from(SUMMARY, {"commit": "abc", "cases": 3})
    assert document["overall"] == {
        "answer_correct": 0.96,
        "kind_correct": 1.0,
        "invariant_violations": 0,
    }
    assert document["latency_ceiling_ms"] == {"latency_p50_ms": 150.0, "latency_p95_ms": 450.0}
    assert (document["commit"], document["cases"]) == ("abc", 3)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "baseline not found (create it with `assistant eval --update-baseline`)"),
        ("{", "not valid JSON (Expecting property name enclosed in double quotes, line 1)"),
        ("[]", 'not a baseline file (no "overall" scores)'),
    ],
    ids=["missing", "bad-json", "wrong-shape"],
)
def test_load_baseline_errors(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "baseline.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(InputFileError) as caught:
        load_baseline(path)
    assert str(caught.value) == f"{path}: {message}"


def test_committed_baseline_is_loadable() -> None:
    document = load_baseline()
    assert document["overall"]["invariant_violations"] == 0
    assert set(document["latency_ceiling_ms"]) == {"latency_p50_ms", "latency_p95_ms"}
