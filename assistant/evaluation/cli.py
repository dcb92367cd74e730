"""`assistant eval`: score the assistant on a test set, gate on the baseline, move test sets.

assistant eval [FILE] [--json] [--category C] [--compare] [--gate] [--update-baseline]
assistant eval [FILE] --check | --export-llamaindex OUT.json | --append DRAFTS.jsonl
assistant eval --import-llamaindex IN.json --out CASES.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant.errors import AssistantError
from assistant.evaluation import gate, report
from assistant.evaluation.runner import Answerer, Progress, run_suite
from assistant.evaluation.scoring import CaseResult, summarise
from assistant.evaluation.testset import CATEGORIES, Case, check_sections, load_cases
from assistant.settings import PROJECT_ROOT, Settings

DEFAULT_TESTSET = PROJECT_ROOT / "evals" / "testset.jsonl"


def configure_parser(p: argparse.ArgumentParser) -> None:
    """Arguments of `assistant eval`."""
    p.add_argument(
        "file",
        nargs="?",
        type=Path,
        default=DEFAULT_TESTSET,
        help="Test set JSONL (default: evals/testset.jsonl).",
    )
    p.add_argument("--json", action="store_true", help="Print the whole run as JSON.")
    p.add_argument(
        "--category", action="append", choices=CATEGORIES, help="Only this category (repeatable)."
    )
    p.add_argument("--limit", type=int, help="Only the first N cases.")
    p.add_argument(
        "--compare",
        action="store_true",
        help="Also run a stock LlamaIndex pipeline on the same cases.",
    )
    p.add_argument(
        "--gate",
        action="store_true",
        help="Exit 1 with one line per metric that fell below the baseline.",
    )
    p.add_argument(
        "--update-baseline",
        action="store_true",
        help="Write this run's scores as the new baseline.",
    )
    p.add_argument(
        "--baseline",
        type=Path,
        default=gate.BASELINE_PATH,
        help="Baseline file (default: evals/baseline.json).",
    )
    p.add_argument(
        "--report",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="Write a markdown + JSON report (default: yes, except with --gate).",
    )
    p.add_argument(
        "--reports-dir",
        type=Path,
        default=report.REPORTS_DIR,
        help="Where reports go (default: evals/reports).",
    )
    p.add_argument("--check", action="store_true", help="Only validate the test set file.")
    p.add_argument(
        "--export-llamaindex",
        type=Path,
        metavar="OUT.json",
        help="Write the test set as a LlamaIndex LabelledRagDataset JSON.",
    )
    p.add_argument(
        "--import-llamaindex",
        type=Path,
        metavar="IN.json",
        help="Read a LabelledRagDataset JSON into test cases (needs --out).",
    )
    p.add_argument(
        "--out",
        type=Path,
        metavar="CASES.jsonl",
        help="With --import-llamaindex: the new JSONL file to write.",
    )
    p.add_argument(
        "--append",
        type=Path,
        metavar="DRAFTS.jsonl",
        help="Validate completed cases (e.g. feedback drafts) and append them to FILE.",
    )


def run_command(
    args: argparse.Namespace, settings: Settings, answerer: Answerer | None = None
) -> int:
    """Run `assistant eval`; user errors raise AssistantError (one line)."""
    if args.import_llamaindex is not None:
        return import_llamaindex(args, settings)
    cases = load_checked(args.file, settings)
    if args.export_llamaindex is not None:
        return export_llamaindex(cases, args.export_llamaindex, settings)
    if args.append is not None:
        return append_drafts(args.append, args.file, settings)
    if args.check:
        print(f"{args.file}: {len(cases)} cases OK")
        return 0
    cases = select(cases, args)
    baseline = gate.load_baseline(args.baseline) if args.gate else None
    answerer = answerer or open_answerer(settings)
    data = evaluate(answerer, cases, args.file, compare_settings=settings if args.compare else None)
    router = getattr(answerer, "router", None)
    if router is not None and not (args.category or args.limit):
        from assistant.evaluation.router import router_scores

        data["router"] = router_scores(router)
    return finish(data, args, baseline)


def warn(message: str) -> None:
    """Print a warning line to stderr."""
    print(f"warning: {message}", file=sys.stderr)


def load_checked(path: Path, settings: Settings) -> list[Case]:
    """The test set, validated, with every expected section checked against the corpus."""
    from assistant.corpus import load_corpus

    cases = load_cases(path, warn)
    titles = [s.title for doc in load_corpus(settings.corpus_dir) for s in doc.sections]
    check_sections(cases, titles, str(path))
    return cases


def select(cases: list[Case], args: argparse.Namespace) -> list[Case]:
    """Apply --category and --limit; the gate and the baseline need the whole set."""
    if (args.category or args.limit) and (args.gate or args.update_baseline):
        raise AssistantError(
            "--gate and --update-baseline need the whole test set: drop --category and --limit"
        )
    if args.category:
        cases = [c for c in cases if c.category in args.category]
    if args.limit is not None:
        cases = cases[: max(args.limit, 0)]
    if not cases:
        raise AssistantError("no test cases left after --category/--limit")
    return cases


def open_answerer(settings: Settings) -> Answerer:
    """The real assistant (builds the index when missing or stale)."""
    from assistant.assistant import Assistant

    return Assistant.open(settings, progress=lambda m: print(m, file=sys.stderr, flush=True))


def evaluate(
    answerer: Answerer,
    cases: Sequence[Case],
    testset: Path,
    compare_settings: Settings | None = None,
    progress: bool | Progress = True,
) -> dict[str, Any]:
    """Run and score the cases; the run payload (meta, summary, results[, comparison]).
    progress: True for a counter on an interactive stderr, or a function told of each case."""
    counter = _progress if progress is True else progress or None
    results = run_suite(answerer, cases, counter)
    summary = summarise(results)
    meta = report.run_metadata(testset, len(cases), getattr(answerer, "stamp", {}) or {})
    comparison = None
    if compare_settings is not None:
        comparison = compare_stock(compare_settings, cases, results)
    return report.payload(meta, summary, results, comparison)


def compare_stock(
    settings: Settings, cases: Sequence[Case], results: Sequence[CaseResult]
) -> dict[str, Any]:
    """The stock LlamaIndex side-by-side figures."""
    from assistant.evaluation.compare import comparison, run_stock, stock_retriever

    print("Building the stock LlamaIndex pipeline ...", file=sys.stderr, flush=True)
    return comparison(results, run_stock(stock_retriever(settings), cases))


def _progress(done: int, total: int, result: CaseResult) -> None:
    """A one-line counter on an interactive stderr."""
    if sys.stderr.isatty():
        end = "\n" if done == total else ""
        print(f"\r[{done}/{total}] {result.id[:40]:<40}", end=end, file=sys.stderr, flush=True)


def finish(
    data: dict[str, Any], args: argparse.Namespace, baseline: dict[str, Any] | None = None
) -> int:
    """Print, write the report and baseline, and apply the gate; the exit status."""
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        print(terminal_text(data))
    if args.report or (args.report is None and not args.gate):
        path = report.write_report(data, report.markdown_report(data), args.reports_dir)
        print(f"Report written to {path}", file=sys.stderr)
    if args.update_baseline:
        document = gate.baseline_from(data["summary"], data["meta"], data.get("router"))
        gate.write_baseline(document, args.baseline)
        print(f"Baseline written to {args.baseline}", file=sys.stderr)
    if baseline is None:
        return 0
    failures = gate.gate_failures(data["summary"], baseline, data.get("router"))
    for line in failures:
        print(line, file=sys.stderr)
    if not failures:
        print(f"gate: passed ({args.baseline})", file=sys.stderr)
    return 1 if failures else 0


def terminal_text(data: dict[str, Any]) -> str:
    """Table, comparison table and failures for the terminal."""
    meta = data["meta"]
    parts = [
        f"{meta['cases']} cases from {meta['testset']} at commit {meta['commit']}",
        "",
        report.format_table(data["summary"]),
    ]
    if data.get("comparison"):
        from assistant.evaluation.compare import comparison_rows

        parts += [
            "",
            "Stock LlamaIndex pipeline, side by side:",
            report.align(comparison_rows(data["comparison"])),
        ]
    parts += ["", part_line(data["results"])]
    if data.get("router"):
        from assistant.evaluation.router import router_rows

        parts += ["", "Safety router (recall per route; ordinary messages routed):"]
        parts.append(report.align(router_rows(data["router"])))
    failures = report.format_failures([CaseResult.from_dict(r) for r in data["results"]])
    return "\n".join(parts + (["", failures] if failures else []))


def part_line(results: Sequence[dict[str, Any]]) -> str:
    """Answers correct in the locked part (never fitted or tuned on) and the tuning part."""
    from assistant.evaluation.testset import is_locked

    out = []
    for name, locked in (("locked part", True), ("tuning part", False)):
        mine = [r for r in results if is_locked(r["id"]) == locked]
        if mine:
            share = sum(bool(r["correct"]) for r in mine) / len(mine)
            out.append(f"{name}: {share:.1%} correct of {len(mine)}")
    return "; ".join(out)


def export_llamaindex(cases: Sequence[Case], out: Path, settings: Settings) -> int:
    """Write the test set as a LabelledRagDataset JSON file."""
    from assistant.evaluation.llamaindex import section_texts, write_labelled_rag

    write_labelled_rag(cases, section_texts(settings.corpus_dir), out)
    print(f"Exported {len(cases)} cases to {out} (LlamaIndex LabelledRagDataset).")
    return 0


def import_llamaindex(args: argparse.Namespace, settings: Settings) -> int:
    """Read a LabelledRagDataset JSON file into a new JSONL test set."""
    from assistant.evaluation.llamaindex import read_labelled_rag, section_texts
    from assistant.evaluation.testset import write_cases

    if args.out is None:
        raise AssistantError("--import-llamaindex needs --out CASES.jsonl")
    cases = read_labelled_rag(args.import_llamaindex, section_texts(settings.corpus_dir), warn)
    write_cases(cases, args.out)
    print(f"Imported {len(cases)} cases from {args.import_llamaindex} into {args.out}.")
    return 0


def append_drafts(drafts: Path, testset: Path, settings: Settings) -> int:
    """Append completed draft cases to the test set after validating them."""
    from assistant.evaluation.testset import append_cases

    cases = load_checked(drafts, settings)
    append_cases(cases, testset)
    print(f"Appended {len(cases)} cases from {drafts} to {testset}.")
    return 0
