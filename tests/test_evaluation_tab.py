"""The Gradio Evaluation tab: views of a report, building the tab, running the suite (no model)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import ClassVar

import gradio as gr
import pytest

from assistant.evaluation.report import (
    REPORTS_DIR,
    latest_report,
    markdown_report,
    payload,
    write_report,
)
from assistant.evaluation.scoring import score_case, summarise
from assistant.evaluation.tab import (
    ALL,
    FAILURE_COLUMNS,
    chart_frame,
    chart_html,
    evaluation_tab,
    report_header,
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
    assert table.empty and failures.empty
    assert chart == "<p>Answers correct per category: no report to chart yet.</p>"
    assert list(failures.columns) == FAILURE_COLUMNS


def test_views_of_a_report() -> None:
    header, table, chart, failures = views(report_data())
    assert header.startswith(
        "**Report of 2026-01-02T03:04:05+00:00** at commit `abc123`: "
        "2 cases of `t.jsonl`, 50.0% answered correctly"
    )
    assert list(table["category"]) == ["performance_table", "out_of_scope", "overall"]
    assert re.findall(r'<th scope="row">([^<]*)</th>.*?class="value">([^<]*)<', chart) == [
        ("performance_table", "100.0% of 1"),
        ("out_of_scope", "0.0% of 1"),
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


def summary_of(scores: dict[str, float]) -> dict:
    categories = {name: {"answer_correct": share, "cases": 4} for name, share in scores.items()}
    return {"summary": {"categories": categories, "overall": {}}}


@pytest.mark.parametrize(
    ("scores", "order"),
    [
        ({"a": 0.2, "b": 0.9, "c": 0.5}, ["b", "c", "a"]),
        ({"zeta": 0.5, "alpha": 0.5, "mid": 1.0}, ["mid", "alpha", "zeta"]),
        ({"performance_table_with_a_long_name": 0.0}, ["performance_table_with_a_long_name"]),
    ],
    ids=["best-first", "ties-by-name", "zero-shown"],
)
def test_chart_puts_categories_down_the_side_best_first_with_whole_labels(scores, order):
    frame = chart_frame(summary_of(scores))
    assert list(frame["category"]) == order
    chart = chart_html(frame)
    assert re.findall(r'<th scope="row">([^<]*)</th>', chart) == order  # whole, not cut
    bars = re.findall(r'style="width: ([\d.]+)%"', chart)
    assert [float(b) for b in bars] == [round(scores[name] * 100, 1) for name in order]


def test_chart_escapes_category_names():
    chart = chart_html(chart_frame(summary_of({"<b>x</b>": 1.0})))
    assert "<b>x</b>" not in chart and "&lt;b&gt;x&lt;/b&gt;" in chart


@pytest.mark.parametrize("with_report", [False, True], ids=["empty", "with-report"])
def test_tab_builds_inside_blocks(tmp_path: Path, with_report: bool) -> None:
    if with_report:
        write_report(report_data(), markdown_report(report_data()), tmp_path)
    with gr.Blocks() as demo, gr.Tab("Evaluation"):
        evaluation_tab(Settings(), assistant=object(), reports_dir=tmp_path)
    kinds = {type(block).__name__ for block in demo.blocks.values()}
    assert {"Markdown", "Dataframe", "HTML", "Button", "Dropdown"} <= kinds


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
    told: list[tuple] = []
    header, table, _chart, failures, done, chooser = on_run(ALL, progress=Told(told))
    on_run(ALL, progress=Told([]))
    assert len(opened) == 1
    assert "cases.jsonl`, 100.0% answered correctly" in header
    assert list(table["category"]) == ["out_of_scope", "overall"] and failures.empty
    assert told == [(0, "Opening the assistant"), ((1, 1), "Scoring case 1 of 1")]
    assert done.startswith("Finished: 1 cases scored")
    assert chooser["value"].endswith(".json")
    assert chooser["value"] in [path for _, path in chooser["choices"]]
    with pytest.raises(gr.Error):
        on_run("casual", progress=Told([]))


class Told:
    """Stands in for gr.Progress: records (progress, desc)."""

    def __init__(self, calls: list[tuple]) -> None:
        self.calls = calls

    def __call__(self, progress, desc=None, **_: object) -> None:
        self.calls.append((progress, desc))


def test_committed_markdown_reports_are_found_without_their_json(tmp_path: Path) -> None:
    """Only the .md of a run is committed: a fresh clone must still show it."""
    md = write_report(report_data(), markdown_report(report_data()), tmp_path)
    md.with_suffix(".json").unlink()
    header, table, chart, failures = views(latest_report(tmp_path))
    assert header.startswith("**Report of 2026-01-02T03:04:05+00:00** (`" + md.name + "`)")
    assert "2 cases of `t.jsonl`, 50.0% answered correctly" in header
    assert list(table["category"]) == ["performance_table", "out_of_scope", "overall"]
    assert "out_of_scope" in chart
    assert failures.to_dict("records")[0]["why it failed"] == "kind answer (expected not_found)"
    assert failures.to_dict("records")[0]["answer given"] == "Sunny spells."


def test_the_repository_s_committed_reports_are_found() -> None:
    data = latest_report(REPORTS_DIR)
    assert data is not None, "evals/reports/ holds committed reports"
    assert data["summary"]["categories"] and report_header(data).startswith("**Report of")
