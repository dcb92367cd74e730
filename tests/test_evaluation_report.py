"""Terminal table, markdown report, report files and `assistant eval` user errors (no model)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar

import pytest

from assistant.cli import main
from assistant.evaluation import cli as eval_cli
from assistant.evaluation.report import (
    align,
    cell,
    format_table,
    latest_report,
    markdown_report,
    payload,
    write_report,
)
from assistant.evaluation.scoring import score_case, summarise
from assistant.evaluation.testset import Case
from assistant.settings import PROJECT_ROOT

CASE = Case(
    id="h",
    category="performance_table",
    question="How many homicides?",
    kinds=("statistic",),
    must_contain=("15",),
    sections=("Performance data",),
)
META = {
    "date": "2026-01-02T03:04:05+00:00",
    "commit": "abc123",
    "testset": "evals/t.jsonl",
    "testset_sha256": "feed",
    "cases": 1,
    "index_stamp": {"corpus_hash": "8dd6", "model": "minilm", "schema_version": 2},
}


def run_data(text: str = "There were 15 [1].") -> dict:
    answer = {
        "kind": "statistic",
        "text": text,
        "citations": [{"n": 1, "section": "Performance data"}],
    }
    results = [score_case(CASE, answer, retrieval_rank=1, latency_ms=12.5)]
    return payload(META, summarise(results), results)


@pytest.mark.parametrize(
    ("metric", "value", "shown"),
    [
        ("answer_correct", 0.9567, "95.7%"),
        ("mrr", 0.5, "0.500"),
        ("latency_p50_ms", 12.345, "12.3"),
        ("cases", 7, "7"),
        ("hit_at_1", None, "-"),
    ],
    ids=["rate", "mrr", "latency", "count", "na"],
)
def test_cell(metric: str, value: object, shown: str) -> None:
    assert cell(metric, value) == shown


def test_align_puts_a_rule_above_the_footer() -> None:
    assert align([["a", "bb"], ["ccc", "d"], ["e", "f"]]).splitlines() == [
        "a    bb",
        "-------",
        "ccc   d",
        "-------",
        "e     f",
    ]


def test_format_table_has_category_and_overall_rows() -> None:
    lines = format_table(run_data()["summary"]).splitlines()
    assert lines[0].split() == [
        "category",
        "n",
        "correct",
        "kind",
        "cite",
        "hit@1",
        "hit@3",
        "hit@5",
        "MRR",
        "refuse",
        "P",
        "refuse",
        "R",
        "wrongly",
        "refused",
        "inv",
        "p50",
        "ms",
        "p95",
        "ms",
    ]
    assert lines[2].split()[:3] == ["performance_table", "1", "100.0%"]
    assert lines[-1].split()[:3] == ["overall", "1", "100.0%"]


def test_markdown_report_names_date_commit_and_stamp() -> None:
    text = markdown_report(run_data("There were 16 [1]."))
    assert text.startswith("# Evaluation report 2026-01-02T03:04:05+00:00\n")
    assert "- Commit: `abc123`" in text
    assert "- Index stamp: corpus_hash `8dd6`, model `minilm`, schema_version `2`" in text
    assert "| performance_table | 1 | 0.0% |" in text
    assert "- **h** (performance_table): missing '15'" in text
    assert '  - answer (statistic): "There were 16 [1]."' in text


def test_write_report_then_latest_report(tmp_path: Path) -> None:
    assert latest_report(tmp_path) is None
    md = write_report(run_data(), markdown_report(run_data()), tmp_path)
    assert md.suffix == ".md" and md.with_suffix(".json").is_file()
    latest = latest_report(tmp_path)
    assert latest is not None and latest["meta"]["commit"] == "abc123"
    assert latest["path"] == str(md.with_suffix(".json"))


def test_a_markdown_report_reads_back_as_the_run_it_reports(tmp_path: Path) -> None:
    data = run_data("There were 16 [1].")
    md = write_report(data, markdown_report(data), tmp_path)
    md.with_suffix(".json").unlink()
    back = latest_report(tmp_path)
    assert back is not None and back["path"] == str(md)
    assert back["meta"] == {
        **META,
        "index_stamp": {k: str(v) for k, v in META["index_stamp"].items()},
    }
    assert back["summary"]["categories"]["performance_table"]["answer_correct"] == 0.0
    assert back["summary"]["overall"]["latency_p50_ms"] == 12.5
    assert back["summary"]["overall"]["mrr"] == 1.0
    assert back["summary"]["overall"]["refusal_recall"] is None
    [failure] = back["failures"]
    assert failure["id"] == "h" and failure["answer given"] == "There were 16 [1]."
    assert failure["expected facts"] == "15" and failure["expected kind"] == "statistic"


def test_the_newest_run_wins_whichever_files_it_kept(tmp_path: Path) -> None:
    for stem, commit in (("eval-20260101-000000", "old"), ("eval-20260102-000000", "new")):
        data = {**run_data(), "meta": {**META, "commit": commit}}
        (tmp_path / f"{stem}.md").write_text(markdown_report(data), encoding="utf-8")
    (tmp_path / "eval-20260101-000000.json").write_text(json.dumps(run_data()), encoding="utf-8")
    assert latest_report(tmp_path)["meta"]["commit"] == "new"
    (tmp_path / "eval-20260102-000000.md").write_text("# not a report\n", encoding="utf-8")
    assert latest_report(tmp_path)["meta"]["commit"] == "abc123"  # unreadable: the one before


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["eval", "{tmp}/missing.jsonl"], "{tmp}/missing.jsonl: test set file not found"),
        (
            ["eval", "{tmp}/bad.jsonl", "--check"],
            "{tmp}/bad.jsonl:1: not valid JSON (Expecting value, column 1)",
        ),
        (
            ["eval", "--gate", "--category", "casual"],
            "--gate and --update-baseline need the whole test set: drop --category and --limit",
        ),
        (["eval", "--limit", "0"], "no test cases left after --category/--limit"),
        (
            ["eval", "--gate", "--baseline", "{tmp}/none.json"],
            "{tmp}/none.json: baseline not "
            "found (create it with `assistant eval --update-baseline`)",
        ),
    ],
    ids=["missing-file", "bad-json", "gate-with-filter", "nothing-left", "missing-baseline"],
)
def test_user_errors_are_one_line(
    argv: list[str],
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "bad.jsonl").write_text("nope\n", encoding="utf-8")
    monkeypatch.setattr(eval_cli, "open_answerer", lambda settings: _Perfect())
    status = main([a.replace("{tmp}", str(tmp_path)) for a in argv])
    assert status == 1
    assert capsys.readouterr().err.splitlines()[-1] == "error: " + message.replace(
        "{tmp}", str(tmp_path)
    )


class _Perfect:
    """Answers every question with not_found, instantly."""

    stamp: ClassVar[dict] = {}

    def ask(self, question: str, history: object = ()) -> dict:
        return {"kind": "not_found", "text": "", "citations": [], "conflicts": []}

    def invariant_violations(self, answer: object) -> list[str]:
        return []

    def retrieve(self, question: str, k: int = 5) -> list[dict]:
        return []


def test_check_counts_the_real_test_set(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "--check"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(str(PROJECT_ROOT / "evals" / "testset.jsonl") + ": ")
    assert out.endswith(" cases OK\n")


def test_json_output_and_report_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(eval_cli, "open_answerer", lambda settings: _Perfect())
    assert (
        main(["eval", "--category", "out_of_scope", "--json", "--reports-dir", str(tmp_path)]) == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"meta", "summary", "results"}
    assert data["summary"]["overall"]["refusal_recall"] == 1.0
    assert data["meta"]["testset"] == "evals/testset.jsonl"
    assert len(list(tmp_path.glob("eval-*.md"))) == 1
