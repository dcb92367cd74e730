"""The web app's Evaluation tab: a report (the newest by default, committed markdown reports
included), its per-category table and chart, and running the suite with a progress bar.

ui.py calls `evaluation_tab(settings)` inside `with gr.Tab("Evaluation"):`; pass the app's
open Assistant as `assistant=`, or a function returning it as `get_assistant=`, so that
running the suite does not load the model a second time.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant.errors import AssistantError
from assistant.evaluation.report import (
    REPORTS_DIR,
    latest_report,
    load_report,
    markdown_report,
    report_paths,
    table_rows,
)
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
CHART_TITLE = "Answers correct per category"
# The chart is HTML (a table of bars) rather than a plot: categories down the side, whole
# labels, sorted best first, real text a screen reader reads and a phone can fit.
CHART_CSS = """
figure { margin: 0; }
figcaption { font-weight: 600; margin-bottom: 0.5em; }
table { border-collapse: collapse; width: 100%; margin: 0; border: none !important; }
thead th { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
tr, th, td { border: none !important; background: none !important; padding: 0.25em 0; }
th { text-align: left; font-weight: normal; padding-right: 0.8em; white-space: nowrap; }
td.value { text-align: right; padding: 0.25em 0.4em 0.25em 0.8em; white-space: nowrap; }
td.bar { width: 100%; min-width: 3em; }
.track { background: #e5e7eb; height: 1.1em; border-radius: 3px; }
.fill { background: #1d4ed8; height: 100%; border-radius: 3px; }
"""


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
    source = f" (`{Path(data['path']).name}`)" if data.get("path") else ""
    testset = f" of `{meta['testset']}`" if meta.get("testset") else ""
    return (
        f"**Report of {meta['date']}**{source} at commit `{meta['commit']}`: {meta['cases']} "
        f"cases{testset}, {share} answered correctly, "
        f"{overall.get('invariant_violations', 0)} invariant violations, warm p50 "
        f"{overall.get('latency_p50_ms')} ms."
    )


def report_choices(directory: Path) -> list[tuple[str, str]]:
    """(label, path) of every readable report in directory, newest first, for the chooser."""
    choices = []
    for path in report_paths(directory):
        data = load_report(path)
        if data is not None:
            meta = data["meta"]
            testset = Path(str(meta.get("testset") or "")).name or "test set"
            choices.append((f"{meta['date'][:16]} · {testset} · {meta['cases']} cases", str(path)))
    return choices


def category_frame(data: dict[str, Any] | None) -> Any:
    """The per-category table as a DataFrame (header only when there is no report)."""
    import pandas as pd

    if data is None:
        return pd.DataFrame(columns=["category"])
    rows = table_rows(data["summary"])
    return pd.DataFrame(rows[1:], columns=rows[0])


def chart_frame(data: dict[str, Any] | None) -> Any:
    """Answer correctness per category, in percent, best first (ties by name)."""
    import pandas as pd

    categories = (data or {}).get("summary", {}).get("categories", {})
    rows = [
        {
            "category": name,
            CHART_Y: round((m.get("answer_correct") or 0.0) * 100, 1),
            "cases": m.get("cases"),
        }
        for name, m in categories.items()
    ]
    rows.sort(key=lambda r: (-r[CHART_Y], r["category"]))
    return pd.DataFrame(rows, columns=["category", CHART_Y, "cases"])


def chart_html(frame: Any) -> str:
    """The per-category chart: one row per category (name, bar, value), escaped."""
    if frame.empty:
        return f"<p>{CHART_TITLE}: no report to chart yet.</p>"
    rows = []
    for record in frame.to_dict("records"):
        share, cases = record[CHART_Y], record.get("cases")
        of = f" of {int(cases)}" if isinstance(cases, int | float) and math.isfinite(cases) else ""
        rows.append(
            f'<tr><th scope="row">{html.escape(str(record["category"]))}</th>'
            f'<td class="bar"><div class="track"><div class="fill" style="width: {share:.1f}%">'
            f'</div></div></td><td class="value">{share:.1f}%{of}</td></tr>'
        )
    return (
        f'<figure id="eval-chart"><figcaption>{CHART_TITLE} (best first)</figcaption>'
        f'<table><thead><tr><th scope="col">Category</th><th scope="col">Bar</th>'
        f'<th scope="col">Answers correct</th></tr></thead><tbody>{"".join(rows)}</tbody>'
        "</table></figure>"
    )


def failures_frame(data: dict[str, Any] | None) -> Any:
    """Failed cases with the question, the expected facts and the answer given (a report read
    back from markdown brings its failure rows ready-made)."""
    import pandas as pd

    if (data or {}).get("failures") is not None:
        rows = [[f.get(c, "") for c in FAILURE_COLUMNS] for f in data["failures"]]
        return pd.DataFrame(rows, columns=FAILURE_COLUMNS)
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


def views(data: dict[str, Any] | None) -> tuple[str, Any, str, Any]:
    """Header, table, chart (HTML) and failures for one report."""
    chart = chart_html(chart_frame(data))
    return report_header(data), category_frame(data), chart, failures_frame(data)


def run_suite_now(
    settings: Settings,
    answerer: Any,
    category: str,
    testset: Path,
    reports_dir: Path,
    on_case: Callable[[int, int, CaseResult], None] | None = None,
) -> dict[str, Any]:
    """Score the test set (or one category) and save it as the latest report; on_case hears
    of each case scored (done, total, result)."""
    from assistant.evaluation.cli import evaluate, load_checked

    cases = load_checked(testset, settings)
    if category and category != ALL:
        cases = [c for c in cases if c.category == category]
    if not cases:
        raise AssistantError(f"no test cases in category {category}")
    data = evaluate(answerer, cases, testset, progress=on_case or False)
    path = write_run_report(data, markdown_report(data), reports_dir)
    return {**data, "path": str(path.with_suffix(".json"))}


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
    latest = latest_report(directory)
    header_md, table_df, chart, failures_df = views(latest)
    choices = report_choices(directory)
    chooser = gr.Dropdown(
        choices,
        value=latest["path"] if latest else None,
        label="Report shown (newest first)",
        elem_id="eval-report",
        interactive=True,
    )
    header = gr.Markdown(header_md, elem_id="eval-header")
    table = gr.Dataframe(table_df, label="Scores per category", interactive=False)
    chart_view = gr.HTML(chart, css_template=CHART_CSS, js_on_load=None, elem_id="eval-chart-box")
    with gr.Row():
        category = gr.Dropdown([ALL, *CATEGORIES], value=ALL, label="Cases to run", min_width=240)
        run = gr.Button("Run the test set", variant="primary", elem_id="eval-run")
    run_status = gr.Markdown("", elem_id="eval-progress")
    failures = gr.Dataframe(
        failures_df,
        label="Failures: question, expected facts, answer given",
        interactive=False,
        wrap=True,
    )

    def on_choose(path: str | None) -> tuple[str, Any, str, Any]:
        return views(load_report(Path(path)) if path else None)

    tracker = gr.Progress()  # Gradio draws a progress bar where the handler's default is one

    def on_run(chosen: str, progress: Any = tracker) -> tuple[Any, ...]:
        def on_case(done: int, total: int, result: CaseResult) -> None:
            progress((done, total), desc=f"Scoring case {done} of {total}", unit="cases")

        try:
            progress(0, desc="Opening the assistant")
            if holder["assistant"] is None:
                holder["assistant"] = (get_assistant or _opener(settings))()
            data = run_suite_now(
                settings, holder["assistant"], chosen, cases_file, directory, on_case
            )
        except AssistantError as error:
            raise gr.Error(str(error)) from None
        done = f"Finished: {data['meta']['cases']} cases scored and saved as the newest report."
        new_choice = gr.update(choices=report_choices(directory), value=data["path"])
        return (*views(data), done, new_choice)

    outputs = [header, table, chart_view, failures]
    chooser.change(on_choose, [chooser], outputs, api_visibility="private")
    run.click(
        on_run,
        inputs=[category],
        outputs=[*outputs, run_status, chooser],
        concurrency_limit=1,
        api_visibility="private",
        show_progress_on=[run_status],
    )


def _opener(settings: Settings) -> Callable[[], Any]:
    """A function opening a new Assistant (when the app did not share its own)."""

    def open_new() -> Any:
        from assistant.assistant import Assistant

        return Assistant.open(settings)

    return open_new
