"""The Gradio Evaluation tab: views of a report, building the tab, running the suite (no model)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import gradio as gr
import pytest

from assistant.evaluation.report import markdown_report, payload, write_report
from assistant.evaluation.scoring import score_case, summarise
from assistant.evaluation.tab import (
    ALL,
    CHART_Y,
    FAILURE_COLUMNS,
    evaluation_tab,
    run_suite_now,
    views,
)
from assistant.evaluation.testset import Case
from assistant.settings import Settings

GOOD = Case(
    id="good",
    category="performance_table",
    question="How many homicides?",
    kinds=("statistic",),
    must_contain=("15",),
    sections=("Performance data",),
)
BAD = Case(id="bad", category="out_of_scope", question="Weather?", kinds=("not_found",))
META = {
    "date": "2026-01-02T03:04:05+00:00",
    "commit": "abc123",
    "testset": "t.jsonl",
    "testset_sha256": "",
    "cases": 2,
    "index_stamp": {},
}


def report_data() -> dict:
    results = [
        score_case(
            GOOD,
            {
                "kind": "statistic",
                "text": "15 [1]",
                "citations": [{"n": 1, "section": "Performance data"}],
            },
        ),
        score_case(BAD, {"kind": "answer", "text": "Sunny spells."}),
    ]
    return payload(META, summarise(results), results)


def test_views_without_a_report() -> None:
    header, table, chart, failures = views(None)
    assert header.startswith("**No evaluation report yet.**")
    assert table.empty and chart.empty and failures.empty
    assert list(failures.columns) == FAILURE_COLUMNS


def test_views_of_a_report() -> None:
    header, table, chart, failures = views(report_data())
    assert header.startswith(
        "**Report of 2026-01-02T03:04:05+00:00** at commit `abc123`: "
        "2 cases, 50.0% answered correctly"
    )
    assert list(table["category"]) == ["performance_table", "out_of_scope", "overall"]
    assert chart.to_dict("records") == [
        {"category": "performance_table", CHART_Y: 100.0},
        {"category": "out_of_scope", CHART_Y: 0.0},
    ]
    assert failures.to_dict("records") == [
        {
            "id": "bad",
            "category": "out_of_scope",
            "question": "Weather?",
            "expected kind": "not_found",
            "expected facts": "",
            "answer kind": "answer",
            "answer given": "Sunny spells.",
            "why it failed": "kind answer (expected not_found)",
        }
    ]


@pytest.mark.parametrize("with_report", [False, True], ids=["empty", "with-report"])
def test_tab_builds_inside_blocks(tmp_path: Path, with_report: bool) -> None:
    if with_report:
        write_report(report_data(), markdown_report(report_data()), tmp_path)
    with gr.Blocks() as demo, gr.Tab("Evaluation"):
        evaluation_tab(Settings(), assistant=object(), reports_dir=tmp_path)
    kinds = {type(block).__name__ for block in demo.blocks.values()}
    assert {"Markdown", "Dataframe", "BarPlot", "Button", "Dropdown"} <= kinds


class Refuser:
    """Refuses everything: right for out-of-scope cases only."""

    stamp: ClassVar[dict] = {"corpus_hash": "fake"}

    def ask(self, question: str, history: object = ()) -> dict:
        return {
            "kind": "not_found",
            "text": "The report doesn't cover that.",
            "citations": [],
            "conflicts": [],
        }

    def invariant_violations(self, answer: object) -> list[str]:
        return []

    def retrieve(self, question: str, k: int = 5) -> list[dict]:
        return []


def test_run_suite_now_writes_the_latest_report(tmp_path: Path) -> None:
    data = run_suite_now(
        Settings(),
        Refuser(),
        "out_of_scope",
        Path(__file__).parent.parent / "evals" / "testset.jsonl",
        tmp_path,
    )
    assert data["summary"]["overall"]["answer_correct"] == 1.0
    assert set(data["summary"]["categories"]) == {"out_of_scope"}
    assert len(list(tmp_path.glob("eval-*.json"))) == 1
    everything = run_suite_now(
        Settings(),
        Refuser(),
        ALL,
        Path(__file__).parent.parent / "evals" / "testset.jsonl",
        tmp_path,
    )
    assert everything["summary"]["overall"]["cases"] > data["summary"]["overall"]["cases"]


def test_run_button_uses_the_shared_assistant(tmp_path: Path) -> None:
    testset = tmp_path / "cases.jsonl"
    testset.write_text(
        '{"id": "w", "category": "out_of_scope", "question": "Weather?", '
        '"kind": "not_found", "must_contain": [], "sections": []}\n'
    )
    opened: list[Refuser] = []

    def shared() -> Refuser:
        opened.append(Refuser())
        return opened[-1]

    with gr.Blocks() as demo:
        evaluation_tab(Settings(), reports_dir=tmp_path, testset=testset, get_assistant=shared)
    [on_run] = [f.fn for f in demo.fns.values() if f.fn and f.fn.__name__ == "on_run"]
    header, table, _chart, failures = on_run(ALL)
    on_run(ALL)
    assert len(opened) == 1
    assert "1 cases, 100.0% answered correctly" in header
    assert list(table["category"]) == ["out_of_scope", "overall"] and failures.empty
    with pytest.raises(gr.Error):
        on_run("casual")
