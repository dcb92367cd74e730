"""The web app's Evaluation tab: latest report, per-category table and chart, run the suite.

ui.py calls `evaluation_tab(settings)` inside `with gr.Tab("Evaluation"):`; pass the app's
open Assistant as `assistant=`, or a function returning it as `get_assistant=`, so that
running the suite does not load the model a second time.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant.errors import AssistantError
from assistant.evaluation.report import REPORTS_DIR, latest_report, markdown_report, table_rows
from assistant.evaluation.report import write_report as write_run_report
from assistant.evaluation.scoring import CaseResult
from assistant.evaluation.testset import CATEGORIES
from assistant.settings import PROJECT_ROOT, Settings

DEFAULT_TESTSET = PROJECT_ROOT / "evals" / "testset.jsonl"
ALL = "all categories"
FAILURE_COLUMNS = [
    "id",
    "category",
    "question",
    "expected kind",
    "expected facts",
    "answer kind",
    "answer given",
    "why it failed",
]
CHART_Y = "answer correct %"


def report_header(data: dict[str, Any] | None) -> str:
    """Markdown lines naming the report shown (or saying there is none yet)."""
    if data is None:
        return (
            "**No evaluation report yet.** Press *Run the test set*, or run "
            "`assistant eval` in a terminal."
        )
    meta = data["meta"]
    overall = data["summary"]["overall"]
    correct = overall.get("answer_correct")
    share = "-" if correct is None else f"{correct * 100:.1f}%"
    return (
        f"**Report of {meta['date']}** at commit `{meta['commit']}`: {meta['cases']} cases, "
        f"{share} answered correctly, {overall.get('invariant_violations', 0)} invariant "
        f"violations, warm p50 {overall.get('latency_p50_ms')} ms."
    )


def category_frame(data: dict[str, Any] | None) -> Any:
    """The per-category table as a DataFrame (header only when there is no report)."""
    import pandas as pd

    if data is None:
        return pd.DataFrame(columns=["category"])
    rows = table_rows(data["summary"])
    return pd.DataFrame(rows[1:], columns=rows[0])


def chart_frame(data: dict[str, Any] | None) -> Any:
    """Answer correctness per category, in percent, for the bar chart."""
    import pandas as pd

    categories = (data or {}).get("summary", {}).get("categories", {})
    rows = [
        {"category": name, CHART_Y: round((m.get("answer_correct") or 0.0) * 100, 1)}
        for name, m in categories.items()
    ]
    return pd.DataFrame(rows, columns=["category", CHART_Y])


def failures_frame(data: dict[str, Any] | None) -> Any:
    """Failed cases with the question, the expected facts and the answer given."""
    import pandas as pd

    results = [CaseResult.from_dict(r) for r in (data or {}).get("results", [])]
    rows = [
        [
            r.id,
            r.category,
            r.question[:300],
            " or ".join(r.expected_kinds),
            "; ".join(r.expected_facts),
            r.kind,
            r.text,
            "; ".join(r.reasons()),
        ]
        for r in results
        if not r.correct or r.violations
    ]
    return pd.DataFrame(rows, columns=FAILURE_COLUMNS)


def views(data: dict[str, Any] | None) -> tuple[str, Any, Any, Any]:
    """Header, table, chart and failures for one report."""
    return report_header(data), category_frame(data), chart_frame(data), failures_frame(data)


def run_suite_now(
    settings: Settings, answerer: Any, category: str, testset: Path, reports_dir: Path
) -> dict[str, Any]:
    """Score the test set (or one category) and save it as the latest report."""
    from assistant.evaluation.cli import evaluate, load_checked

    cases = load_checked(testset, settings)
    if category and category != ALL:
        cases = [c for c in cases if c.category == category]
    if not cases:
        raise AssistantError(f"no test cases in category {category}")
    data = evaluate(answerer, cases, testset, progress=False)
    write_run_report(data, markdown_report(data), reports_dir)
    return data


def evaluation_tab(
    settings: Settings,
    assistant: Any | None = None,
    reports_dir: Path | None = None,
    testset: Path | None = None,
    get_assistant: Callable[[], Any] | None = None,
) -> None:
    """Build the tab's components inside the caller's `gr.Tab` context."""
    import gradio as gr

    directory, cases_file = reports_dir or REPORTS_DIR, testset or DEFAULT_TESTSET
    holder: dict[str, Any] = {"assistant": assistant}
    header_md, table_df, chart_df, failures_df = views(latest_report(directory))
    header = gr.Markdown(header_md)
    table = gr.Dataframe(table_df, label="Scores per category", interactive=False)
    chart = gr.BarPlot(
        chart_df,
        x="category",
        y=CHART_Y,
        y_lim=[0, 100],
        title="Answers correct per category",
        x_label_angle=-30,
    )
    with gr.Row():
        category = gr.Dropdown([ALL, *CATEGORIES], value=ALL, label="Cases to run")
        run = gr.Button("Run the test set", variant="primary")
    failures = gr.Dataframe(
        failures_df,
        label="Failures: question, expected facts, answer given",
        interactive=False,
        wrap=True,
    )

    def on_run(chosen: str) -> tuple[str, Any, Any, Any]:
        try:
            if holder["assistant"] is None:
                holder["assistant"] = (get_assistant or _opener(settings))()
            data = run_suite_now(settings, holder["assistant"], chosen, cases_file, directory)
        except AssistantError as error:
            raise gr.Error(str(error)) from None
        return views(data)

    run.click(
        on_run,
        inputs=[category],
        outputs=[header, table, chart, failures],
        concurrency_limit=1,
        api_visibility="private",
    )


def _opener(settings: Settings) -> Callable[[], Any]:
    """A function opening a new Assistant (when the app did not share its own)."""

    def open_new() -> Any:
        from assistant.assistant import Assistant

        return Assistant.open(settings)

    return open_new
